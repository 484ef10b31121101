"""The batcher that carries the hot path's Redis work, against the real server."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as aioredis
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError
from statekit import SHARED_REDIS_URL

from lucien.core.redis_batch import RedisBatcher, execute_batch
from lucien.core.state import connect_redis

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


async def test_commands_of_one_loop_turn_share_one_pipeline(
    shared_redis: aioredis.Redis, prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import lucien.core.redis_batch as module

    batcher = RedisBatcher(shared_redis)
    script = shared_redis.register_script(ECHO_LUA)
    sent: list[int] = []

    async def counting(redis: aioredis.Redis, commands: list[tuple]) -> list:
        sent.append(len(commands))
        return await execute_batch(redis, commands)

    monkeypatch.setattr(module, "execute_batch", counting)
    await shared_redis.script_flush()  # the first send meets NOSCRIPT and reloads
    results = await asyncio.gather(
        batcher.command("SET", f"{prefix}:b", "v", "PX", 60_000),
        batcher.script(script, [f"{prefix}:k"], ["hello", 41]),
        batcher.command("GET", f"{prefix}:b"),
        batcher.command("GET", f"{prefix}:missing"),
    )
    assert results[1] == [f"{prefix}:k".encode(), b"hello", 42]
    assert results[2] == b"v" and results[3] is None
    # One pipeline for the turn, one more with the forgotten script's command only.
    assert sent == [4, 1]
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
    assert await batcher.command("SET", f"{prefix}:x", "1") == b"OK"
    private_redis.stop()
    outcomes = await asyncio.gather(
        batcher.command("GET", f"{prefix}:x"),
        batcher.command("GET", f"{prefix}:y"),
        return_exceptions=True,
    )
    assert all(isinstance(o, (OSError, aioredis.ConnectionError, TimeoutError)) for o in outcomes)
    private_redis.start()
    assert await batcher.command("PING") == b"PONG"
    await client.aclose()


async def test_a_stalled_reply_fails_the_batch_and_the_next_one_reads_its_own(
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
