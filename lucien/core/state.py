"""Shared conversation state, per-user ordering and update dedup across replicas.

Railway spreads webhook requests over replicas at random, so everything that makes
several processes behave as one bot lives in Redis: the aiogram FSM state and data, the
per-user lock that handles one user's updates one at a time, the update_id dedup and
the cache. Without REDIS_URL the same objects run on in-process equivalents (one
process only), and the start-up log says so.

The webhook drives one update like this::

    if not await backend.begin_update(update_id, update=body):   # claim (+ lock + read)
        return 200                                                 # duplicate: ack
    try:
        reply = await dp.feed_update(bot, body)                    # handlers
    except Exception:
        await backend.abort_update(update_id)                      # redelivery handled
        raise
    await backend.finish_update(update_id)                         # unlock + writes + done

Round trips: aiogram's RedisStorage + RedisEventIsolation spend several per update (lock
acquire script, state GET, data GET, lock release script, each SET). Here one Lua
script claims the update_id, takes the user's lock and returns state and data
together; the handler's state/data writes are buffered while the lock is held, and a
second script writes them, releases the lock and marks the update done. That is two
round trips per update whatever the handler does with its FSM context. Without
`update=` passed to `begin_update` it is three (claim, lock+read, unlock+done).

Redis faults never reach a user: the backend falls back to in-process state for the
duration (logged once), /health says warn, a probe reconnects in the background, and a
user whose message nobody could handle because their conversation state was
unreachable gets a polite message instead of silence (`StateBackend.setup(dp)`).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import os
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from aiogram import BaseMiddleware
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.dispatcher.middlewares.user_context import UserContextMiddleware
from aiogram.exceptions import DataNotDictLikeError
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import (
    BaseEventIsolation,
    BaseStorage,
    DefaultKeyBuilder,
    StateType,
    StorageKey,
)
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.fsm.strategy import FSMStrategy, apply_strategy
from aiogram.methods import SendMessage
from aiogram.types import TelegramObject, Update

from lucien.core.cache import CORE_NAMESPACES, REDIS_FAULTS, Cache, RedisAvailability
from lucien.core.plugin import HealthResult
from lucien.core.redis_batch import RedisBatcher

if TYPE_CHECKING:
    import redis.asyncio as aioredis
    from aiogram import Dispatcher

    from lucien.core.settings import Settings

log = logging.getLogger("lucien.state")

MEMORY_WARNING = "REDIS_URL not set: running on in-memory state (one process only)"
DEFAULT_UNAVAILABLE_TEXT = (
    "My apologies: I have momentarily mislaid the thread of our conversation. "
    "Might I trouble you to begin again in a moment?"
)
DEDUP_TTL = 24 * 3600.0  # Telegram gives up redelivering long before a day has passed

# One script: refuse a duplicate update, else take the user's lock and return state and
# data together (KEYS: lock, state, data[, dedup]; ARGV: token, lock ms, claim ms).
_ACQUIRE_LUA = """
if #KEYS > 3 then
  local seen = redis.call('GET', KEYS[4])
  if seen then return {-1, seen} end
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  if #KEYS > 3 then redis.call('SET', KEYS[4], 'p', 'PX', ARGV[3]) end
  return {1, redis.call('GET', KEYS[2]), redis.call('GET', KEYS[3])}
end
return {0, redis.call('PTTL', KEYS[1])}
"""

# One script: write buffered state/data, release the lock if still ours, and mark the
# update done (or release its claim so a redelivery is handled).
# KEYS: lock, state, data[, dedup]; ARGV: token, state op, state, data op, data,
# dedup op ('done' | 'abort' | ''), dedup ms.
_RELEASE_LUA = """
local mine = redis.call('GET', KEYS[1]) == ARGV[1]
if mine then redis.call('DEL', KEYS[1]) end
if ARGV[2] == 'set' then redis.call('SET', KEYS[2], ARGV[3])
elseif ARGV[2] == 'del' then redis.call('DEL', KEYS[2]) end
if ARGV[4] == 'set' then redis.call('SET', KEYS[3], ARGV[5])
elseif ARGV[4] == 'del' then redis.call('DEL', KEYS[3]) end
if #KEYS > 3 then
  if ARGV[6] == 'done' then redis.call('SET', KEYS[4], 'd', 'PX', ARGV[7])
  elseif ARGV[6] == 'abort' and redis.call('GET', KEYS[4]) == 'p' then
    redis.call('DEL', KEYS[4])
  end
