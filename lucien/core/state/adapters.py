"""aiogram's side of the state backend: FSM storage, event isolation, the polite notice.

They hold no state of their own: each asks the backend (`StateBackend`), which owns the
Redis connection, the in-process fallback and the per-update lock.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import TYPE_CHECKING, Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.exceptions import DataNotDictLikeError
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, StateType, StorageKey
from aiogram.types import TelegramObject

from lucien.core.cache import REDIS_FAULTS
from lucien.core.state.tickets import HELD, TICKET, Held, Ticket, held_for

if TYPE_CHECKING:
    from lucien.core.state.backend import StateBackend


class LucienStorage(BaseStorage):
    """aiogram FSM storage on Redis with an in-process fallback.

    While this process holds a user's lock the state and data read with it are served
    from memory and writes are buffered, to be written when the lock is released (by
    the release script, or in-process without Redis) and dropped when the update is to
    be handled again (`retry_update`); without a held lock (another user's context,
    background jobs) it reads and writes Redis.
    """

    def __init__(self, backend: StateBackend) -> None:
        self._b = backend

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        held = held_for(key)
        if held is not None:
            held.state, held.state_dirty = value, True
            return
        redis = self._b.redis
        if redis is not None and self._b.connected:
            try:
                name = self._b.key_builder.build(key, "state")
                if value is None:
                    await redis.delete(name)
                else:
                    await redis.set(name, value)
                return
            except REDIS_FAULTS as exc:
                self._b.availability.mark_down(exc)
        await self._b.memory.set_state(key, value)

    async def get_state(self, key: StorageKey) -> str | None:
        held = held_for(key)
        if held is not None:
            return held.state
        redis = self._b.redis
        if redis is not None and self._b.connected:
            try:
                raw = await redis.get(self._b.key_builder.build(key, "state"))
                return raw.decode() if isinstance(raw, bytes) else raw
            except REDIS_FAULTS as exc:
                self._b.availability.mark_down(exc)
        return await self._b.memory.get_state(key)

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        if not isinstance(data, dict):
            msg = f"Data must be a dict or dict-like object, got {type(data).__name__}"
            raise DataNotDictLikeError(msg)
        held = held_for(key)
        if held is not None:
            held.data, held.data_dirty = dict(data), True
            return
        redis = self._b.redis
        if redis is not None and self._b.connected:
            try:
                name = self._b.key_builder.build(key, "data")
                if data:
                    await redis.set(name, json.dumps(data))
                else:
                    await redis.delete(name)
                return
            except REDIS_FAULTS as exc:
                self._b.availability.mark_down(exc)
        await self._b.memory.set_data(key, data)

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        held = held_for(key)
        if held is not None:
            return dict(held.data)
        redis = self._b.redis
        if redis is not None and self._b.connected:
            try:
                raw = await redis.get(self._b.key_builder.build(key, "data"))
                return json.loads(raw) if raw else {}
            except REDIS_FAULTS as exc:
                self._b.availability.mark_down(exc)
        return await self._b.memory.get_data(key)

    async def close(self) -> None:
        """Nothing: the backend owns the connection (`StateBackend.close`)."""


class LucienIsolation(BaseEventIsolation):
    """One update at a time per user across replicas: a Redis lock with a timeout (a dead
    replica blocks nobody longer than one lease, `lock_ttl`), behind an in-process FIFO lock."""

    def __init__(self, backend: StateBackend) -> None:
        self._b = backend

    # aiogram declares `lock` as an asynccontextmanager; any async context manager does,
    # and the hot path returns a plain object rather than a generator per update.
    def lock(self, key: StorageKey) -> AbstractAsyncContextManager[None]:  # type: ignore[override]
        ticket = TICKET.get()
        if ticket is not None and ticket.held is not None:
            held = ticket.held
            if held.key == key and not held.in_use:
                # Taken by begin_update together with the dedup claim: nothing to do;
                # finish_update releases it with the writes and the done mark. (The
                # webhook's path, on every update: a plain object, not a generator.)
                return _InUse(held)
        return self._lock(key, ticket)

    @asynccontextmanager
    async def _lock(self, key: StorageKey, ticket: Ticket | None) -> AsyncGenerator[None, None]:
        defer = ticket is not None and ticket.held is None
        held = await self._b.acquire_lock(key)
        assert isinstance(held, Held)  # no dedup key passed: never refused
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
        token = HELD.set(held)
        try:
            yield
        finally:
            HELD.reset(token)
            await self._b.release_lock(held, None, None)

    async def close(self) -> None:
        """Nothing to close: locks expire on their own."""


class _InUse:
    """The update's lock, already held: marked in use for the handler's duration."""

    __slots__ = ("held",)

    def __init__(self, held: Held) -> None:
        self.held = held

    async def __aenter__(self) -> None:
        self.held.in_use = True

    async def __aexit__(self, *exc: object) -> None:
        self.held.in_use = False


class UnavailableNotice(BaseMiddleware):
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
