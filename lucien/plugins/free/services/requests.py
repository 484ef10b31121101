"""Receiving join requests and reading them back: one row per channel and user, recorded
with its due time, the user told the wait and the creator's social links at once (Telegram
lets the bot write to a requester only within 5 minutes), and the counts health reads.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.methods import DeclineChatJoinRequest, GetChatMember
from sqlalchemy import func, select

from lucien.core.db import upsert
from lucien.plugins.free.models import APPROVED, DECLINED, PENDING, WELCOME_DUE, FreeJoinRequest
from lucien.plugins.free.services.common import FreePart, Recipient, log

if TYPE_CHECKING:
    from aiogram.types import ChatJoinRequest
    from sqlalchemy import CursorResult

    from lucien.core.context import AppContext
    from lucien.core.plugin import Role
    from lucien.plugins.free.services.approvals import Approvals


@dataclass(frozen=True)
class Received:
    """What `receive` did with a request: `outcome` is new / pending / approved / declined."""

    outcome: str
    due_at: datetime | None = None


class Requests(FreePart):
    """Recording a join request and answering its user; reading requests back."""

    def __init__(self, ctx: AppContext, approvals: Approvals) -> None:
        super().__init__(ctx)
        self.approvals = approvals

    async def receive(self, request: ChatJoinRequest, role: Role | None) -> Received:
        """Record a join request, answer the user, approve at once when nothing to wait."""
        cfg = await self.settings()
        user = request.from_user
        chat_id = request.chat.id
        now = self.ctx.clock.now()
        if await self._is_banned(chat_id, user.id):
            await self._decline(chat_id, user.id)
            await self._record(chat_id, user, now, now, status=DECLINED)
            return Received(DECLINED)
        immediate = role in ("vip", "admin") and cfg.approve_vip_immediately
        due = now + timedelta(minutes=0 if immediate else cfg.wait_minutes)
        outcome, row_due = await self._record(chat_id, user, now, due)
        if row_due <= now:
            # Nothing to wait for: approve (and welcome) from here rather than a job tick.
            await self.approvals.approve_due(only_user=(chat_id, user.id))
            return Received(APPROVED, row_due)
        recipient = Recipient(user.id, user.first_name, user.language_code, user.username)
        if outcome == "pending":
            minutes_left = max(1, math.ceil((row_due - now).total_seconds() / 60))
            text = await self.ctx.voice.say(
                "free.request.pending", user=recipient, minutes_left=minutes_left
            )
        elif cfg.social_links:
            text = await self.ctx.voice.say(
                "free.request.received",
                user=recipient,
                wait_minutes=cfg.wait_minutes,
                links="\n".join(cfg.social_links),
            )
        else:
            text = await self.ctx.voice.say(
                "free.request.received_no_links", user=recipient, wait_minutes=cfg.wait_minutes
            )
        await self._dm(request.user_chat_id, text)
        return Received(outcome, row_due)

    async def _is_banned(self, chat_id: int, user_id: int) -> bool:
        """A user the channel banned: Telegram normally stops them earlier; be sure."""
        try:
            member = await self.ctx.sender(GetChatMember(chat_id=chat_id, user_id=user_id))
        except (TelegramBadRequest, TelegramForbiddenError):
            return False  # cannot tell (rights): the approval path handles that outage
        return member.status == "kicked"

    async def _decline(self, chat_id: int, user_id: int) -> None:
        try:
            await self.ctx.sender(DeclineChatJoinRequest(chat_id=chat_id, user_id=user_id))
        except (TelegramBadRequest, TelegramForbiddenError) as exc:
            log.info("could not decline banned user %s: %s", user_id, exc)

    async def _record(
        self, chat_id: int, user: Any, now: datetime, due: datetime, *, status: str = PENDING
    ) -> tuple[str, datetime]:
        """Insert or refresh the row; ("pending", its due) when one is already waiting.

        The unit of work starts with the INSERT (ON CONFLICT DO NOTHING): of two concurrent
        first requests for the same pair one inserts, the other finds the row and locks it.
        """
        handled = now if status != PENDING else None
        async with self.ctx.db.session() as s:
            values = {
                "chat_id": chat_id,
                "user_id": user.id,
                "first_name": user.first_name,
                "language_code": user.language_code,
                "status": status,
                "requested_at": now,
                "due_at": due,
                "attempts": 0,
                "times_requested": 1,
                "handled_at": handled,
            }
            stmt = upsert(s, FreeJoinRequest, values, conflict=["chat_id", "user_id"])
            # An INSERT's result is a CursorResult: rowcount 0 when the row was there already.
            inserted = cast("CursorResult[Any]", await s.execute(stmt))
            if inserted.rowcount == 1:
                return "new", due
            row = await s.scalar(
                select(FreeJoinRequest)
                .where(FreeJoinRequest.chat_id == chat_id, FreeJoinRequest.user_id == user.id)
                .with_for_update()
            )
            assert row is not None
            row.times_requested += 1
            row.first_name, row.language_code = user.first_name, user.language_code
            if row.status == PENDING and status == PENDING:
                # Asking again does not restart the wait (a VIP may shorten it).
                if due < row.due_at:
                    row.due_at = due
                return "pending", row.due_at
            row.status, row.requested_at, row.due_at = status, now, due
            row.attempts, row.next_attempt_at, row.welcome = 0, None, None
            row.handled_at = handled
            return "new", due

    async def request_of(self, chat_id: int, user_id: int) -> FreeJoinRequest | None:
        """The stored request of a user (tests, diagnostics)."""
        async with self.ctx.db.session(readonly=True) as s:
            return await s.scalar(
                select(FreeJoinRequest).where(
                    FreeJoinRequest.chat_id == chat_id, FreeJoinRequest.user_id == user_id
                )
            )

    async def counts(self) -> dict[str, int]:
        """Rows per status (health, tests, the benchmark)."""
        async with self.ctx.db.session(readonly=True) as s:
            rows = await s.execute(
                select(FreeJoinRequest.status, func.count()).group_by(FreeJoinRequest.status)
            )
            return {status: n for status, n in rows}


async def queue_depths(ctx: AppContext) -> dict[str, int]:
    """Rows each job would take now (diagnostics shows them beside the jobs)."""
    now = ctx.clock.now()
    async with ctx.db.session(readonly=True) as s:
        approvals = await s.scalar(
            select(func.count())
            .select_from(FreeJoinRequest)
            .where(FreeJoinRequest.status == PENDING, FreeJoinRequest.due_at <= now)
        )
        welcomes = await s.scalar(
            select(func.count())
            .select_from(FreeJoinRequest)
            .where(FreeJoinRequest.welcome == WELCOME_DUE)
        )
    return {"free.approvals": int(approvals or 0), "free.welcomes": int(welcomes or 0)}
