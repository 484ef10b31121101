"""The cache's subscription to invalidations published by the other replicas.

A background task that keeps one pub/sub subscription alive: on every (re)subscription
the local level is dropped, since invalidations may have been missed meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from lucien.core.redis_availability import REDIS_FAULTS, RedisAvailability

if TYPE_CHECKING:
    import redis.asyncio as aioredis


class InvalidationListener:
    """Feeds each message of `channel` to `on_message`; calls `on_resubscribe` whenever
    the subscription is (re)made or lost."""

    def __init__(
        self,
        redis: aioredis.Redis,
        channel: str,
        availability: RedisAvailability,
        on_message: Callable[[bytes | str], None],
        on_resubscribe: Callable[[], None],
    ) -> None:
        self.redis = redis
        self.channel = channel
        self.availability = availability
        self.on_message = on_message
        self.on_resubscribe = on_resubscribe
        self.subscribed = asyncio.Event()
        self._closed = False
        self._task: asyncio.Task[None] | None = None

    async def start(self, wait: float = 2.0) -> None:
        """Start the task; return once subscribed, or after `wait` seconds."""
        self._task = asyncio.get_running_loop().create_task(self._listen())
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.subscribed.wait(), timeout=wait)

    async def _listen(self) -> None:
        backoff = 0.2
        while not self._closed:
            pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.channel)
                # Anything cached locally may have missed invalidations while we were not
                # subscribed (first start is harmless: the level is empty).
                self.on_resubscribe()
                self.subscribed.set()
                backoff = 0.2
                while not self._closed:
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                    if message is not None and message.get("type") == "message":
                        self.on_message(message["data"])
            except asyncio.CancelledError:
                raise
            except REDIS_FAULTS as exc:
                self.subscribed.clear()
                self.on_resubscribe()
                self.availability.mark_down(exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 2.0)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()

    async def close(self) -> None:
        """Stop the task."""
        self._closed = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