end
if mine then return 1 end
return 0
"""


# -- per-update bookkeeping --------------------------------------------------------------


@dataclass
class _Held:
    """A user's lock held by this process, with the state/data read under it."""

    key: StorageKey
    lock_key: str
    state_key: str
    data_key: str
    token: str
    local: asyncio.Lock
    in_redis: bool  # the Redis lock was taken (else in-process only)
    degraded: bool  # in-process only because Redis was down, not by configuration
    state: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    state_dirty: bool = False
    data_dirty: bool = False
    in_use: bool = False


@dataclass
class _Ticket:
    """One update between begin_update and finish/abort_update (lives in a contextvar)."""

    update_id: int
    dedup_key: str
    claimed_in_redis: bool
    held: _Held | None = None


# The ticket is set by begin_update in the webhook's task; the handlers run in that task
# (or, through aiogram's feed_webhook_update, in one that copies its context), so the
# same object is seen there.
_TICKET: ContextVar[_Ticket | None] = ContextVar("lucien_update_ticket", default=None)
# A lock taken by the isolation for one update without a ticket (polling, tests).
_HELD: ContextVar[_Held | None] = ContextVar("lucien_held_lock", default=None)


class _LocalLocks:
    """In-process FIFO lock per key: waiters in this process are served in arrival order,
    and only one of them at a time polls Redis for the shared lock."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    async def acquire(self, name: str) -> asyncio.Lock:
        lock, users = self._locks.get(name, (None, 0))
        if lock is None:
            lock = asyncio.Lock()
        self._locks[name] = (lock, users + 1)
        try:
            await lock.acquire()
        except BaseException:
            self._forget(name)
            raise
        return lock

    def release(self, name: str, lock: asyncio.Lock) -> None:
        lock.release()
        self._forget(name)

    def _forget(self, name: str) -> None:
        lock, users = self._locks[name]
        if users <= 1:
            del self._locks[name]
        else:
            self._locks[name] = (lock, users - 1)


class _MemoryDedup:
    """update_id dedup for memory mode and for Redis outages (this process only)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._now = clock
        self._seen: dict[str, tuple[str, float]] = {}

    def _get(self, key: str) -> str | None:
        entry = self._seen.get(key)
        if entry is None:
            return None
        if entry[1] <= self._now():
            del self._seen[key]
            return None
        return entry[0]

    def claim(self, key: str, lease: float) -> bool:
        if self._get(key) is not None:
            return False
        if len(self._seen) > 50_000:
            now = self._now()
            self._seen = {k: v for k, v in self._seen.items() if v[1] > now}
        self._seen[key] = ("p", self._now() + lease)
        return True

    def done(self, key: str) -> None:
        self._seen[key] = ("d", self._now() + DEDUP_TTL)

    def abort(self, key: str) -> None:
        if self._get(key) == "p":
            del self._seen[key]


# -- aiogram storage and isolation -------------------------------------------------------


