"""Broadcasts: an admin's message copied to an audience (everyone, VIP or free members the
bot has seen and not been blocked by), in a background task that reports its progress.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from aiogram.methods import CopyMessage, EditMessageText
from sqlalchemy import select

from lucien.core.db.models import User
from lucien.core.roles import resolve_role

if TYPE_CHECKING:
    from lucien.core.context import AppContext

log = logging.getLogger("lucien.admin")

EVERYONE = "all"


def audiences(ctx: AppContext) -> list[str]:
    """Who a broadcast may go to: everyone, or the users of one declared role."""
    return [EVERYONE, *ctx.roles.names]


class BroadcastService:
    """Copies an admin's message to an audience, in a background task, with progress."""

    PROGRESS_EVERY = 10

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self._tasks: set[asyncio.Task[Any]] = set()

    async def audience(self, audience: str) -> list[int]:
        """Users the bot has seen who did not block it, filtered by role (cached)."""
        async with self.ctx.db.session(readonly=True) as session:
            ids = list(
                await session.scalars(
                    select(User.id).where(User.blocked_bot.is_(False)).order_by(User.id)
                )
            )
        if audience == EVERYONE:
            return ids
        return [uid for uid in ids if await resolve_role(self.ctx, uid) == audience]

    def start(
        self,
        recipients: list[int],
        from_chat: int,
        message_id: int,
        progress_chat: int,
        progress_message: int,
        user: Any,
    ) -> asyncio.Task[Any]:
        """Send in the background so the admin's update is answered at once."""
        task = asyncio.create_task(
            self._run(recipients, from_chat, message_id, progress_chat, progress_message, user)
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _run(
        self,
        recipients: list[int],
        from_chat: int,
        message_id: int,
        progress_chat: int,
        progress_message: int,
        user: Any,
    ) -> tuple[int, int]:
        sent = failed = 0
        for i, uid in enumerate(recipients, 1):
            try:
                await self.ctx.sender(
                    CopyMessage(chat_id=uid, from_chat_id=from_chat, message_id=message_id)
                )
                sent += 1
            except TelegramForbiddenError:
                failed += 1
                await self.ctx.users.mark_blocked(uid)
            except TelegramAPIError as exc:
                failed += 1
                log.warning("broadcast to %s failed: %r", uid, exc)
            if i % self.PROGRESS_EVERY == 0 and i < len(recipients):
                text = await self.ctx.voice.say(
                    "broadcast.progress", user=user, sent=sent, total=len(recipients), failed=failed
                )
                await self._edit(progress_chat, progress_message, text)
        text = await self.ctx.voice.say("broadcast.sent", user=user, sent=sent, failed=failed)
        await self._edit(progress_chat, progress_message, text)
        log.info("broadcast finished: %s sent, %s failed", sent, failed)
        return sent, failed

    async def _edit(self, chat_id: int, message_id: int, text: str) -> None:
        try:
            await self.ctx.sender(
                EditMessageText(chat_id=chat_id, message_id=message_id, text=text)
            )
        except TelegramAPIError as exc:  # progress is a courtesy; never stop the broadcast
            log.warning("broadcast progress not shown: %r", exc)

    async def drain(self) -> None:
        """Wait for running broadcasts (shutdown, tests)."""
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


def broadcast_service(ctx: AppContext) -> BroadcastService:
    return ctx.service("admin.broadcast", BroadcastService)
