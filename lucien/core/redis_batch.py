"""Many updates' Redis work in one round trip and one command, through public redis-py calls.

Every update runs two short Lua procedures (claim + lock + read; write + unlock + done)
and the cache reads a few keys. Sent one by one, each call pays redis-py's cost per
command in Python (a connection from the pool, packing, a reply read under its own
timeout). Work issued during one turn of the event loop is instead queued and sent as
one call of one Lua script, which runs the queued operations in order and returns their
replies as one array: under load the per-update cost falls with the number of updates
in flight, and a lone update waits one loop turn at most.

One script call rather than a pipeline of commands: redis-py's `Pipeline` costs more per
batch than the work it carries (a release task per execute, a timeout per reply), while
a script call is an ordinary command (`AsyncScript.__call__`: EVALSHA, and SCRIPT LOAD
first when a restarted Redis forgot the script), whose one reply hiredis parses in one
go. The operations of a batch run atomically, in the order they were issued; each runs
under `pcall`, so an error (a wrong type, OOM, READONLY) is that operation's reply and
reaches its caller only.

The client must not retry on its own (`lucien.core.state.connect_redis` makes one that
does not): a batch retried after a lost reply would run its procedures twice.
`execute_batch` (a plain pipeline) is for bulk writes off the hot path.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from redis.asyncio import Redis
from redis.commands.core import AsyncScript

Key = str | bytes
Arg = str | bytes | int | float
Command = tuple[Arg, ...]

# ARGV holds, per operation: its name, its key count, its argument count, its arguments;
# KEYS holds every operation's keys in order. A name starting with "@" is a procedure
# (below), any other a Redis command given its keys then its arguments.
_BATCH_HEAD = """
local procedures = {}
"""
_BATCH_LOOP = """
local out, k, a = {}, 1, 1
while a <= #ARGV do
  local op, nk, na = ARGV[a], tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  a = a + 3
  local keys = {unpack(KEYS, k, k + nk - 1)}
  local args = {unpack(ARGV, a, a + na - 1)}
  k, a = k + nk, a + na
  local res
  local procedure = procedures[op]
  if procedure then
    local ok, value = pcall(procedure, keys, args)
    if ok then
      res = value
    elseif type(value) == 'table' and value.err then
      res = value
    else
      res = redis.error_reply(tostring(value))
    end
  else
    local command = {op}
    for i = 1, nk do command[#command + 1] = keys[i] end
    for i = 1, na do command[#command + 1] = args[i] end
    res = redis.pcall(unpack(command))
  end
  if res == nil then res = false end
  out[#out + 1] = res
end
return out
"""
_NAME = re.compile(r"[a-z_]+")


def batch_script(procedures: Mapping[str, str]) -> str:
    """The batch script, with `procedures` (name -> Lua body reading KEYS and ARGV, as a
    script of its own would) callable as operations "@name"."""
    parts = [_BATCH_HEAD]
    for name, body in procedures.items():
        if not _NAME.fullmatch(name):
            raise ValueError(f"procedure name {name!r}: lowercase letters and _ only")
        parts.append(f"procedures[{json.dumps('@' + name)}] = function(KEYS, ARGV)\n{body}\nend\n")
    parts.append(_BATCH_LOOP)
    return "".join(parts)


async def execute_batch(redis: Redis, commands: Sequence[Command]) -> list[Any]:
    """Send `commands` in one pipeline; their raw replies, an error reply as its exception.

    Command names given as bytes skip redis-py's reply callbacks (which go by `str`
    name): the replies are raw. A connection failure or timeout fails the whole batch
    (raised), and redis-py drops that connection.
    """
    pipe = redis.pipeline(transaction=False)
    for args in commands:
        pipe.execute_command(*args)
    return await pipe.execute(raise_on_error=False)


class RedisBatcher:
    """Operations issued during one loop turn, sent as one call of the batch script.

    `await batcher.call("acquire", keys, args)` runs procedure "acquire" as its own
    script would run; `await batcher.command("GET", key)` is like
    `await redis.execute_command("GET", key)` without redis-py's reply callbacks (the
    raw reply: bytes, int, list or None). An operation's error is raised to its caller.
    """

    def __init__(self, redis: Redis, procedures: Mapping[str, str] | None = None) -> None:
        self.redis = redis
        self.procedures = frozenset(procedures or ())
        self._script: AsyncScript = redis.register_script(batch_script(procedures or {}))
        self._pending: list[tuple[str, Sequence[Key], Sequence[Arg], asyncio.Future[Any]]] = []
        self._scheduled = False
        self._flushing: set[asyncio.Task[None]] = set()  # the loop keeps only weak references

    def call(self, procedure: str, keys: Sequence[Key], args: Sequence[Arg]) -> asyncio.Future[Any]:
        """Run `procedure` (one of those given at creation) with its KEYS and ARGV."""
        if procedure not in self.procedures:
            raise KeyError(f"unknown procedure {procedure!r}")
        return self._queue("@" + procedure, keys, args)

    def command(self, name: str, key: Key, *args: Arg) -> asyncio.Future[Any]:
        """Run Redis command `name` on `key` (its only key) with `args`."""
        return self._queue(name, (key,), args)

    def _queue(self, op: str, keys: Sequence[Key], args: Sequence[Arg]) -> asyncio.Future[Any]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._pending.append((op, keys, args, future))
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
        self, batch: list[tuple[str, Sequence[Key], Sequence[Arg], asyncio.Future[Any]]]
    ) -> None:
        keys: list[Key] = []
        argv: list[Arg] = []
        for op, op_keys, op_args, _ in batch:
            keys.extend(op_keys)
            argv.extend((op, len(op_keys), len(op_args)))
            argv.extend(op_args)
        try:
            results = await self._script(keys, argv)
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
