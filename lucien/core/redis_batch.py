"""Many updates' Redis scripts in one round trip.

Every update runs two short Lua scripts (claim + lock + read; write + unlock + done).
Sent one by one, redis-py spends most of each call's cost in Python (a connection
from the pool, packing, parsing), per call. Calls made during one turn of the event loop
are instead queued and sent together in one pipeline, so under load the per-update cost
falls with the number of updates in flight, and a lone update waits one loop turn at most.
"""

from __future__ import annotations

import asyncio
from typing import Any

from redis.asyncio import Redis
from redis.commands.core import AsyncScript
from redis.exceptions import NoScriptError


class ScriptBatcher:
    """`await batcher.run(script, keys, args)` behaves like `await script(keys, args)`."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._pending: list[tuple[AsyncScript, list[Any], list[Any], asyncio.Future[Any]]] = []
        self._scheduled = False
        self._flushing: set[asyncio.Task[None]] = set()  # the loop keeps only weak references

    def run(self, script: AsyncScript, keys: list[Any], args: list[Any]) -> asyncio.Future[Any]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._pending.append((script, keys, args, future))
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._start_flush)
        return future

    def _start_flush(self) -> None:
        self._scheduled = False
        batch, self._pending = self._pending, []
        if batch:
            task = asyncio.get_running_loop().create_task(self._flush(batch))
            self._flushing.add(task)
            task.add_done_callback(self._flushing.discard)

    async def _flush(
        self, batch: list[tuple[AsyncScript, list[Any], list[Any], asyncio.Future[Any]]]
    ) -> None:
        try:
            results = await self._execute(batch)
        except BaseException as exc:
            for *_, future in batch:
                if not future.done():
                    future.set_exception(exc)
            if isinstance(exc, asyncio.CancelledError):
                raise
            return
        for (*_, future), result in zip(batch, results, strict=True):
            if future.done():
                continue
            if isinstance(result, Exception):
                future.set_exception(result)
            else:
                future.set_result(result)

    async def _execute(
        self, batch: list[tuple[AsyncScript, list[Any], list[Any], asyncio.Future[Any]]]
    ) -> list[Any]:
        for attempt in (1, 2):
            async with self.redis.pipeline(transaction=False) as pipe:
                for script, keys, args, _ in batch:
                    pipe.evalsha(script.sha, len(keys), *keys, *args)
                results = await pipe.execute(raise_on_error=False)
            if attempt == 1 and any(isinstance(r, NoScriptError) for r in results):
                # A restarted Redis forgot the scripts: load them and send the batch again
                # (the scripts refuse nothing twice: a NOSCRIPT reply ran nothing).
                for sha, script in {s.sha: s for s, *_ in batch}.items():
                    loaded = await self.redis.script_load(script.script)
                    assert loaded == sha
                continue
            return list(results)
        return list(results)
