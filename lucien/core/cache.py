"""Two-level cache shared by every replica: a short in-process level in front of Redis.

Plugins declare namespaces (`CacheNamespace`: name, TTL, what it holds) through the
`lucien_cache_namespaces` hook; the core declares its own in `CORE_NAMESPACES`.

Why two levels: the hot path (role per user on every update) must not pay a Redis round
trip each time, yet an edit made on one replica must be seen by all within a second.
So each process keeps a short local copy, and every invalidation is published on a Redis
channel that all replicas subscribe to; on receipt they drop their local copy. When the
subscription drops (Redis restart, network) the local level is cleared, because
invalidations may have been missed meanwhile.

Why it never raises on Redis faults: a cache is an optimisation. With Redis gone, reads
fall through to the loader (the database) and writes are kept locally only, until Redis
answers again; the outage is logged once (see `RedisAvailability`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel

from lucien.core.cache_listener import InvalidationListener
from lucien.core.plugin import CacheNamespace
from lucien.core.redis_availability import REDIS_FAULTS, RedisAvailability
from lucien.core.redis_batch import RedisBatcher, execute_batch

if TYPE_CHECKING:
    import redis.asyncio as aioredis

log = logging.getLogger("lucien.cache")

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

CORE_NAMESPACES: list[CacheNamespace] = [
    # Invalidations reach every replica by pub/sub, so the local copy may live as long.
    CacheNamespace(
        "role",
        60,
        "role of a Telegram user, as the plugins resolve it",
        local_ttl=60,
        label={"es": "roles de los usuarios", "en": "users' roles"},
    ),
    CacheNamespace(
        "settings",
        300,
        "plugin settings edited from chat; invalidated on edit",
        label={"es": "ajustes de los módulos", "en": "plugin settings"},
    ),
    CacheNamespace(
        "channel",
        600,
        "channel info (title, invite link) read from Telegram",
        label={"es": "datos de los canales", "en": "channel details"},
    ),
    CacheNamespace(
        "blocked",
        600,
        "users an admin blocked from the bot",
        local_ttl=60,
        label={"es": "usuarios bloqueados", "en": "blocked users"},
    ),
]

_MISSING: Any = object()
_DEFAULT_LOCAL_TTL = 5.0  # bounded staleness if a published invalidation were ever missed


@dataclass
class _Stats:
    hits: int = 0
    misses: int = 0
    loads: int = 0
    local_hits: int = 0
    invalidations: int = 0
    errors: int = 0


class Cache:
    """Namespaced two-level cache (process + Redis) with single flight and invalidation.

    Values are JSON-serialisable (or pydantic models, stored as JSON and read back with
    `model=`). `None` is a cacheable value: `get_or_load` does not call the loader again
    for a key whose loader returned None until it expires or is invalidated.
    """

    CHANNEL_SUFFIX = "cache:invalidate"

    def __init__(
        self,
        redis: aioredis.Redis | None,
        prefix: str,
        *,
        clock_monotonic: Callable[[], float] = time.monotonic,
        availability: RedisAvailability | None = None,
        batcher: RedisBatcher | None = None,
    ) -> None:
        self.redis = redis
        self._batcher = batcher or (RedisBatcher(redis) if redis is not None else None)
        self.prefix = prefix
        self._now = clock_monotonic
        self.availability = availability or RedisAvailability(redis)
        self.availability.on_up(self.clear_local)
        self._namespaces: dict[str, CacheNamespace] = {}
        self._stats: dict[str, _Stats] = {}
        # (ns, key) -> (value, expires_at); value is the decoded Python value.
        self._local: dict[tuple[str, str], tuple[Any, float]] = {}
        self._inflight: dict[tuple[str, str], asyncio.Future[Any]] = {}
        # Bumped by invalidations so that a load started before one never stores its
        # (now stale) result afterwards.
        self._key_gen: dict[tuple[str, str], int] = {}
        self._ns_gen: dict[str, int] = {}
        self._instance = uuid.uuid4().hex
        self._listener: InvalidationListener | None = None
        self._closed = False
        # Write-behind buffer of `remember()`: flushed in one pipeline per tick.
        self._pending_writes: dict[tuple[str, str], Any] = {}
        self._flusher: asyncio.Task[None] | None = None

    # -- namespaces -----------------------------------------------------------------------

    @property
    def channel(self) -> str:
        return f"{self.prefix}:{self.CHANNEL_SUFFIX}"

    def register(self, ns: CacheNamespace) -> None:
        """Declare a namespace; declaring the same one twice is fine, a different TTL not."""
        if not ns.name or ":" in ns.name:
            raise ValueError(f"cache namespace name {ns.name!r} must be non-empty without ':'")
        existing = self._namespaces.get(ns.name)
        if existing is not None:
            if existing.ttl != ns.ttl or existing.local_ttl != ns.local_ttl:
                raise ValueError(
                    f"cache namespace {ns.name!r} declared twice with different TTLs "
                    f"({existing.ttl} s and {ns.ttl} s)"
                )
            return
        if ns.ttl <= 0:
            raise ValueError(f"cache namespace {ns.name!r}: ttl must be > 0")
        self._namespaces[ns.name] = ns
        self._stats[ns.name] = _Stats()

    @property
    def namespaces(self) -> dict[str, CacheNamespace]:
        return dict(self._namespaces)

    def _ns(self, name: str) -> CacheNamespace:
        try:
            return self._namespaces[name]
        except KeyError:
            known = ", ".join(sorted(self._namespaces)) or "none"
            raise KeyError(
                f"unknown cache namespace {name!r}: declare it with the "
                f"lucien_cache_namespaces hook (registered: {known})"
            ) from None

    def _local_ttl(self, ns: CacheNamespace) -> float:
        if ns.local_ttl is not None:
            return min(ns.local_ttl, ns.ttl)
        return min(_DEFAULT_LOCAL_TTL, ns.ttl)

    def _rkey(self, ns: str, key: str) -> str:
        return f"{self.prefix}:cache:{ns}:{key}"

    def stats(self) -> dict[str, dict[str, int]]:
        """Counters per namespace: hits (either level), misses, loads, and details."""
        return {name: dict(vars(s)) for name, s in self._stats.items()}

    # -- encoding -------------------------------------------------------------------------

    @staticmethod
    def _encode(value: Any) -> str:
        if isinstance(value, BaseModel):
            return value.model_dump_json()
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)

    @staticmethod
    def _decode(raw: bytes | str, model: type[BaseModel] | None) -> Any:
        value = json.loads(raw)
        if model is not None and value is not None:
            return model.model_validate(value)
        return value

    # -- reads ----------------------------------------------------------------------------

    def _local_get(self, ns: str, key: str) -> Any:
        entry = self._local.get((ns, key))
        if entry is None:
            return _MISSING
        value, expires = entry
        if expires <= self._now():
            self._local.pop((ns, key), None)
            return _MISSING
        return value

    def _local_put(self, ns: CacheNamespace, key: str, value: Any) -> None:
        self._local[(ns.name, key)] = (value, self._now() + self._local_ttl(ns))

    async def _lookup(self, ns: CacheNamespace, key: str, model: type[BaseModel] | None) -> Any:
        """Local then Redis; _MISSING when neither has it. Counts hits, not misses."""
        stats = self._stats[ns.name]
        value = self._local_get(ns.name, key)
        if value is not _MISSING:
            stats.hits += 1
            stats.local_hits += 1
            return self._typed(value, model)
        if self.redis is None or not self.availability.up:
            return _MISSING
        try:
            raw = await self._batcher.command("GET", self._rkey(ns.name, key))  # type: ignore[union-attr]
        except REDIS_FAULTS as exc:
            stats.errors += 1
            self.availability.mark_down(exc)
            return _MISSING
        if raw is None:
            return _MISSING
        try:
            value = self._decode(raw, None)
        except ValueError:
            log.warning("cache %s:%s holds undecodable data; ignoring it", ns.name, key)
            return _MISSING
        stats.hits += 1
        self._local_put(ns, key, value)
        return self._typed(value, model)

    @staticmethod
    def _typed(value: Any, model: type[BaseModel] | None) -> Any:
        if model is not None and value is not None and not isinstance(value, model):
            return model.model_validate(value)
        return value

    async def get(
        self, ns: str, key: str, default: Any = None, *, model: type[BaseModel] | None = None
    ) -> Any:
        """The cached value of `key` in `ns`, or `default` when absent (or Redis is down)."""
        namespace = self._ns(ns)
        value = await self._lookup(namespace, key, model)
        if value is _MISSING:
            self._stats[ns].misses += 1
            return default
        return value

    async def get_or_load(
        self,
        ns: str,
        key: str,
        loader: Callable[[], Awaitable[T]],
        *,
        model: type[BaseModel] | None = None,
    ) -> T:
        """The cached value, or the loader's result (then cached).

        Single flight: concurrent misses of one key in this process share one loader call.
        A loader exception reaches every waiter and nothing is cached.
        """
        namespace = self._ns(ns)
        stats = self._stats[ns]
        value = self._local_get(ns, key)
        if value is not _MISSING:
            stats.hits += 1
            stats.local_hits += 1
            return self._typed(value, model)
        slot = (ns, key)
        pending = self._inflight.get(slot)
        if pending is not None:
            # Join the flight (its Redis read and its load); shield so one waiter being
            # cancelled does not cancel the shared work.
            return self._typed(await asyncio.shield(pending), model)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._inflight[slot] = future
        gen = (self._key_gen.get(slot, 0), self._ns_gen.get(ns, 0))
        try:
            value = await self._lookup(namespace, key, None)
            if value is not _MISSING:
                future.set_result(value)
                return self._typed(value, model)
            stats.misses += 1
            stats.loads += 1
            loaded = await loader()
            plain = loaded.model_dump(mode="json") if isinstance(loaded, BaseModel) else loaded
            if gen == (self._key_gen.get(slot, 0), self._ns_gen.get(ns, 0)):
                await self._store(namespace, key, loaded, plain)
            future.set_result(plain)
            return loaded
        except BaseException as exc:
            future.set_exception(exc)
            # Mark retrieved so an unawaited failure does not log "never retrieved".
            future.exception()
            raise
        finally:
            self._inflight.pop(slot, None)

    # -- writes ---------------------------------------------------------------------------

    async def _store(self, ns: CacheNamespace, key: str, value: Any, plain: Any) -> None:
        self._local_put(ns, key, plain)
        if self.redis is None or not self.availability.up:
            return
        try:
            await self._batcher.command(  # type: ignore[union-attr]
                "SET", self._rkey(ns.name, key), self._encode(value), "PX", int(ns.ttl * 1000)
            )
        except REDIS_FAULTS as exc:
            self._stats[ns.name].errors += 1
            self.availability.mark_down(exc)

    async def set(self, ns: str, key: str, value: Any) -> None:
        """Store `value` (JSON-serialisable or a pydantic model) under `key` for the TTL.

        Other replicas may hold an older copy locally, so they are told to drop it.
        """
        namespace = self._ns(ns)
        plain = value.model_dump(mode="json") if isinstance(value, BaseModel) else value
        self._bump(ns, key)
        await self._store(namespace, key, value, plain)
        await self._publish(f"k\x00{ns}\x00{key}")

    def remember(self, ns: str, key: str, value: Any) -> None:
        """Store a JSON value now in this process and soon in Redis, without broadcasting.

        For values where a replica reading a copy a fraction of a second old is harmless
        (the voice's last variant per user): many writes share one pipelined round trip
        instead of costing one each on the update's path.
        """
        namespace = self._ns(ns)
        self._local_put(namespace, key, value)
        if self.redis is None:
            return
        self._pending_writes[(ns, key)] = value
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.get_running_loop().create_task(self._flush_soon())

    async def _flush_soon(self, delay: float = 0.05) -> None:
        await asyncio.sleep(delay)
        await self.flush()

    async def flush(self) -> None:
        """Write what `remember()` buffered (called by the flusher and at close)."""
        if not self._pending_writes:
            return
        batch, self._pending_writes = self._pending_writes, {}
        if self.redis is None or not self.availability.up:
            return
        commands = [
            (
                b"SET",
                self._rkey(ns, key),
                self._encode(value),
                "PX",
                int(self._namespaces[ns].ttl * 1000),
            )
            for (ns, key), value in batch.items()
        ]
        try:
            for reply in await execute_batch(self.redis, commands):
                if isinstance(reply, Exception):
                    raise reply  # READONLY after a failover, OOM...: as an outage
        except REDIS_FAULTS as exc:
            self.availability.mark_down(exc)

    async def invalidate(self, ns: str, key: str) -> None:
        """Forget `key` here, in Redis and (via the invalidation channel) on every replica."""
        self._ns(ns)
        self._stats[ns].invalidations += 1
        self._bump(ns, key)
        self._local.pop((ns, key), None)
        if self.redis is not None and self.availability.up:
            try:
                async with self.redis.pipeline(transaction=False) as pipe:
                    pipe.unlink(self._rkey(ns, key))
                    pipe.publish(self.channel, f"{self._instance}\x00k\x00{ns}\x00{key}")
                    await pipe.execute()
            except REDIS_FAULTS as exc:
                self._stats[ns].errors += 1
                self.availability.mark_down(exc)

    async def invalidate_namespace(self, ns: str) -> None:
        """Forget every key of `ns` everywhere (rare: e.g. settings reloaded wholesale)."""
        self._ns(ns)
        self._stats[ns].invalidations += 1
        self._ns_gen[ns] = self._ns_gen.get(ns, 0) + 1
        self._drop_local_namespace(ns)
        if self.redis is None or not self.availability.up:
            return
        try:
            batch: list[bytes] = []
            async for rkey in self.redis.scan_iter(match=self._rkey(ns, "*"), count=500):
                batch.append(rkey)
                if len(batch) >= 500:
                    await self.redis.unlink(*batch)
                    batch.clear()
            if batch:
                await self.redis.unlink(*batch)
            await self.redis.publish(self.channel, f"{self._instance}\x00n\x00{ns}")
        except REDIS_FAULTS as exc:
            self._stats[ns].errors += 1
            self.availability.mark_down(exc)

    def _bump(self, ns: str, key: str) -> None:
        slot = (ns, key)
        self._key_gen[slot] = self._key_gen.get(slot, 0) + 1

    def _drop_local_namespace(self, ns: str) -> None:
        for slot in [s for s in self._local if s[0] == ns]:
            del self._local[slot]

    def clear_local(self) -> None:
        """Drop the whole in-process level (after missing invalidations, e.g. an outage)."""
        self._local.clear()

    async def _publish(self, body: str) -> None:
        if self.redis is None or not self.availability.up:
            return
        try:
            await self.redis.publish(self.channel, f"{self._instance}\x00{body}")
        except REDIS_FAULTS as exc:
            self.availability.mark_down(exc)

    # -- invalidation listener ------------------------------------------------------------

    async def start(self) -> None:
        """Subscribe to the invalidation channel in a background task that reconnects.

        Returns once subscribed (or after a short wait when Redis is down at start, in
        which case the task keeps trying).
        """
        if self.redis is None or self._listener is not None:
            return
        self._listener = InvalidationListener(
            self.redis, self.channel, self.availability, self._on_message, self.clear_local
        )
        await self._listener.start()

    @property
    def subscribed(self) -> bool:
        """Whether invalidations from the other replicas are being received right now."""
        return self._listener is not None and self._listener.subscribed.is_set()

    def _on_message(self, data: bytes | str) -> None:
        text = data.decode() if isinstance(data, bytes) else data
        parts = text.split("\x00")
        if len(parts) < 3 or parts[0] == self._instance:
            return  # our own message: already applied locally
        kind, ns = parts[1], parts[2]
        if kind == "k" and len(parts) >= 4:
            key = "\x00".join(parts[3:])
            self._local.pop((ns, key), None)
            self._bump(ns, key)
        elif kind == "n":
            self._ns_gen[ns] = self._ns_gen.get(ns, 0) + 1
            self._drop_local_namespace(ns)

    async def close(self) -> None:
        """Stop the listener (the Redis client belongs to the caller)."""
        self._closed = True
        if self._flusher is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._flusher
        with contextlib.suppress(Exception):
            await self.flush()
        if self._listener is not None:
            await self._listener.close()
            self._listener = None