class LucienStorage(BaseStorage):
    """aiogram FSM storage on Redis with an in-process fallback.

    While this process holds a user's lock the state and data read with it are served
    from memory and writes are buffered, to be written by the release script; without a
    held lock (another user's context, background jobs) it reads and writes Redis.
    """

    def __init__(self, backend: StateBackend) -> None:
        self._b = backend

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        held = self._b._held_for(key)
        if held is not None:
            held.state, held.state_dirty = value, True
            if not held.in_redis:
                await self._b.memory.set_state(key, value)
            return
        if self._b._redis_ready():
            try:
                name = self._b.key_builder.build(key, "state")
                if value is None:
                    await self._b.redis.delete(name)  # type: ignore[union-attr]
                else:
                    await self._b.redis.set(name, value)  # type: ignore[union-attr]
                return
            except REDIS_FAULTS as exc:
                self._b.availability.mark_down(exc)
        await self._b.memory.set_state(key, value)

    async def get_state(self, key: StorageKey) -> str | None:
        held = self._b._held_for(key)
        if held is not None:
            return held.state
        if self._b._redis_ready():
            try:
                raw = await self._b.redis.get(self._b.key_builder.build(key, "state"))  # type: ignore[union-attr]
                return raw.decode() if isinstance(raw, bytes) else raw
            except REDIS_FAULTS as exc:
                self._b.availability.mark_down(exc)
        return await self._b.memory.get_state(key)

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        if not isinstance(data, dict):
            msg = f"Data must be a dict or dict-like object, got {type(data).__name__}"
            raise DataNotDictLikeError(msg)
        held = self._b._held_for(key)
        if held is not None:
            held.data, held.data_dirty = dict(data), True
            if not held.in_redis:
                await self._b.memory.set_data(key, data)
            return
        if self._b._redis_ready():
            try:
                name = self._b.key_builder.build(key, "data")
                if data:
                    await self._b.redis.set(name, json.dumps(data))  # type: ignore[union-attr]
                else:
                    await self._b.redis.delete(name)  # type: ignore[union-attr]
                return
            except REDIS_FAULTS as exc:
                self._b.availability.mark_down(exc)
        await self._b.memory.set_data(key, data)

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        held = self._b._held_for(key)
        if held is not None:
            return dict(held.data)
        if self._b._redis_ready():
            try:
                raw = await self._b.redis.get(self._b.key_builder.build(key, "data"))  # type: ignore[union-attr]
                return json.loads(raw) if raw else {}
            except REDIS_FAULTS as exc:
                self._b.availability.mark_down(exc)
        return await self._b.memory.get_data(key)

    async def close(self) -> None:
        """Nothing: the backend owns the connection (`StateBackend.close`)."""


class LucienIsolation(BaseEventIsolation):
    """One update at a time per user across replicas: a Redis lock with a timeout (a dead
    replica blocks nobody longer than `lock_ttl`), behind an in-process FIFO lock."""

    def __init__(self, backend: StateBackend) -> None:
        self._b = backend

    def lock(self, key: StorageKey) -> AbstractAsyncContextManager[None]:
        ticket = _TICKET.get()
        if ticket is not None and ticket.held is not None:
            held = ticket.held
            if held.key == key and not held.in_use:
                # Taken by begin_update together with the dedup claim: nothing to do;
                # finish_update releases it with the writes and the done mark. (The
                # webhook's path, on every update: a plain object, not a generator.)
                return _InUse(held)
        return self._lock(key, ticket)

    @asynccontextmanager
    async def _lock(self, key: StorageKey, ticket: _Ticket | None) -> AsyncGenerator[None, None]:
        defer = ticket is not None and ticket.held is None
        held = await self._b._acquire(key)
        assert held is not None  # no dedup key passed: never refused
        if defer:
            # Keep it until finish_update, so unlock and the done mark share a round trip.
            assert ticket is not None
            ticket.held = held
            held.in_use = True
            try:
                yield
            finally:
                held.in_use = False
            return
        token = _HELD.set(held)
        try:
            yield
        finally:
            _HELD.reset(token)
            await self._b._release(held, None, None)

    async def close(self) -> None:
        """Nothing to close: locks expire on their own."""


class _InUse:
    """The update's lock, already held: marked in use for the handler's duration."""

    __slots__ = ("held",)

    def __init__(self, held: _Held) -> None:
        self.held = held

    async def __aenter__(self) -> None:
        self.held.in_use = True

    async def __aexit__(self, *exc: object) -> None:
        self.held.in_use = False


class _UnavailableNotice(BaseMiddleware):
    """Never silence: when the user's state could not be read (Redis down) and nothing
    handled their update, answer with a polite message instead."""

    def __init__(self, backend: StateBackend) -> None:
        self._b = backend

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        result = await handler(event, data)
        if result is UNHANDLED:
            return self._b.unhandled_reply(data)
        return result


