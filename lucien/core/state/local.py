"""In-process equivalents: per-key FIFO locks and update dedup for one process.

Used in memory mode (no REDIS_URL) and, with Redis configured, in front of it (the local
lock) or instead of it while Redis is down (the dedup).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from lucien.core.state.tickets import Begin

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
    """update_id claims for memory mode and for Redis outages without a database (this
    process only).

    The marks are Redis's (`lucien.core.state.scripts`): ("p", tries) while an update is
    in progress, ("d", 0) once done, ("r", tries) after attempts that failed before any
    effect. An in-process claim needs no renewal: it dies with the process anyway.
    """

    def __init__(self, clock: Callable[[], float]) -> None:
        self._now = clock
        self._seen: dict[str, tuple[str, int, float]] = {}

    def _get(self, key: str) -> tuple[str, int] | None:
        entry = self._seen.get(key)
        if entry is None:
            return None
        if entry[2] <= self._now():
            del self._seen[key]
            return None
        return entry[0], entry[1]

    def claim(self, key: str, lease: float) -> tuple[Begin, int]:
        """Claim `key` for `lease` seconds: (CLAIMED, earlier failed tries), or DONE /
        BUSY when it is handled already or in progress."""
        mark = self._get(key)
        tries = 0
        if mark is not None:
            if mark[0] == "p":
                return Begin.BUSY, 0
            if mark[0] == "d":
                return Begin.DONE, 0
            tries = mark[1]
        if len(self._seen) > _DEDUP_SWEEP_AT:
            now = self._now()
            self._seen = {k: v for k, v in self._seen.items() if v[2] > now}
        self._seen[key] = ("p", tries, self._now() + lease)
        return Begin.CLAIMED, tries

    def done(self, key: str) -> None:
        """Mark `key` handled, for DEDUP_TTL."""
        self._seen[key] = ("d", 0, self._now() + DEDUP_TTL)

    def abort(self, key: str) -> None:
        """Drop an in-progress claim so a redelivery is handled (a done mark stays)."""
        mark = self._get(key)
        if mark is not None and mark[0] == "p":
            del self._seen[key]

    def retry(self, key: str, tries: int) -> None:
        """Record `tries` failed attempts of an in-progress update; a redelivery runs."""
        mark = self._get(key)
        if mark is not None and mark[0] == "p":
            self._seen[key] = ("r", tries, self._now() + DEDUP_TTL)
