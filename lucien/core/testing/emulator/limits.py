"""Telegram's sending limits, answered with 429 and ``retry_after``.

Telegram tolerates short bursts to one private chat but about 1 message per
second on average, about 30 messages per second per bot across chats, and 20
messages per minute to one group or channel. The limits run on real monotonic
time (never the fake clock: a test that advances the clock must not unlock
sending). ``scale`` shrinks every window for fast tests; ``retry_after`` is
still reported in Telegram seconds, so a caller waits ``retry_after * scale``.

A call that sends several messages at once (sendMediaGroup, copyMessages) counts each
message it sends. It is accepted when one more message would be, and then charged in
full: a 10-item album to a private chat goes through, and the chat's next message waits
until the bucket has refilled (a rule that refused it outright would refuse every album
bigger than the burst).
"""

from __future__ import annotations

import math
import time
from collections import defaultdict, deque
from collections.abc import Callable

from .errors import too_many_requests

PRIVATE_BURST = 3
PRIVATE_INTERVAL = 1.0
BULK_PER_SECOND = 30
GROUP_PER_MINUTE = 20

#: The methods that send a message and therefore count toward the limits.
SENDING_METHODS = frozenset(
    {
        "sendMessage",
        "sendDocument",
        "sendPhoto",
        "sendVideo",
        "sendVoice",
        "sendAnimation",
        "sendMediaGroup",
        "copyMessage",
        "copyMessages",
        "forwardMessage",
    }
)


class RateLimiter:
    """Per-chat and per-bot message limits; does nothing when disabled."""

    def __init__(
        self, enabled: bool, scale: float = 1.0, now: Callable[[], float] = time.monotonic
    ) -> None:
        if scale <= 0:
            raise ValueError("limit_scale must be positive")
        self.enabled = enabled
        self.scale = scale
        self._now = now
        # Private chats: a token bucket (burst, then one per interval).
        self._buckets: dict[tuple[int, int], tuple[float, float]] = {}
        # Bulk and groups: sliding windows of send times.
        self._bulk: dict[int, deque[float]] = defaultdict(deque)
        self._groups: dict[tuple[int, int], deque[float]] = defaultdict(deque)

    def _retry(self, wait: float) -> int:
        return max(1, math.ceil(wait / self.scale - 1e-9))

    def acquire(self, bot_id: int, chat_id: int, private: bool, count: int = 1) -> None:
        """Count ``count`` messages to ``chat_id`` or raise 429; a refused call counts nothing."""
        if not self.enabled or count < 1:
            return
        now = self._now()
        waits: list[float] = []

        bucket_key = (bot_id, chat_id)
        interval = PRIVATE_INTERVAL * self.scale
        tokens = float(PRIVATE_BURST)
        if private:
            tokens, stamp = self._buckets.get(bucket_key, (float(PRIVATE_BURST), now))
            tokens = min(float(PRIVATE_BURST), tokens + (now - stamp) / interval)
            if tokens < 1:
                waits.append((1 - tokens) * interval)
        else:
            window = self._groups[bucket_key]
            self._expire(window, now, 60 * self.scale)
            if len(window) >= GROUP_PER_MINUTE:
                waits.append(self._free_at(window, GROUP_PER_MINUTE, 60 * self.scale) - now)

        bulk = self._bulk[bot_id]
        self._expire(bulk, now, self.scale)
        if len(bulk) >= BULK_PER_SECOND:
            waits.append(self._free_at(bulk, BULK_PER_SECOND, self.scale) - now)

        if waits:
            raise too_many_requests(self._retry(max(waits)))
        if private:
            self._buckets[bucket_key] = (tokens - count, now)
        else:
            self._groups[bucket_key].extend([now] * count)
        bulk.extend([now] * count)

    @staticmethod
    def _free_at(window: deque[float], limit: int, span: float) -> float:
        """When the window next has room: its entry ``limit`` places from the end expires
        (after an album, more than one must expire)."""
        return window[len(window) - limit] + span

    @staticmethod
    def _expire(window: deque[float], now: float, span: float) -> None:
        while window and window[0] <= now - span:
            window.popleft()
