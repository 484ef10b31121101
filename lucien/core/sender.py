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


# GCRA ("virtual scheduling"): every send reserves the earliest slot that respects both the
# global pace and its chat's pace, then sleeps until it. Reserving rather than polling
# means a message waiting for a busy chat never holds back messages to other chats.
# The Redis version does the same atomically for every replica (DESIGN: one shared limiter).
_RESERVE_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local g_interval = tonumber(ARGV[1])
local c_interval = tonumber(ARGV[2])
local c_burst = tonumber(ARGV[3])
local g_burst = tonumber(ARGV[4])
local weight = tonumber(ARGV[5] or '1')
local c_tat = tonumber(redis.call('GET', KEYS[2]) or '0')
local slot = math.max(now, c_tat - (c_burst - 1) * c_interval)
local g_tat = tonumber(redis.call('GET', KEYS[1]) or '0')
slot = math.max(slot, g_tat - (g_burst - 1) * g_interval)
redis.call('SET', KEYS[1], math.max(g_tat, slot) + g_interval * weight, 'PX', 60000)
redis.call('SET', KEYS[2], math.max(c_tat, slot) + c_interval * weight, 'PX', 120000)
return slot - now
"""


# A send woken this late after its reserved slot takes a new one (a few times at most).
_LATE_S = 0.1
_LATE_RETRIES = 3


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
        self._next_global = 0.0
        self._chat_tat: dict[Any, float] = {}
        self._redis = redis
        self._script = redis.register_script(_RESERVE_LUA) if redis is not None else None
        self._prefix = f"{key_prefix}:send:{bot.id}"

    def _chat_pace(self, chat_id: Any) -> tuple[float, float]:
        """(interval, burst) for a chat: groups and channels 20/min, private chats 1/s."""
        is_group = (isinstance(chat_id, int) and chat_id < 0) or isinstance(chat_id, str)
        return (3.0, 3.0) if is_group else (1.0, self._per_chat_burst)

    def _reserve_local(self, chat_id: Any, weight: int = 1) -> float:
        now = time.monotonic()
        interval, burst = self._chat_pace(chat_id)
        tat = self._chat_tat.get(chat_id, 0.0)
        global_earliest = self._next_global - (self._global_burst - 1) * self._global_interval
        slot = max(now, tat - (burst - 1) * interval, global_earliest)
        self._next_global = max(self._next_global, slot) + self._global_interval * weight
        self._chat_tat[chat_id] = max(tat, slot) + interval * weight
        if len(self._chat_tat) > 50_000:  # an old chat's schedule is in the past anyway
            self._chat_tat.pop(next(iter(self._chat_tat)))
        return slot - now

    async def _reserve(self, chat_id: Any, weight: int = 1) -> float:
        if self._script is not None:
            interval, burst = self._chat_pace(chat_id)
            try:
                wait_ms = await self._script(
                    keys=[f"{self._prefix}:all", f"{self._prefix}:chat:{chat_id}"],
                    args=[
                        self._global_interval * 1000,
                        interval * 1000,
                        burst,
                        self._global_burst,
                        weight,
                    ],
                )
                return max(0.0, int(wait_ms) / 1000)
            except Exception as exc:  # Redis away: pace this process alone meanwhile
                log.debug("shared limiter unavailable (%r); pacing locally", exc)
        return self._reserve_local(chat_id, weight)

    async def _pace(self, chat_id: Any, weight: int = 1) -> None:
        for _ in range(_LATE_RETRIES):
            wait = await self._reserve(chat_id, weight)
            if wait <= 0:
                return
            due = time.monotonic() + wait
            await asyncio.sleep(wait)
            # Woken well after its slot (the process stalled): going now would bunch with
            # the sends whose slots came meanwhile, and a bunch draws Telegram's 429.
            if time.monotonic() - due < _LATE_S:
                return

    async def __call__(self, method: TelegramMethod[T]) -> T:
        counted = method.__api_method__.lower() in _SENDING
        chat_id = getattr(method, "chat_id", None)
        # An album (copyMessages, sendMediaGroup) is as many messages as it has items.
        many = getattr(method, "message_ids", None) or getattr(method, "media", None)
        weight = len(many) if isinstance(many, list) and many else 1
        for attempt in range(self.max_retries + 1):
            if counted:
                await self._pace(chat_id, weight)
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
