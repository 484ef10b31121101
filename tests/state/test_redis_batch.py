"""The batcher that carries the hot path's Redis work, against the real server."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as aioredis
from redis.exceptions import ResponseError
from statekit import SHARED_REDIS_URL

from lucien.core.redis_batch import RedisBatcher, execute_packed, pack

ECHO_LUA = "return {KEYS[1], ARGV[1], tonumber(ARGV[2]) + 1}"


def test_pack_is_the_resp_request_form() -> None:
    assert pack(["SET", "k", "é", 12, b"\x00b"]) == (
        b"*5\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\n\xc3\xa9\r\n$2\r\n12\r\n$2\r\n\x00b\r\n"
    )
    with pytest.raises(TypeError):
        pack(["SET", "k", True])  # a bool is almost always a mistake: say so
    with pytest.raises(TypeError):
        pack(["SET", "k", None])  # type: ignore[list-item]


async def test_one_write_many_replies_and_an_error_in_the_middle(
    shared_redis: aioredis.Redis, prefix: str
) -> None:
    key = f"{prefix}:a"
    replies = await execute_packed(
        shared_redis,
        [
            pack(["SET", key, "1"]),
            pack(["LPUSH", key, "x"]),  # wrong type: an error reply for this command only
            pack(["INCR", key]),
            pack(["GET", key]),
        ],
    )
    assert replies[0] in (b"OK", "OK", True)
    assert isinstance(replies[1], ResponseError)
    assert replies[2:] == [2, b"2"]
    # The connection went back to the pool in step: the next call reads its own replies.
    assert await shared_redis.get(key) == b"2"


async def test_commands_of_one_loop_turn_share_one_write(
    shared_redis: aioredis.Redis, prefix: str
) -> None:
    batcher = RedisBatcher(shared_redis)
    script = shared_redis.register_script(ECHO_LUA)
    writes = 0
    real = execute_packed

    async def counting(redis: aioredis.Redis, commands: list[bytes]) -> list:
        nonlocal writes
        writes += 1
        return await real(redis, commands)

    import lucien.core.redis_batch as module

    module.execute_packed = counting  # type: ignore[assignment]
    try:
        await shared_redis.script_flush()  # the first send meets NOSCRIPT and reloads
        results = await asyncio.gather(
            batcher.command("SET", f"{prefix}:b", "v", "PX", 60_000),
            batcher.script(script, [f"{prefix}:k"], ["hello", 41]),
            batcher.command("GET", f"{prefix}:b"),
            batcher.command("GET", f"{prefix}:missing"),
        )
    finally:
        module.execute_packed = real  # type: ignore[assignment]
    assert results[1] == [f"{prefix}:k".encode(), b"hello", 42]
    assert results[2] == b"v" and results[3] is None
    # One write for the turn, one more for the script Redis had forgotten only.
    assert writes == 2
    assert await shared_redis.pttl(f"{prefix}:b") > 0


async def test_a_command_error_reaches_its_caller_only(
    shared_redis: aioredis.Redis, prefix: str
) -> None:
    batcher = RedisBatcher(shared_redis)
    await shared_redis.set(f"{prefix}:s", "text")
    good, bad = await asyncio.gather(
        batcher.command("GET", f"{prefix}:s"),
        batcher.command("INCR", f"{prefix}:s"),
        return_exceptions=True,
    )
    assert good == b"text"
    assert isinstance(bad, ResponseError)


async def test_a_dead_server_fails_every_caller_and_leaves_no_broken_connection(
    private_redis, prefix: str
) -> None:
    client = aioredis.Redis.from_url(private_redis.url, socket_timeout=1)
    batcher = RedisBatcher(client)
    assert await batcher.command("SET", f"{prefix}:x", "1") in (b"OK", "OK")
    private_redis.stop()
    outcomes = await asyncio.gather(
        batcher.command("GET", f"{prefix}:x"),
        batcher.command("GET", f"{prefix}:y"),
        return_exceptions=True,
    )
    assert all(isinstance(o, (OSError, aioredis.ConnectionError, TimeoutError)) for o in outcomes)
    private_redis.start()
    assert await batcher.command("PING") in (b"PONG", "PONG")
    await client.aclose()


async def test_a_timeout_partway_keeps_the_replies_already_read(
    shared_redis: aioredis.Redis, prefix: str
) -> None:
    """One timeout covers a batch: what was read before it stands, the rest fail, and the
    connection (out of step now) is dropped, so the next batch reads its own replies."""
    client = aioredis.Redis.from_url(SHARED_REDIS_URL, socket_timeout=0.3)
    replies = await execute_packed(
        client,
        [
            pack(["ECHO", "first"]),
            pack(["BLPOP", f"{prefix}:never", 2]),  # blocks past the batch's timeout
            pack(["ECHO", "third"]),
        ],
    )
    assert replies[0] == b"first"
    assert all(isinstance(r, TimeoutError) for r in replies[1:])
    assert await execute_packed(client, [pack(["ECHO", "next"])]) == [b"next"]
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
