"""The one way plugins send in bulk, within Telegram's limits.

About 30 messages a second overall, one a second to a chat (short bursts tolerated) and
twenty a minute to a group or channel. Token buckets pace the calls; a 429 that slips
through (another process, a burst) is waited out for its `retry_after` and retried.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, TypeVar

from aiogram import Bot
from aiogram.exceptions import TelegramForbiddenError, TelegramRetryAfter
from aiogram.methods import TelegramMethod

log = logging.getLogger("lucien.sender")
T = TypeVar("T")

_SENDING = {
    "sendmessage",
    "senddocument",
    "sendphoto",
    "sendvideo",
    "sendvoice",
    "sendanimation",
    "sendmediagroup",
    "copymessage",
    "copymessages",
    "forwardmessage",
}


# GCRA ("virtual scheduling"), in two steps: a send first reserves its chat's next slot
# and sleeps until it, and only then the earliest global slot. Booking both at once would
# move the global schedule to a busy chat's far slot and hold every other chat behind it
# (twenty notes queued for one admin delayed everyone's replies by 17 s under load).
# The Redis version does each step atomically for every replica (DESIGN: one shared limiter).
# ARGV[5] >= 0 is the longest wait the caller accepts: beyond it nothing is reserved and
# the wait comes back negative (the caller leaves the send for later).
_RESERVE_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local weight = tonumber(ARGV[3])
local ttl = tonumber(ARGV[4])
local max_wait = tonumber(ARGV[5])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(now, tat - (burst - 1) * interval)
if max_wait >= 0 and slot - now > max_wait then
  return -(slot - now)
end
redis.call('SET', KEYS[1], math.max(tat, slot) + interval * weight, 'PX', ttl)
return slot - now
"""


# A send woken this late after its reserved global slot takes a new one (a few times).
_LATE_S = 0.1
_LATE_RETRIES = 3


class Deferred(Exception):
    """The chat's next slot is further away than the caller would wait (`max_wait`)."""

    def __init__(self, wait: float) -> None:
        super().__init__(f"the chat's next slot is {wait:.1f} s away")
        self.wait = wait


_GLOBAL = "all"


class Sender:
    """Rate-limited calls; `await sender(method)` behaves like `await bot(method)`.

    With `redis`, the pace is shared by every replica; without it (or while Redis is
    unreachable) it is kept in this process.
    """

    def __init__(
        self,
        bot: Bot,
        *,
        per_second: float = 25.0,
        per_chat_burst: float = 3.0,
        burst: float = 1.0,
        max_retries: int = 5,
        on_blocked: Any = None,
        redis: Any = None,
        key_prefix: str = "lucien",
    ) -> None:
        self.bot = bot
        self.max_retries = max_retries
        self.on_blocked = on_blocked
        # 25/s rather than Telegram's ~30: network jitter bunches paced calls together.
        self._global_interval = 1.0 / per_second
        # A global burst stays minimal: Telegram counts ~30 in any one-second window.
        self._global_burst = burst
        self._per_chat_burst = per_chat_burst
        # Theoretical arrival times: the global one (key _GLOBAL) and each chat's.
        self._tats: dict[Any, float] = {}
        self._redis = redis
        self._script = redis.register_script(_RESERVE_LUA) if redis is not None else None
        self._prefix = f"{key_prefix}:send:{bot.id}"

    def _chat_pace(self, chat_id: Any) -> tuple[float, float]:
        """(interval, burst) for a chat: groups and channels 20/min, private chats 1/s."""
        is_group = (isinstance(chat_id, int) and chat_id < 0) or isinstance(chat_id, str)
        return (3.0, 3.0) if is_group else (1.0, self._per_chat_burst)

    def _reserve_local(
        self, key: Any, interval: float, burst: float, weight: int, max_wait: float | None
    ) -> float:
        now = time.monotonic()
        tats = self._tats
        tat = tats.get(key, 0.0)
        slot = max(now, tat - (burst - 1) * interval)
        if max_wait is not None and slot - now > max_wait:
            return -(slot - now)
        tats[key] = max(tat, slot) + interval * weight
        if len(tats) > 50_000:  # an old chat's schedule is in the past anyway
            tats.pop(next(iter(tats)))
        return slot - now

    async def _reserve(
        self,
        key: Any,
        interval: float,
        burst: float,
        weight: int = 1,
        max_wait: float | None = None,
    ) -> float:
        """Seconds until the reserved slot of schedule `key`; negative: not reserved,
        the slot being further than `max_wait`."""
        if self._script is not None:
            try:
                wait_ms = await self._script(
                    keys=[f"{self._prefix}:{key}"],
                    args=[
                        interval * 1000,
                        burst,
                        weight,
                        60_000 if key == _GLOBAL else 120_000,
                        -1 if max_wait is None else max_wait * 1000,
                    ],
                )
                return int(wait_ms) / 1000
            except Exception as exc:  # Redis away: pace this process alone meanwhile
                log.debug("shared limiter unavailable (%r); pacing locally", exc)
        return self._reserve_local(key, interval, burst, weight, max_wait)

    async def _pace(self, chat_id: Any, weight: int = 1, max_wait: float | None = None) -> None:
        interval, burst = self._chat_pace(chat_id)
        wait = await self._reserve(f"chat:{chat_id}", interval, burst, weight, max_wait)
        if wait < 0:
            raise Deferred(-wait)
        if wait > 0:
            await asyncio.sleep(wait)
        for _ in range(_LATE_RETRIES):
            wait = await self._reserve(_GLOBAL, self._global_interval, self._global_burst, weight)
            if wait <= 0:
                return
            due = time.monotonic() + wait
            await asyncio.sleep(wait)
            # Woken well after its slot (the process stalled): going now would bunch with
            # the sends whose slots came meanwhile, and a bunch draws Telegram's 429.
            if time.monotonic() - due < _LATE_S:
                return

    async def __call__(self, method: TelegramMethod[T], *, max_wait: float | None = None) -> T:
        """Make the call within the limits; with `max_wait`, raise `Deferred` instead of
        waiting longer than that for the chat's turn (nothing is sent or reserved)."""
        counted = method.__api_method__.lower() in _SENDING
        chat_id = getattr(method, "chat_id", None)
        # An album (copyMessages, sendMediaGroup) is as many messages as it has items.
        many = getattr(method, "message_ids", None) or getattr(method, "media", None)
        weight = len(many) if isinstance(many, list) and many else 1
        for attempt in range(self.max_retries + 1):
            if counted:
                await self._pace(chat_id, weight, max_wait)
            try:
                return await self.bot(method)
            except TelegramRetryAfter as exc:
                if attempt >= self.max_retries:
                    raise
                log.warning(
                    "429 from Telegram on %s: waiting %ss", method.__api_method__, exc.retry_after
                )
                await asyncio.sleep(exc.retry_after)
            except TelegramForbiddenError as exc:
                # Only "blocked by the user" means blocked; "can't initiate conversation"
                # is a user who never started the bot, who may still do so.
                blocked = "blocked" in exc.message.lower()
                if (
                    blocked
                    and self.on_blocked is not None
                    and isinstance(chat_id, int)
                    and chat_id > 0
                ):
                    await self.on_blocked(chat_id)
                raise
        raise AssertionError("unreachable")
