"""Cache: namespaces, typed values, single flight, invalidation across instances."""

from __future__ import annotations

import asyncio
import time

import pytest
import redis.asyncio as aioredis
from pydantic import BaseModel
from statekit import SHARED_REDIS_URL

from lucien.core.cache import CORE_NAMESPACES, Cache
from lucien.core.plugin import CacheNamespace


class Channel(BaseModel):
    id: int
    title: str


@pytest.fixture
async def cache_pair(prefix: str, shared_redis: aioredis.Redis):
    """Two Cache instances (two 'replicas') on the shared server, started."""
    clients = [aioredis.Redis.from_url(SHARED_REDIS_URL) for _ in range(2)]
    caches = [Cache(c, prefix) for c in clients]
    for cache in caches:
        for ns in [*CORE_NAMESPACES, CacheNamespace("plug", 30, "test", local_ttl=30)]:
            cache.register(ns)
        await cache.start()
    yield caches
    for cache, client in zip(caches, clients, strict=True):
        await cache.close()
        await client.aclose()


def test_core_namespaces() -> None:
    assert {(n.name, n.ttl) for n in CORE_NAMESPACES} == {
        ("role", 60),
        ("settings", 300),
        ("channel", 600),
        ("blocked", 600),
    }


def test_register_rules() -> None:
    cache = Cache(None, "p")
    cache.register(CacheNamespace("a", 10))
    cache.register(CacheNamespace("a", 10, "same again is fine"))
    with pytest.raises(ValueError, match="different TTLs"):
        cache.register(CacheNamespace("a", 20))


async def test_unknown_namespace_is_a_clear_key_error() -> None:
    cache = Cache(None, "p")
    with pytest.raises(KeyError, match="unknown cache namespace 'nope'"):
        await cache.get("nope", "k")


async def test_get_set_typed_and_none(cache_pair) -> None:
    one, two = cache_pair
    assert await one.get("channel", "1", default="dflt") == "dflt"
    await one.set("channel", "1", Channel(id=1, title="VIP"))
    got = await two.get("channel", "1", model=Channel)
    assert got == Channel(id=1, title="VIP")
    # None is cached: the loader is not called a second time.
    calls = 0

    async def loader() -> None:
        nonlocal calls
        calls += 1
        return None

    assert await one.get_or_load("role", "7", loader) is None
    assert await one.get_or_load("role", "7", loader) is None
    assert await two.get_or_load("role", "7", loader) is None
    assert calls == 1
    stats = one.stats()["role"]
    assert stats["loads"] == 1 and stats["misses"] == 1 and stats["hits"] == 1


async def test_single_flight_100_concurrent_misses_one_load(cache_pair) -> None:
    cache = cache_pair[0]
    loads = 0

    async def loader() -> dict[str, int]:
        nonlocal loads
        loads += 1
        await asyncio.sleep(0.05)
        return {"v": 42}

    results = await asyncio.gather(*(cache.get_or_load("plug", "hot", loader) for _ in range(100)))
    assert loads == 1
    assert all(r == {"v": 42} for r in results)
    assert cache.stats()["plug"]["loads"] == 1


async def test_loader_error_reaches_all_and_is_not_cached(cache_pair) -> None:
    cache = cache_pair[0]

    async def boom() -> int:
        await asyncio.sleep(0.01)
        raise RuntimeError("db down")

    results = await asyncio.gather(
        *(cache.get_or_load("plug", "x", boom) for _ in range(5)), return_exceptions=True
    )
    assert all(isinstance(r, RuntimeError) for r in results)

    async def ok() -> int:
        return 1

    assert await cache.get_or_load("plug", "x", ok) == 1


async def test_invalidation_seen_by_other_instance_within_a_second(cache_pair) -> None:
    one, two = cache_pair
    db = {"plan": "old"}

    async def load() -> str:
        return db["plan"]

    # Both instances hold the value in their local level (local_ttl 30 s for "plug").
    assert await one.get_or_load("plug", "plan", load) == "old"
    assert await two.get_or_load("plug", "plan", load) == "old"
    assert await two.get_or_load("plug", "plan", load) == "old"
    assert two.stats()["plug"]["local_hits"] >= 1

    db["plan"] = "new"  # an admin edit through instance one
    await one.invalidate("plug", "plan")
    started = time.monotonic()
    while await two.get_or_load("plug", "plan", load) != "new":
        assert time.monotonic() - started < 1.0, "invalidation not seen within a second"
        await asyncio.sleep(0.01)

    # A set on one replaces the other's local copy too.
    await one.set("plug", "plan", "newest")
    started = time.monotonic()
    while await two.get("plug", "plan") != "newest":
        assert time.monotonic() - started < 1.0
        await asyncio.sleep(0.01)


async def test_invalidate_namespace(cache_pair) -> None:
    one, two = cache_pair
    for i in range(5):
        await one.set("settings", f"plugin{i}", {"i": i})
        assert await two.get("settings", f"plugin{i}") == {"i": i}
    await one.invalidate_namespace("settings")
    started = time.monotonic()
    while any([await two.get("settings", f"plugin{i}") is not None for i in range(5)]):
        assert time.monotonic() - started < 1.0
        await asyncio.sleep(0.01)


async def test_invalidation_during_load_does_not_store_stale(cache_pair) -> None:
    cache = cache_pair[0]
    gate = asyncio.Event()
    loading = asyncio.Event()

    async def slow() -> str:
        loading.set()
        await gate.wait()
        return "stale"

    task = asyncio.create_task(cache.get_or_load("plug", "k", slow))
    await loading.wait()  # the loader is running: the invalidation lands mid-load
    await cache.invalidate("plug", "k")
    gate.set()
    assert await task == "stale"  # the caller still gets its answer...
    assert await cache.get("plug", "k") is None  # ...but it is not cached


async def test_no_redis_is_process_local() -> None:
    cache = Cache(None, "p")
    cache.register(CacheNamespace("n", 10))
    await cache.start()
    await cache.set("n", "k", [1, 2])
    assert await cache.get("n", "k") == [1, 2]
    await cache.invalidate("n", "k")
    assert await cache.get("n", "k") is None
    await cache.close()
