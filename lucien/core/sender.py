"""The one way plugins send in bulk, within Telegram's limits.

About 30 messages a second overall, one a second to a chat (short bursts tolerated) and
twenty a minute to a group or channel. Token buckets pace the calls; a 429 that slips
through (another process, a burst) is waited out for its `retry_after` and retried.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any, TypeVar

from aiogram import Bot
from aiogram.exceptions import TelegramForbiddenError, TelegramRetryAfter
from aiogram.methods import TelegramMethod

log = logging.getLogger("lucien.sender")
T = TypeVar("T")

_SENDING = {"sendmessage", "senddocument", "sendphoto", "copymessage", "forwardmessage"}


@dataclass
class _Bucket:
    rate: float  # tokens per second
    capacity: float
    tokens: float
    stamp: float

    def wait_time(self, now: float) -> float:
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            return 0.0
        return (1 - self.tokens) / self.rate

    def take(self) -> None:
        self.tokens -= 1


class Sender:
    """Rate-limited calls; `await sender(method)` behaves like `await bot(method)`."""

    def __init__(
        self,
        bot: Bot,
        *,
        per_second: float = 25.0,
        per_chat_burst: float = 3.0,
        burst: float = 1.0,
        max_retries: int = 5,
        on_blocked: Any = None,
    ) -> None:
        self.bot = bot
        self.max_retries = max_retries
        self.on_blocked = on_blocked
        now = time.monotonic()
        # The global burst stays minimal: Telegram (and the emulator) count ~30 messages
        # in any one-second window; burst + per_second must stay under 30 with room for
        # network jitter that bunches paced calls together (a burst of
        # per_second from idle, then per_second more, gave 429s on every bulk send).
        self._global = _Bucket(per_second, burst, burst, now)
        self._chats: dict[Any, _Bucket] = {}
        self._lock = asyncio.Lock()
        self._per_chat_burst = per_chat_burst

    def _chat_bucket(self, chat_id: Any, now: float) -> _Bucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            is_group = (isinstance(chat_id, int) and chat_id < 0) or isinstance(chat_id, str)
            rate, cap = (20 / 60, 3.0) if is_group else (1.0, self._per_chat_burst)
            bucket = self._chats[chat_id] = _Bucket(rate, cap, cap, now)
            if len(self._chats) > 50_000:  # old chats' buckets are full again anyway
                self._chats.pop(next(iter(self._chats)))
        return bucket

    async def _pace(self, chat_id: Any) -> None:
        async with self._lock:
            while True:
                now = time.monotonic()
                wait = self._global.wait_time(now)
                chat = self._chat_bucket(chat_id, now) if chat_id is not None else None
                if chat is not None:
                    wait = max(wait, chat.wait_time(now))
                if wait <= 0:
                    self._global.take()
                    if chat is not None:
                        chat.take()
                    return
                await asyncio.sleep(wait)

    async def __call__(self, method: TelegramMethod[T]) -> T:
        counted = method.__api_method__.lower() in _SENDING
        chat_id = getattr(method, "chat_id", None)
        for attempt in range(self.max_retries + 1):
            if counted:
                await self._pace(chat_id)
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
                if blocked and self.on_blocked is not None and isinstance(chat_id, int) and chat_id > 0:
                    await self.on_blocked(chat_id)
                raise
        raise AssertionError("unreachable")
