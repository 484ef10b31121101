"""Fixtures for the state/cache suite: a real Redis, a unique key prefix per test, and
private `redis-server` processes for fault tests (the shared server is never stopped)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from statekit import SHARED_REDIS_URL, PrivateRedis


@pytest.fixture
def prefix() -> str:
    """A unique key prefix so parallel runs never collide on the shared server."""
    return f"lucien-test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def shared_redis(prefix: str) -> AsyncIterator[aioredis.Redis]:
    """A client to the shared server; this test's keys are deleted afterwards."""
    client = aioredis.Redis.from_url(SHARED_REDIS_URL)
    yield client
    keys = [k async for k in client.scan_iter(match=f"{prefix}:*", count=1000)]
    if keys:
        await client.delete(*keys)
    await client.aclose()


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    """A redis-server of this test's own, which it may stop and restart."""
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()