# -- the backend -------------------------------------------------------------------------


class StateBackend:
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
        lock_ttl: float = 30.0,
        claim_ttl: float = 60.0,
        strategy: FSMStrategy = FSMStrategy.USER_IN_CHAT,
        unavailable_text: str = DEFAULT_UNAVAILABLE_TEXT,
        probe_interval: float = 0.5,
        clock_monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.redis = redis
        self.mode: Literal["redis", "memory"] = "redis" if redis is not None else "memory"
        self.prefix = prefix
        self.bot_id = bot_id
        self.production = production
        self.lock_ttl = lock_ttl
        self.claim_ttl = claim_ttl
        self.strategy = strategy
        self.unavailable_text = unavailable_text
        self.availability = RedisAvailability(redis, probe_interval=probe_interval)
        # One batcher for the update's scripts and the cache: a loop turn's Redis work
        # is one write, whoever asked for it.
        self._batcher = RedisBatcher(redis) if redis is not None else None
        self.cache = Cache(
            redis,
            prefix,
            clock_monotonic=clock_monotonic,
            availability=self.availability,
            batcher=self._batcher,
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
        self.middleware = _UnavailableNotice(self)
        self._local_locks = _LocalLocks()
        # Lock tokens only need to be unique across replicas: a random per-process prefix
        # and a counter are, at a fraction of the cost of a uuid4 per update.
        self._token_prefix = os.urandom(8).hex() + ":"
        self._token_counter = itertools.count()
        self._dedup_memory = _MemoryDedup(clock_monotonic)
        self._acquire_script = redis.register_script(_ACQUIRE_LUA) if redis is not None else None
        self._release_script = redis.register_script(_RELEASE_LUA) if redis is not None else None

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
        held = self._held_for(context.key)
        if held is None or not held.degraded:
            return UNHANDLED
        return SendMessage(chat_id=context.key.chat_id, text=self.unavailable_text)

    @property
    def connected(self) -> bool:
        """Redis configured and answering right now."""
        return self.redis is not None and self.availability.up

    def _redis_ready(self) -> bool:
        return self.redis is not None and self.availability.up

    def _dedup_key(self, update_id: int) -> str:
        return f"{self.prefix}:upd:{self.bot_id}:{update_id}"

    def _held_for(self, key: StorageKey) -> _Held | None:
        ticket = _TICKET.get()
        if ticket is not None and ticket.held is not None and ticket.held.key == key:
            return ticket.held
        held = _HELD.get()
        if held is not None and held.key == key:
            return held
        return None

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

    async def _acquire(self, key: StorageKey, dedup_key: str | None = None) -> _Held | None:
        """Take the user's lock and read state/data; None when `dedup_key` was seen."""
        lock_key = self.key_builder.build(key, "lock")
        local = await self._local_locks.acquire(lock_key)
        held = _Held(
            key=key,
            lock_key=lock_key,
            state_key=self.key_builder.build(key, "state"),
            data_key=self.key_builder.build(key, "data"),
            token=f"{self._token_prefix}{next(self._token_counter)}",
            local=local,
            in_redis=False,
            degraded=self.redis is not None,
        )
        try:
            if self._redis_ready():
                try:
                    outcome = await self._acquire_redis(held, dedup_key)
                except REDIS_FAULTS as exc:
                    self.availability.mark_down(exc)
                else:
                    if outcome is None:
                        self._local_locks.release(lock_key, local)
                    return outcome
            # In-process only: memory mode, or Redis down for the duration.
            if dedup_key is not None and not self._dedup_memory.claim(dedup_key, self.claim_ttl):
                self._local_locks.release(lock_key, local)
                return None
            held.state = await self.memory.get_state(key)
            held.data = await self.memory.get_data(key)
            return held
        except BaseException:
            self._local_locks.release(lock_key, local)
            raise

    async def _acquire_redis(self, held: _Held, dedup_key: str | None) -> _Held | None:
        assert self._acquire_script is not None
        keys = [held.lock_key, held.state_key, held.data_key]
        if dedup_key is not None:
            keys.append(dedup_key)
        args = [held.token, int(self.lock_ttl * 1000), int(self.claim_ttl * 1000)]
        delay = 0.002
        while True:
            reply = await self._batcher.script(self._acquire_script, keys, args)
            if reply[0] == -1:
                return None
            if reply[0] == 1:
                held.in_redis, held.degraded = True, False
                raw_state, raw_data = reply[1], reply[2]
                held.state = raw_state.decode() if isinstance(raw_state, bytes) else raw_state
                held.data = json.loads(raw_data) if raw_data else {}
                return held
            # Held by another replica: poll with a short backoff, never past its expiry.
            pttl = reply[1] if isinstance(reply[1], int) and reply[1] > 0 else 50
            await asyncio.sleep(min(delay, pttl / 1000))
            delay = min(delay * 2, 0.05)
            if not self._redis_ready():
                raise ConnectionError("Redis went away while waiting for a user lock")

    async def _release(
        self, held: _Held, dedup_key: str | None, dedup_op: Literal["done", "abort"] | None
    ) -> None:
        """Write buffered state/data, release the lock, settle the dedup claim: one trip."""
        try:
            if held.in_redis and self._redis_ready():
                try:
                    await self._release_redis(held, dedup_key, dedup_op)
                    return
                except REDIS_FAULTS as exc:
                    self.availability.mark_down(exc)
            if held.in_redis:
                # Redis went away mid-update: keep the conversation going in-process.
                if held.state_dirty:
                    await self.memory.set_state(held.key, held.state)
                if held.data_dirty:
                    await self.memory.set_data(held.key, held.data)
            if dedup_key is not None:
                self._settle_memory(dedup_key, dedup_op)
        finally:
            self._local_locks.release(held.lock_key, held.local)

    async def _release_redis(
        self, held: _Held, dedup_key: str | None, dedup_op: Literal["done", "abort"] | None
    ) -> None:
        assert self._release_script is not None
        keys = [held.lock_key, held.state_key, held.data_key]
        if dedup_key is not None:
            keys.append(dedup_key)
        state_op, state_val = "", ""
        if held.state_dirty:
            state_op, state_val = ("set", held.state) if held.state is not None else ("del", "")
        data_op, data_val = "", ""
        if held.data_dirty:
            data_op, data_val = ("set", json.dumps(held.data)) if held.data else ("del", "")
        args = [
            held.token,
            state_op,
            state_val,
            data_op,
            data_val,
            dedup_op or "",
            int(DEDUP_TTL * 1000),
        ]
        mine = await self._batcher.script(self._release_script, keys, args)
        if not mine:
            log.warning(
                "user lock %s expired before the update finished (longer than %.0f s)",
                held.lock_key,
                self.lock_ttl,
            )

    def _settle_memory(self, dedup_key: str, op: Literal["done", "abort"] | None) -> None:
        if op == "done":
            self._dedup_memory.done(dedup_key)
        elif op == "abort":
            self._dedup_memory.abort(dedup_key)

    # -- update dedup ---------------------------------------------------------------------

    async def begin_update(
        self, update_id: int, update: Update | Mapping[str, Any] | None = None
    ) -> bool:
        """Claim `update_id`; False when it was handled already or is in progress.

        Pass the update body as `update=` to also take the user's lock and read their
        state in the same round trip. Call it in the task that then calls
        `dp.feed_update` or `dp.feed_webhook_update` (the claim travels in a contextvar),
        and always follow with `finish_update` or `abort_update`.
        """
        dedup_key = self._dedup_key(update_id)
        key: StorageKey | None = None
        if update is not None:
            try:
                key = self.key_for_update(update)
            except Exception:  # unusual body: plain claim, aiogram will complain itself
                key = None
        if key is not None:
            held = await self._acquire(key, dedup_key)
            if held is None:
                return False
            _TICKET.set(_Ticket(update_id, dedup_key, held.in_redis, held))
            return True
        if self._redis_ready():
            try:
                claimed = await self.redis.set(  # type: ignore[union-attr]
                    dedup_key, "p", nx=True, px=int(self.claim_ttl * 1000)
                )
            except REDIS_FAULTS as exc:
                self.availability.mark_down(exc)
            else:
                if not claimed:
                    return False
                _TICKET.set(_Ticket(update_id, dedup_key, True))
                return True
        if not self._dedup_memory.claim(dedup_key, self.claim_ttl):
            return False
        _TICKET.set(_Ticket(update_id, dedup_key, False))
        return True

    def _take_ticket(self, update_id: int) -> _Ticket | None:
        ticket = _TICKET.get()
        if ticket is None or ticket.update_id != update_id:
            return None
        _TICKET.set(None)
        return ticket

    async def finish_update(self, update_id: int) -> None:
        """Mark handled (kept 24 h), with the lock release and state writes if pending."""
        await self._settle(update_id, "done")

    async def abort_update(self, update_id: int) -> None:
        """Handling failed: release the claim so Telegram's redelivery is handled."""
        await self._settle(update_id, "abort")

    async def _settle(self, update_id: int, op: Literal["done", "abort"]) -> None:
        ticket = self._take_ticket(update_id)
        dedup_key = ticket.dedup_key if ticket else self._dedup_key(update_id)
        if ticket is not None and ticket.held is not None:
            await self._release(ticket.held, dedup_key, op)
            return
        if self._redis_ready() and (ticket is None or ticket.claimed_in_redis):
            try:
                if op == "done":
                    await self.redis.set(dedup_key, "d", px=int(DEDUP_TTL * 1000))  # type: ignore[union-attr]
                else:
                    await self.redis.delete(dedup_key)  # type: ignore[union-attr]
                return
            except REDIS_FAULTS as exc:
                self.availability.mark_down(exc)
        self._settle_memory(dedup_key, op)

    # -- health and lifecycle -------------------------------------------------------------

    async def health(self) -> HealthResult:
        """pass when Redis answers; warn on in-memory state in production or Redis down."""
        if self.redis is None:
            status: Literal["pass", "warn"] = "warn" if self.production else "pass"
            return HealthResult(
                "redis",
                status,
                "REDIS_URL not set: in-memory state, one process only",
                {"mode": "memory"},
            )
        if not self.availability.up:
            down_for = time.monotonic() - (self.availability.down_since or time.monotonic())
            return HealthResult(
                "redis",
                "warn",
                f"Redis unreachable for {down_for:.0f} s ({self.availability.last_error}); "
                "running on in-process state, reconnecting",
                {"mode": "redis", "connected": False, "outages": self.availability.outages},
            )
        started = time.perf_counter()
        try:
            await self.redis.ping()
        except REDIS_FAULTS as exc:
            self.availability.mark_down(exc)
            return HealthResult(
                "redis",
                "warn",
                f"Redis unreachable ({self.availability.last_error})",
                {"mode": "redis", "connected": False, "outages": self.availability.outages},
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
                "outages": self.availability.outages,
            },
        )

    async def start(self) -> None:
        """Check the connection (a failure starts the fallback) and start the cache."""
        if self.redis is None:
            return
        try:
            await self.redis.ping()
        except REDIS_FAULTS as exc:
            self.availability.mark_down(exc)
        await self.cache.start()

    async def close(self) -> None:
        """Stop background tasks and close the Redis connection pool."""
        await self.cache.close()
        await self.availability.close()
        if self.redis is not None:
            with contextlib.suppress(Exception):
                await self.redis.aclose(close_connection_pool=True)


def connect_redis(url: str, *, timeout: float = 1.0, max_connections: int = 200) -> aioredis.Redis:
    """A client that fails fast: with Redis gone, an update must fall back within about
    `timeout`, not hang in redis-py's default retries."""
    import redis.asyncio as aioredis
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
    )
    return aioredis.Redis(connection_pool=pool)


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
