"""Many updates' Redis commands in one round trip, through redis-py's public pipeline.

Every update runs two short Lua scripts (claim + lock + read; write + unlock + done).
Sent one by one, each call pays redis-py's per-call cost in Python (a connection from
the pool, packing, parsing). Calls made during one turn of the event loop are instead
queued and sent together as one non-transactional pipeline, so under load the
per-update cost falls with the number of updates in flight, and a lone update waits one
loop turn at most.

Only public redis-py calls: `Redis.pipeline(transaction=False)`, `execute_command` on
it, `execute(raise_on_error=False)` (an error reply stays with its own command) and
`script_load`. Scripts go as plain EVALSHA commands rather than `Script` objects: a
pipeline holding `Script` calls asks SCRIPT EXISTS first, one more round trip on every
batch; here a NOSCRIPT reply (a restarted Redis) loads the scripts and sends only those
commands again.

Command names are given as bytes: redis-py applies its reply callbacks by command name
(`str`), so these replies come back raw (bytes, int, list or None), the same whatever the
client's options, and the name is not split and re-encoded on every call.

The client must not retry on its own (`lucien.core.state.connect_redis` makes one that
does not): a batch retried after a lost reply would run its scripts twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from redis.asyncio import Redis
from redis.commands.core import AsyncScript
from redis.exceptions import NoScriptError

Arg = str | bytes | int | float
Command = tuple[Arg, ...]


async def execute_batch(redis: Redis, commands: Sequence[Command]) -> list[Any]:
    """Send `commands` in one pipeline; their raw replies, an error reply as its exception.

    A connection failure or timeout fails the whole batch (raised): redis-py drops that
    connection, so the next batch never reads a reply meant for this one.
    """
    pipe = redis.pipeline(transaction=False)
    for args in commands:
        pipe.execute_command(*args)
    return await pipe.execute(raise_on_error=False)


class RedisBatcher:
    """Commands issued during one loop turn, sent in one pipeline.

    `await batcher.script(script, keys, args)` behaves like `await script(keys, args)`,
    and `await batcher.command("GET", key)` like `await redis.execute_command("GET", key)`
    without redis-py's reply callbacks (the raw reply: bytes, int, list or None).
    """

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._pending: list[tuple[AsyncScript | None, Command, asyncio.Future[Any]]] = []
        self._scheduled = False
        self._flushing: set[asyncio.Task[None]] = set()  # the loop keeps only weak references

    def script(
        self, script: AsyncScript, keys: Sequence[Arg], args: Sequence[Arg]
    ) -> asyncio.Future[Any]:
        return self._queue(script, (b"EVALSHA", script.sha, len(keys), *keys, *args))

    def command(self, name: str, *args: Arg) -> asyncio.Future[Any]:
        return self._queue(None, (name.encode(), *args))

    def _queue(self, script: AsyncScript | None, command: Command) -> asyncio.Future[Any]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._pending.append((script, command, future))
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
        self, batch: list[tuple[AsyncScript | None, Command, asyncio.Future[Any]]]
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
        self, batch: list[tuple[AsyncScript | None, Command, asyncio.Future[Any]]]
    ) -> list[Any]:
        results = await execute_batch(self.redis, [command for _, command, _ in batch])
        missing = [i for i, r in enumerate(results) if isinstance(r, NoScriptError)]
        if missing:
            # A restarted Redis forgot the scripts: load them and send those again (a
            # NOSCRIPT reply ran nothing, so nothing runs twice).
            for sha, script in {s.sha: s for s, *_ in batch if s is not None}.items():
                loaded = await self.redis.script_load(script.script)
                assert loaded == sha
            again = await execute_batch(self.redis, [batch[i][1] for i in missing])
            for i, result in zip(missing, again, strict=True):
                results[i] = result
        return results
