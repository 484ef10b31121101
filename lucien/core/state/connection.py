"""The Redis connection of the state backend: how it is opened and how its health reads."""

from __future__ import annotations

import time
from typing import Any, Literal

import hiredis
import redis.asyncio as aioredis
from redis.exceptions import DataError

from lucien.core.cache import REDIS_FAULTS, RedisAvailability
from lucien.core.plugin import HealthResult


class HiredisPackingConnection(aioredis.Connection):
    """A redis-py connection that packs commands with hiredis's C encoder.

    redis-py's synchronous client packs with hiredis when it is installed; its asyncio
    client packs in Python, argument by argument, which was the largest part of the
    hot path's Redis cost per update. `pack_command` is the public method every command
    and pipeline goes through, and the pool's `connection_class` the public way to
    choose the connection; the bytes written are the same (a test compares them).
    Used for the default UTF-8 encoding only (`connect_redis` never changes it).
    """

    def pack_command(self, *args: Any) -> list[bytes]:
        name = args[0]
        # A command name of several words ("SCRIPT LOAD") is several arguments.
        if isinstance(name, str):
            args = (*name.encode().split(), *args[1:])
        elif b" " in name:
            args = (*name.split(), *args[1:])
        try:
            return [hiredis.pack_command(args)]
        except TypeError as exc:  # what redis-py's own encoder raises for a bad argument
            raise DataError(str(exc)) from exc


def connect_redis(url: str, *, timeout: float = 1.0, max_connections: int = 200) -> aioredis.Redis:
    """A client that fails fast: with Redis gone, an update must fall back within about
    `timeout`, not hang in redis-py's default retries.

    No retries at all: the batched scripts (`lucien.core.redis_batch`) must never run
    twice because a reply was lost.
    """
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff

    # A blocking pool: a burst of more concurrent updates than connections waits for a
    # free connection instead of failing with MaxConnectionsError.
    pool = aioredis.BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=timeout,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 0),
        health_check_interval=30,
        # For redis:// only: a rediss:// or unix:// URL sets its own connection class.
        connection_class=HiredisPackingConnection,
    )
    return aioredis.Redis(connection_pool=pool)


async def redis_health(
    redis: aioredis.Redis | None, availability: RedisAvailability, *, production: bool
) -> HealthResult:
    """pass when Redis answers; warn on in-memory state in production or Redis down."""
    if redis is None:
        status: Literal["pass", "warn"] = "warn" if production else "pass"
        return HealthResult(
            "redis",
            status,
            "REDIS_URL not set: in-memory state, one process only",
            {"mode": "memory"},
        )
    if not availability.up:
        down_for = time.monotonic() - (availability.down_since or time.monotonic())
        return HealthResult(
            "redis",
            "warn",
            f"Redis unreachable for {down_for:.0f} s ({availability.last_error}); "
            "running on in-process state, reconnecting",
            {"mode": "redis", "connected": False, "outages": availability.outages},
        )
    started = time.perf_counter()
    try:
        await redis.ping()
    except REDIS_FAULTS as exc:
        availability.mark_down(exc)
        return HealthResult(
            "redis",
            "warn",
            f"Redis unreachable ({availability.last_error})",
            {"mode": "redis", "connected": False, "outages": availability.outages},
        )
    latency = (time.perf_counter() - started) * 1000
    return HealthResult(
        "redis",
        "pass",
        f"connected, {latency:.2f} ms",
        {
            "mode": "redis",
            "connected": True,
            "latency_ms": round(latency, 3),
            "outages": availability.outages,
        },
    )
