"""In-process equivalents: per-key FIFO locks and update dedup for one process.

Used in memory mode (no REDIS_URL) and, with Redis configured, in front of it (the local
lock) or instead of it while Redis is down (the dedup).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

DEDUP_TTL = 24 * 3600.0  # Telegram gives up redelivering long before a day has passed
_DEDUP_SWEEP_AT = 50_000  # entries before the expired ones are swept out


class LocalLocks:
    """In-process FIFO lock per key: waiters in this process are served in arrival order,
    and only one of them at a time polls Redis for the shared lock."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    async def acquire(self, name: str) -> asyncio.Lock:
        """Wait for `name`'s lock; hand the returned lock back to `release`."""
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
        """Release `name`'s lock, forgetting it when nobody else waits for it."""
        lock.release()
        self._forget(name)

    def _forget(self, name: str) -> None:
        lock, users = self._locks[name]
        if users <= 1:
            del self._locks[name]
        else:
            self._locks[name] = (lock, users - 1)


class MemoryDedup:
    """update_id dedup for memory mode and for Redis outages (this process only).

    The marks are Redis's: "p" while an update is in progress (a lease), "d" once done.
    """

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
        """Claim `key` for `lease` seconds; False when it is claimed or done already."""
        if self._get(key) is not None:
            return False
        if len(self._seen) > _DEDUP_SWEEP_AT:
            now = self._now()
            self._seen = {k: v for k, v in self._seen.items() if v[1] > now}
        self._seen[key] = ("p", self._now() + lease)
        return True

    def done(self, key: str) -> None:
        """Mark `key` handled, for DEDUP_TTL."""
        self._seen[key] = ("d", self._now() + DEDUP_TTL)

    def abort(self, key: str) -> None:
        """Drop an in-progress claim so a redelivery is handled (a done mark stays)."""
        if self._get(key) == "p":
            del self._seen[key]
