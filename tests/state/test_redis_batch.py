"""The batcher that carries the hot path's Redis work, against the real server."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as aioredis
from redis.exceptions import DataError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError
from statekit import SHARED_REDIS_URL

from lucien.core.redis_batch import RedisBatcher, execute_batch
from lucien.core.state import connect_redis
from lucien.core.state.connection import HiredisPackingConnection

ECHO_LUA = "return {KEYS[1], ARGV[1], tonumber(ARGV[2]) + 1}"


async def test_one_pipeline_many_replies_and_an_error_in_the_middle(
    shared_redis: aioredis.Redis, prefix: str
) -> None:
    key = f"{prefix}:a"
    replies = await execute_batch(
        shared_redis,
        [
            (b"SET", key, "1"),
            (b"LPUSH", key, "x"),  # wrong type: an error reply for this command only
            (b"INCR", key),
            (b"GET", key),
        ],
    )
    # Raw replies: bytes command names skip redis-py's reply callbacks.
    assert replies[0] == b"OK"
    assert isinstance(replies[1], ResponseError)
    assert replies[2:] == [2, b"2"]
    # The connection went back to the pool in step: the next call reads its own replies.
    assert await shared_redis.get(key) == b"2"


async def test_operations_of_one_loop_turn_share_one_script_call(
    shared_redis: aioredis.Redis, prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    batcher = RedisBatcher(shared_redis, {"echo": ECHO_LUA})
    calls: list[int] = []
    real = shared_redis.evalsha

    async def counting(sha: str, numkeys: int, *keys_and_args: object) -> object:
        calls.append(numkeys)
        return await real(sha, numkeys, *keys_and_args)

    monkeypatch.setattr(shared_redis, "evalsha", counting)
    await shared_redis.script_flush()  # the first call meets NOSCRIPT: loaded, sent again
    results = await asyncio.gather(
        batcher.command("SET", f"{prefix}:b", "v", "PX", 60_000),
        batcher.call("echo", [f"{prefix}:k"], ["hello", 41]),
        batcher.command("GET", f"{prefix}:b"),  # after the SET: operations run in order
        batcher.command("GET", f"{prefix}:missing"),
    )
    assert results[0] == b"OK"
    assert results[1] == [f"{prefix}:k".encode(), b"hello", 42]
    assert results[2] == b"v" and results[3] is None
    # One call for the turn (4 keys), once more after Redis had forgotten the script.
    assert calls == [4, 4]
    assert await shared_redis.pttl(f"{prefix}:b") > 0
    with pytest.raises(KeyError):
        batcher.call("unknown", [], [])


async def test_an_error_reaches_its_caller_only(shared_redis: aioredis.Redis, prefix: str) -> None:
    batcher = RedisBatcher(
        shared_redis,
        {"incr": "return redis.call('INCR', KEYS[1])", "boom": "error('boom')"},
    )
    await shared_redis.set(f"{prefix}:s", "text")
    outcomes = await asyncio.gather(
        batcher.command("GET", f"{prefix}:s"),
        batcher.command("INCR", f"{prefix}:s"),  # a command's error reply
        batcher.call("incr", [f"{prefix}:s"], []),  # a procedure's failed call
        batcher.call("boom", [], []),  # a procedure's own error
        batcher.command("SET", f"{prefix}:after", "1"),
        return_exceptions=True,
    )
    assert outcomes[0] == b"text"
    assert all(isinstance(o, ResponseError) for o in outcomes[1:4])
    assert "not an integer" in str(outcomes[1]) and "boom" in str(outcomes[3])
    assert outcomes[4] == b"OK"  # the rest of the batch ran


async def test_a_dead_server_fails_every_caller_and_leaves_no_broken_connection(
    private_redis, prefix: str
) -> None:
    client = connect_redis(private_redis.url)
    batcher = RedisBatcher(client)
    assert await batcher.command("SET", f"{prefix}:x", "1") == b"OK"
    private_redis.stop()
    outcomes = await asyncio.gather(
        batcher.command("GET", f"{prefix}:x"),
        batcher.command("GET", f"{prefix}:y"),
        return_exceptions=True,
    )
    assert all(isinstance(o, (OSError, aioredis.ConnectionError, TimeoutError)) for o in outcomes)
    private_redis.start()  # a fresh server: the script is loaded again on first use
    assert await batcher.command("SET", f"{prefix}:x", "2") == b"OK"
    assert await batcher.command("GET", f"{prefix}:x") == b"2"
    await client.aclose()


BUSY_LUA = """
local t = redis.call('TIME')
local start = t[1] * 1000000 + t[2]
repeat t = redis.call('TIME') until t[1] * 1000000 + t[2] - start > 700000
"""


async def test_a_stalled_batch_fails_and_the_next_one_reads_its_own_reply(
    private_redis, prefix: str
) -> None:
    """A batch whose reply does not come within the socket timeout fails its callers;
    the connection (out of step now) is dropped, and nothing is sent twice."""
    client = connect_redis(private_redis.url, timeout=0.3)
    other = aioredis.Redis.from_url(private_redis.url)
    batcher = RedisBatcher(client)
    await batcher.command("GET", f"{prefix}:warm")  # the script is loaded
    stall = asyncio.create_task(other.eval(BUSY_LUA, 0))  # Redis does nothing else for 0.7 s
    await asyncio.sleep(0.05)
    with pytest.raises((RedisTimeoutError, TimeoutError)):
        await batcher.command("INCR", f"{prefix}:once")
    await stall
    assert await batcher.command("GET", f"{prefix}:next") is None
    assert await other.get(f"{prefix}:once") in (None, b"1")  # never twice
    await other.aclose()
    await client.aclose()


async def test_a_stalled_pipeline_fails_and_the_next_one_reads_its_own(
    shared_redis: aioredis.Redis, prefix: str
) -> None:
    """A reply that does not come within the socket timeout fails its batch, and the
    connection (out of step now) is dropped, so the next batch reads its own replies;
    nothing is sent twice (the client does not retry)."""
    client = connect_redis(SHARED_REDIS_URL, timeout=0.3)
    with pytest.raises(RedisTimeoutError):
        await execute_batch(
            client,
            [
                (b"INCR", f"{prefix}:once"),
                (b"BLPOP", f"{prefix}:never", 2),  # blocks past the timeout
            ],
        )
    assert await execute_batch(client, [(b"ECHO", "next")]) == [b"next"]
    assert await shared_redis.get(f"{prefix}:once") == b"1"
    await client.aclose()


async def test_a_refused_write_behind_flush_counts_as_an_outage(private_redis, prefix: str) -> None:
    """Redis answering every SET with an error (out of memory here; READONLY after a
    failover is the same) is not silence: the cache marks Redis down and says so."""
    from lucien.core.cache import Cache
    from lucien.core.plugin import CacheNamespace

    client = aioredis.Redis.from_url(private_redis.url)
    cache = Cache(client, prefix)
    cache.register(CacheNamespace("memo", 60, "test"))
    await client.config_set("maxmemory-policy", "noeviction")
    await client.config_set("maxmemory", 1)
    cache.remember("memo", "k", 1)
    await cache.flush()
    assert not cache.availability.up
    assert "OutOfMemoryError" in cache.availability.last_error
    await cache.close()
    await client.aclose()


PACKED = [
    ("SET", "k", "é", 12, 0.1, 1e20, -3, b"\x00b"),
    ("SCRIPT LOAD", "return 1"),
    (b"CONFIG GET", "maxmemory"),
    (b"EVALSHA", "a" * 40, 2, "lock", "state", "token", 30_000),
]


@pytest.mark.parametrize("args", PACKED, ids=lambda a: str(a[0]))
def test_hiredis_packing_writes_what_redis_py_writes(args: tuple) -> None:
    fast = HiredisPackingConnection().pack_command(*args)
    plain = aioredis.Connection().pack_command(*args)
    assert b"".join(fast) == b"".join(plain)


@pytest.mark.parametrize("bad", [True, None, object()])
def test_hiredis_packing_refuses_what_redis_py_refuses(bad: object) -> None:
    with pytest.raises(DataError):
        aioredis.Connection().pack_command("SET", "k", bad)
    with pytest.raises(DataError):
        HiredisPackingConnection().pack_command("SET", "k", bad)


async def test_commands_and_pipelines_are_packed_by_hiredis(
    prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The speed-up holds only while redis-py packs through `pack_command`: if a redis-py
    release stops calling it, this fails (the bytes would still be right, only slower)."""
    client = connect_redis(SHARED_REDIS_URL)
    packed: list[object] = []
    real = HiredisPackingConnection.pack_command

    def counting(self: HiredisPackingConnection, *args: object) -> list[bytes]:
        packed.append(args[0])
        return real(self, *args)

    monkeypatch.setattr(HiredisPackingConnection, "pack_command", counting)
    await client.set(f"{prefix}:p", "1", px=60_000)
    await execute_batch(client, [(b"INCR", f"{prefix}:p"), (b"GET", f"{prefix}:p")])
    # (The connection's handshake, HELLO and CLIENT SETINFO, is packed the same way.)
    assert [name for name in packed if name in ("SET", b"INCR", b"GET")] == [
        "SET",
        b"INCR",
        b"GET",
    ]
    assert await client.get(f"{prefix}:p") == b"2"
    await client.delete(f"{prefix}:p")
    await client.aclose()
