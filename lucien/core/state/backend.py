"""The state backend: FSM storage, per-user lock and update dedup, on Redis or in-process.

The flow of one update through it is in the package's docstring (`lucien.core.state`).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import os
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal

from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.dispatcher.middlewares.user_context import UserContextMiddleware
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import DefaultKeyBuilder, StorageKey
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.fsm.strategy import FSMStrategy, apply_strategy
from aiogram.methods import SendMessage
from aiogram.types import Update

from lucien.core.cache import CORE_NAMESPACES, REDIS_FAULTS, Cache, RedisAvailability
from lucien.core.plugin import HealthResult
from lucien.core.redis_batch import Arg, Key, RedisBatcher
from lucien.core.state.adapters import LucienIsolation, LucienStorage, UnavailableNotice
from lucien.core.state.connection import connect_redis, redis_health
from lucien.core.state.db_claims import DatabaseClaims
from lucien.core.state.leases import LEASE, Leases
from lucien.core.state.local import DEDUP_TTL, LocalLocks, MemoryDedup
from lucien.core.state.recovery import flush_memory
from lucien.core.state.scripts import (
    ACQUIRE_LUA,
    CLAIM_LUA,
    FLOOD_LUA,
    RELEASE_LUA,
    RENEW_LUA,
)
from lucien.core.state.tickets import Begin, Held, Settle, held_for
from lucien.core.state.updates import UpdateClaims

if TYPE_CHECKING:
    import redis.asyncio as aioredis
    from aiogram import Dispatcher

    from lucien.core.db import Database
    from lucien.core.settings import Settings

log = logging.getLogger("lucien.state")

MEMORY_WARNING = "REDIS_URL not set: running on in-memory state (one process only)"

DEFAULT_UNAVAILABLE_TEXT = (
    "My apologies: I have momentarily mislaid the thread of our conversation. "
    "Might I trouble you to begin again in a moment?"
)


class StateBackend(UpdateClaims):
    """FSM storage, event isolation, update dedup and cache for one bot.

    `mode` is "redis" when REDIS_URL is configured (even while Redis is briefly down:
    see `connected`), "memory" otherwise.
    """

    def __init__(
        self,
        redis: aioredis.Redis | None,
        *,
        prefix: str,
        bot_id: int,
        production: bool = False,
        lease: float = LEASE,
        lock_ttl: float | None = None,
        claim_ttl: float | None = None,
        strategy: FSMStrategy = FSMStrategy.USER_IN_CHAT,
        unavailable_text: str = DEFAULT_UNAVAILABLE_TEXT,
        probe_interval: float = 0.5,
        clock_monotonic: Callable[[], float] = time.monotonic,
        database: Database | None = None,
    ) -> None:
        self.redis = redis
        self.mode: Literal["redis", "memory"] = "redis" if redis is not None else "memory"
        self.prefix = prefix
        self.bot_id = bot_id
        self.production = production
        # A user's lock and an update's claim are leases this replica renews while it
        # works (`_renew_loop`): a replica killed mid-update blocks the user and the
        # redelivery for one lease at most, never for the handler's whole timeout.
        self.lock_ttl = lock_ttl if lock_ttl is not None else lease
        self.claim_ttl = claim_ttl if claim_ttl is not None else lease
        self._renewer: asyncio.Task[None] | None = None  # runs `self.leases`
        self.strategy = strategy
        self.unavailable_text = unavailable_text
        self.availability = RedisAvailability(redis, probe_interval=probe_interval)
        # One batcher for the update's procedures and the cache: a loop turn's Redis
        # work is one script call, whoever asked for it.
        self.batcher = (
            RedisBatcher(
                redis,
                {
                    "acquire": ACQUIRE_LUA,
                    "claim": CLAIM_LUA,
                    "release": RELEASE_LUA,
                    "renew": RENEW_LUA,
                    "flood": FLOOD_LUA,
                },
            )
            if redis is not None
            else None
        )
        self.cache = Cache(
            redis,
            prefix,
            clock_monotonic=clock_monotonic,
            availability=self.availability,
            batcher=self.batcher,
        )
        for ns in CORE_NAMESPACES:
            self.cache.register(ns)
        # Keys: <prefix>:fsm:<bot id>:[business:]<chat>:[thread:]<user>:<destiny>:<part>
        self.key_builder = DefaultKeyBuilder(
            prefix=f"{prefix}:fsm",
            with_bot_id=True,
            with_business_connection_id=True,
            with_destiny=True,
        )
        self.memory = MemoryStorage()
        self.storage = LucienStorage(self)
        self.events_isolation = LucienIsolation(self)
        self.middleware = UnavailableNotice(self)
        self._local_locks = LocalLocks()
        # Lock tokens only need to be unique across replicas: a random per-process prefix
        # and a counter are, at a fraction of the cost of a uuid4 per update.
        self._token_prefix = os.urandom(8).hex() + ":"
        self._token_counter = itertools.count()
        self._dedup_memory = MemoryDedup(clock_monotonic)
        # While Redis is down, replicas claim updates in the database they share.
        claims = DatabaseClaims(database, bot_id) if database and redis is not None else None
        self.leases = Leases(
            batcher=self.batcher,
            availability=self.availability,
            claims=claims,
            memory=self._dedup_memory,
            lock_ttl=self.lock_ttl,
            claim_ttl=self.claim_ttl,
        )
        self._flush: asyncio.Task[None] | None = None
        self.availability.on_up(self._flush_memory_soon)

    # -- wiring ---------------------------------------------------------------------------

    def setup(self, dispatcher: Dispatcher) -> None:
        """Register the polite-message guard; call once after creating the Dispatcher.

        It is an outer update middleware registered after aiogram's FSM middleware, so it
        runs inside the user's lock and sees the state that was (or was not) read.
        """
        dispatcher.update.outer_middleware(self.middleware)

    def unhandled_reply(self, data: dict[str, Any]) -> Any:
        """What to answer for an update nobody handled: the polite message when the
        user's state could not be read (Redis down), else UNHANDLED.

        `data` is the middleware data of the update (its `state` FSMContext); the core's
        ContextMiddleware calls this itself, saving the separate middleware layer.
        """
        context = data.get("state")
        if not isinstance(context, FSMContext):
            return UNHANDLED
        held = held_for(context.key)
        if held is None or not held.degraded:
            return UNHANDLED
        return SendMessage(chat_id=context.key.chat_id, text=self.unavailable_text)

    @property
    def connected(self) -> bool:
        """Redis configured and answering right now."""
        return self.redis is not None and self.availability.up

    def _dedup_key(self, update_id: int) -> str:
        return f"{self.prefix}:upd:{self.bot_id}:{update_id}"

    def key_for_update(self, update: Update | Mapping[str, Any]) -> StorageKey | None:
        """The FSM key aiogram's FSMContextMiddleware will lock for this update."""
        if not isinstance(update, Update):
            update = Update.model_validate(update)
        ctx = UserContextMiddleware.resolve_event_context(update)
        chat_id, user_id = ctx.chat_id, ctx.user_id
        if chat_id is None:
            chat_id = user_id
        elif user_id is None and self.strategy in {FSMStrategy.CHAT, FSMStrategy.CHAT_TOPIC}:
            user_id = chat_id
        if chat_id is None or user_id is None:
            return None
        chat_id, user_id, thread_id = apply_strategy(
            strategy=self.strategy, chat_id=chat_id, user_id=user_id, thread_id=ctx.thread_id
        )
        return StorageKey(
            bot_id=self.bot_id,
            chat_id=chat_id,
            user_id=user_id,
            thread_id=thread_id,
            business_connection_id=ctx.business_connection_id,
        )

    # -- lock -----------------------------------------------------------------------------

    async def acquire_lock(
        self, key: StorageKey, dedup_key: str | None = None, update_id: int | None = None
    ) -> Held | Begin:
        """Take the user's lock and read state/data, claiming `dedup_key` with it when
        given: Begin.DONE / Begin.BUSY instead when that update is handled already or in
        progress elsewhere (the lock is then not taken)."""
        lock_key = self.key_builder.build(key, "lock")
        local = await self._local_locks.acquire(lock_key)
        held = Held(
            key=key,
            lock_key=lock_key,
            state_key=self.key_builder.build(key, "state"),
            data_key=self.key_builder.build(key, "data"),
            token=self._new_token(),
            local=local,
            in_redis=False,
            degraded=self.redis is not None,
        )
        try:
            if self.connected:
                try:
                    outcome = await self._acquire_redis(held, dedup_key)
                except REDIS_FAULTS as exc:
                    self.availability.mark_down(exc)
                else:
                    if not isinstance(outcome, Held):
                        self._local_locks.release(lock_key, local)
                    return outcome
            # In-process only: memory mode, or Redis down for the duration.
            if dedup_key is not None:
                begun, held.tries, held.claim_in_database = await self.leases.claim_without_redis(
                    dedup_key, update_id, held.token
                )
                if not begun:
                    self._local_locks.release(lock_key, local)
                    return begun
            held.state = await self.memory.get_state(key)
            held.data = await self.memory.get_data(key)
            return held
        except BaseException:
            self._local_locks.release(lock_key, local)
            raise

    def _new_token(self) -> str:
        return f"{self._token_prefix}{next(self._token_counter)}"

    async def _acquire_redis(self, held: Held, dedup_key: str | None) -> Held | Begin:
        assert self.batcher is not None
        keys: list[Key] = [held.lock_key, held.state_key, held.data_key]
        if dedup_key is not None:
            keys.append(dedup_key)
        args: list[Arg] = [held.token, int(self.lock_ttl * 1000), int(self.claim_ttl * 1000)]
        delay = 0.002
        while True:
            reply = await self.batcher.call("acquire", keys, args)
            if reply[0] == -1:
                return Begin.DONE
            if reply[0] == -2:
                return Begin.BUSY
            if reply[0] == 1:
                held.in_redis, held.degraded = True, False
                raw_state, raw_data = reply[1], reply[2]
                held.state = raw_state.decode() if isinstance(raw_state, bytes) else raw_state
                held.data = json.loads(raw_data) if raw_data else {}
                held.tries = int(reply[3]) if len(reply) > 3 else 0
                self.leases.hold(held.token, [held.lock_key, *([dedup_key] if dedup_key else [])])
                return held
            # Held by another replica: poll with a short backoff, never past its expiry.
            pttl = reply[1] if isinstance(reply[1], int) and reply[1] > 0 else 50
            await asyncio.sleep(min(delay, pttl / 1000))
            delay = min(delay * 2, 0.05)
            if not self.connected:
                raise ConnectionError("Redis went away while waiting for a user lock")

    async def release_lock(
        self,
        held: Held,
        dedup_key: str | None,
        dedup_op: Settle | None,
        claim_token: str | None = None,
    ) -> None:
        """Write buffered state/data, release the lock, settle the dedup claim: one trip.

        `claim_token` is the claim's token when it was taken apart from the lock."""
        self.leases.drop(held.token)
        try:
            if held.in_redis and self.connected:
                try:
                    await self._release_redis(held, dedup_key, dedup_op, claim_token)
                    return
                except REDIS_FAULTS as exc:
                    self.availability.mark_down(exc)
            if held.state_dirty or held.data_dirty:
                await self._write_without_lock_script(held)
            if dedup_key is not None:
                self._settle_memory(dedup_key, dedup_op, held.tries + 1)
        finally:
            self._local_locks.release(held.lock_key, held.local)

    async def _write_without_lock_script(self, held: Held) -> None:
        """Buffered writes of an update that did not hold the Redis lock at the end: to
        Redis when it answers again (it came back while the update ran, and every replica
        reads there now), else in-process (memory mode, or Redis still away)."""
        if held.degraded and self.redis is not None and self.connected:
            try:
                if held.state_dirty:
                    if held.state is None:
                        await self.redis.delete(held.state_key)
                    else:
                        await self.redis.set(held.state_key, held.state)
                if held.data_dirty:
                    if held.data:
                        await self.redis.set(held.data_key, json.dumps(held.data))
                    else:
                        await self.redis.delete(held.data_key)
                return
            except REDIS_FAULTS as exc:
                self.availability.mark_down(exc)
        if held.state_dirty:
            await self.memory.set_state(held.key, held.state)
        if held.data_dirty:
            await self.memory.set_data(held.key, held.data)

    async def _release_redis(
        self,
        held: Held,
        dedup_key: str | None,
        dedup_op: Settle | None,
        claim_token: str | None,
    ) -> None:
        assert self.batcher is not None
        keys: list[Key] = [held.lock_key, held.state_key, held.data_key]
        if dedup_key is not None:
            keys.append(dedup_key)
        state_op, state_val = "", ""
        if held.state_dirty:
            state_op, state_val = ("set", held.state) if held.state is not None else ("del", "")
        data_op, data_val = "", ""
        if held.data_dirty:
            data_op, data_val = ("set", json.dumps(held.data)) if held.data else ("del", "")
        args: list[Arg] = [
            held.token,
            state_op,
            state_val,
            data_op,
            data_val,
            dedup_op or "",
            int(DEDUP_TTL * 1000),
            held.tries + 1,
            claim_token or held.token,
        ]
        mine = await self.batcher.call("release", keys, args)
        if not mine:
            log.warning(
                "user lock %s lapsed before the update finished (not renewed for %.0f s)",
                held.lock_key,
                self.lock_ttl,
            )

    def _settle_memory(self, dedup_key: str, op: Settle | None, tries: int) -> None:
        if op == "done":
            self._dedup_memory.done(dedup_key)
        elif op == "abort":
            self._dedup_memory.abort(dedup_key)
        elif op == "retry":
            self._dedup_memory.retry(dedup_key, tries)

    def _flush_memory_soon(self) -> None:
        """On Redis's return: move the conversations kept in memory back to it."""
        if self.memory.storage:
            self._flush = asyncio.get_running_loop().create_task(flush_memory(self))

    # -- health and lifecycle -------------------------------------------------------------

    async def health(self) -> HealthResult:
        """pass when Redis answers; warn on in-memory state in production or Redis down."""
        return await redis_health(self.redis, self.availability, production=self.production)

    async def start(self) -> None:
        """Check the connection (a failure starts the fallback) and start the cache."""
        if self.redis is None:
            return
        self._renewer = asyncio.create_task(self.leases.run(), name="lucien-lease-renewal")
        try:
            await self.redis.ping()
        except REDIS_FAULTS as exc:
            self.availability.mark_down(exc)
        await self.cache.start()

    async def close(self) -> None:
        """Stop background tasks and close the Redis connection pool."""
        if self._flush is not None:
            with contextlib.suppress(Exception):
                await self._flush
        if self._renewer is not None:
            self._renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._renewer
        await self.cache.close()
        await self.availability.close()
        if self.redis is not None:
            with contextlib.suppress(Exception):
                await self.redis.aclose(close_connection_pool=True)


async def build_state(settings: Settings, bot_id: int, **options: Any) -> StateBackend:
    """The state backend for `settings`: Redis when REDIS_URL is set, else in-memory.

    Never fails on an unreachable Redis: it starts in fallback and reconnects later.
    `options` go to `StateBackend` (lock_ttl, claim_ttl, strategy, unavailable_text...).
    """
    if not settings.redis_url:
        log.warning(MEMORY_WARNING)
        return StateBackend(
            None,
            prefix=settings.redis_key_prefix,
            bot_id=bot_id,
            production=settings.is_production,
            **options,
        )
    backend = StateBackend(
        connect_redis(settings.redis_url),
        prefix=settings.redis_key_prefix,
        bot_id=bot_id,
        production=settings.is_production,
        **options,
    )
    await backend.start()
    return backend
