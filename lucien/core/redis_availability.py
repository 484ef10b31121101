"""Whether Redis answers: one outage is one log line, and nothing waits on a socket
timeout per update while it lasts (shared by the cache and the state backend)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from redis.exceptions import MaxConnectionsError
from redis.exceptions import RedisError as _RedisError

if TYPE_CHECKING:
    import redis.asyncio as aioredis

# Redis errors and the socket errors redis-py sometimes lets through unwrapped.
REDIS_FAULTS: tuple[type[BaseException], ...] = (_RedisError, OSError, asyncio.TimeoutError)


class RedisAvailability:
    """Tracks whether Redis answers, logs each outage once, and probes until it is back.

    Shared by the cache and the state backend so one outage is one log line, and so that
    while Redis is down nothing waits on a socket timeout per update: callers check `up`
    and go straight to the in-process fallback.
    """

    def __init__(
        self,
        redis: aioredis.Redis | None,
        *,
        probe_interval: float = 0.5,
        logger: logging.Logger | None = None,
    ) -> None:
        self.redis = redis
        self.up = redis is not None
        self.probe_interval = probe_interval
        self.last_error: str = ""
        self.down_since: float | None = None
        self.outages = 0
        self._log = logger or logging.getLogger("lucien.redis")
        self._probe: asyncio.Task[None] | None = None
        self._on_up: list[Callable[[], Any]] = []
        self._closed = False

    def on_up(self, callback: Callable[[], Any]) -> None:
        """Call `callback()` (sync) each time Redis comes back after an outage."""
        self._on_up.append(callback)

    def mark_down(self, exc: BaseException) -> None:
        """Record a fault; the first one of an outage is logged and starts the probe."""
        if isinstance(exc, MaxConnectionsError):
            # Pool exhaustion under a burst, not an outage: this call falls back, the
            # next ones still use Redis.
            self._log.debug("Redis pool exhausted: %s", exc)
            return
        self.last_error = f"{type(exc).__name__}: {exc}"
        if self.up:
            self.up = False
            self.down_since = time.monotonic()
            self.outages += 1
            self._log.warning(
                "Redis unreachable (%s): falling back to in-process state, the cache falls "
                "through to its loaders; reconnecting in the background",
                self.last_error,
            )
        self._ensure_probe()

    def _ensure_probe(self) -> None:
        if self._closed or self.redis is None:
            return
        if self._probe is None or self._probe.done():
            with contextlib.suppress(RuntimeError):  # no running loop (interpreter exit)
                self._probe = asyncio.get_running_loop().create_task(self._probe_loop())

    async def _probe_loop(self) -> None:
        assert self.redis is not None
        while not self._closed and not self.up:
            await asyncio.sleep(self.probe_interval)
            try:
                await self.redis.ping()
            except REDIS_FAULTS as exc:
                self.last_error = f"{type(exc).__name__}: {exc}"
                continue
            down_for = time.monotonic() - (self.down_since or time.monotonic())
            self.up = True
            self.down_since = None
            self._log.warning("Redis reachable again after %.1f s; shared state resumed", down_for)
            for callback in self._on_up:
                try:
                    callback()
                except Exception:  # a bad callback must not stop the others
                    self._log.exception("Redis on-up callback failed")

    async def close(self) -> None:
        """Stop the probe task."""
        self._closed = True
        if self._probe is not None:
            self._probe.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._probe
