"""Receiving join requests and reading them back: one row per channel and user, recorded
with its due time before anything else, the user told the wait and the creator's social
links at once (Telegram lets the bot write to a requester only within 5 minutes), and the
counts health reads.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import DeclineChatJoinRequest, GetChatMember
from sqlalchemy import func, select, update

from lucien.core.db import upsert
from lucien.plugins.free.keyboards import social_markup
from lucien.plugins.free.models import APPROVED, DECLINED, PENDING, WELCOME_DUE, FreeJoinRequest
from lucien.plugins.free.services.common import FreePart, FreeSettings, Recipient, log
from lucien.plugins.free.services.welcomes import WELCOME_PREFIX

if TYPE_CHECKING:
    from aiogram.types import ChatJoinRequest, InlineKeyboardMarkup
    from sqlalchemy import CursorResult

    from lucien.core.context import AppContext
    from lucien.core.plugin import Role
    from lucien.plugins.free.services.approvals import Approvals


@dataclass(frozen=True)
class Received:
    """What `receive` did with a request: `outcome` is new / pending / approved / declined."""

    outcome: str
    due_at: datetime | None = None


def minutes_until(due: datetime, now: datetime) -> int:
    """Whole minutes left, rounded up, never below one (a wait is never "0 minutes")."""
    return max(1, math.ceil((due - now).total_seconds() / 60))


def wait_key(
    cfg: FreeSettings, *, pending: bool, due: datetime, now: datetime
) -> tuple[str, dict[str, Any]]:
    """What the requester is told, and its values: the many requests being attended; the
    exact wait unless the `show_wait` setting withholds it; the creator's networks to follow
    meanwhile when there are some (their buttons go under the message)."""
    shown = bool(cfg.show_wait)
    if pending:  # asked again while waiting: the time left (the first wait still runs)
        if shown:
            return "free.request.pending", {"minutes_left": minutes_until(due, now)}
        return "free.request.pending_unhurried", {}
    key = "free.request.received" if shown else "free.request.received_unhurried"
    if not cfg.social_links:
        key += "_no_links"
    return key, ({"wait_minutes": cfg.wait_minutes} if shown else {})


@dataclass(frozen=True)
class Standing:
    """A user at the door: `where` is member / banned / pending / outside."""

    where: str
    due_at: datetime | None = None


class Requests(FreePart):
    """Recording a join request and answering its user; reading requests back."""

    def __init__(self, ctx: AppContext, approvals: Approvals) -> None:
        super().__init__(ctx)
        self.approvals = approvals

    async def receive(self, request: ChatJoinRequest, role: Role | None) -> Received:
        """Record a join request, then check the ban, answer the user, approve at once when
        there is nothing to wait for.

        The row comes first: until it is committed nothing is sent, and a failure (the
        database is down) propagates so the core answers Telegram with a retryable status.
        Once it is committed no Bot API failure escapes: a ban check that failed leaves the
        row unchecked (the approvals job checks it), a message that failed is only logged,
        and the job approves the request after the wait.
        """
        cfg = await self.settings()
        user = request.from_user
        chat_id = request.chat.id
        now = self.ctx.clock.now()
        immediate = role in ("vip", "admin") and cfg.approve_vip_immediately
        due = now + timedelta(minutes=0 if immediate else cfg.wait_minutes)
        outcome, row_due, checked = await self._record(chat_id, user, now, due)
        recipient = Recipient(user.id, user.first_name, user.language_code, user.username)
        banned = await self._is_banned(chat_id, user.id)
        if banned:
            # Told before the decline: Telegram lets the bot write to a requester who never
            # started it only while the request is pending.
            await self._tell(request, "free.request.refused", recipient)
            if await self._decline(chat_id, user.id):
                await self._settle_check(chat_id, user.id, declined_at=now)
            return Received(DECLINED)  # a decline that failed is the job's to retry
        if banned is False and not checked:
            await self._settle_check(chat_id, user.id)
        if row_due <= now:
            # Nothing to wait for: approve (and welcome) from here rather than a job tick.
            await self.approvals.approve_due(only_user=(chat_id, user.id))
            return Received(APPROVED, row_due)
        key, values = wait_key(cfg, pending=outcome == "pending", due=row_due, now=now)
        await self._tell(request, key, recipient, social_markup(cfg.social_links), **values)
        return Received(outcome, row_due)

    async def _tell(
        self,
        request: ChatJoinRequest,
        key: str,
        recipient: Recipient,
        markup: InlineKeyboardMarkup | None = None,
        **values: Any,
    ) -> None:
        """Say `key` to the requester now (the row is safe: a failure is only logged)."""
        try:
            text = await self.ctx.voice.say(key, user=recipient, **values)
            await self._dm(request.user_chat_id, text, markup)
        except Exception as exc:  # 5xx, network, 429 past the retries
            log.warning("could not tell %s (%s): %r", recipient.id, key, exc)

    async def _is_banned(self, chat_id: int, user_id: int) -> bool | None:
        """A user the channel banned (Telegram normally stops them earlier; be sure); None
        when Telegram cannot tell us now (rights, 5xx, network): the job checks later."""
        try:
            member = await self.ctx.sender(GetChatMember(chat_id=chat_id, user_id=user_id))
        except Exception as exc:
            log.info("could not check %s in %s: %r", user_id, chat_id, exc)
            return None
        return member.status == "kicked"

    async def _decline(self, chat_id: int, user_id: int) -> bool:
        """Decline a banned user's request; False when it failed for now (the job retries)."""
        try:
            await self.ctx.sender(DeclineChatJoinRequest(chat_id=chat_id, user_id=user_id))
        except TelegramBadRequest as exc:
            # Gone already (withdrawn, or declined by an earlier delivery of this update).
            log.info("could not decline banned user %s: %s", user_id, exc.message)
        except Exception as exc:
            log.warning("declining banned user %s failed: %r; the job retries", user_id, exc)
            return False
        return True

    async def _settle_check(
        self, chat_id: int, user_id: int, *, declined_at: datetime | None = None
    ) -> None:
        """Store a passed ban check, or the decline of a banned user's pending request."""
        T = FreeJoinRequest
        values: dict[str, Any] = {"ban_checked": True}
        if declined_at is not None:
            values.update(status=DECLINED, handled_at=declined_at, next_attempt_at=None)
        async with self.ctx.db.session() as s:
            await s.execute(
                update(T)
                .where(T.chat_id == chat_id, T.user_id == user_id, T.status == PENDING)
                .values(**values)
                .execution_options(synchronize_session=False)
            )

    async def _record(
        self, chat_id: int, user: Any, now: datetime, due: datetime
    ) -> tuple[str, datetime, bool]:
        """Insert or refresh the row: (outcome, its due, whether its ban check passed);
        the outcome is "pending" when one was already waiting, "new" otherwise.

        The unit of work starts with the INSERT (ON CONFLICT DO NOTHING): of two concurrent
        first requests for the same pair one inserts, the other finds the row and locks it.
        """
        async with self.ctx.db.session() as s:
            values = {
                "chat_id": chat_id,
                "user_id": user.id,
                "first_name": user.first_name,
                "language_code": user.language_code,
                "status": PENDING,
                "requested_at": now,
                "due_at": due,
                "attempts": 0,
                "times_requested": 1,
                "ban_checked": False,
            }
            stmt = upsert(s, FreeJoinRequest, values, conflict=["chat_id", "user_id"])
            # An INSERT's result is a CursorResult: rowcount 0 when the row was there already.
            inserted = cast("CursorResult[Any]", await s.execute(stmt))
            if inserted.rowcount == 1:
                return "new", due, False
            row = await s.scalar(
                select(FreeJoinRequest)
                .where(FreeJoinRequest.chat_id == chat_id, FreeJoinRequest.user_id == user.id)
                .with_for_update()
            )
            assert row is not None
            row.times_requested += 1
            row.first_name, row.language_code = user.first_name, user.language_code
            if row.status == PENDING:
                # Asking again does not restart the wait (a VIP may shorten it).
                if due < row.due_at:
                    row.due_at = due
                return "pending", row.due_at, row.ban_checked
            row.status, row.requested_at, row.due_at = PENDING, now, due
            row.attempts, row.next_attempt_at, row.welcome = 0, None, None
            row.handled_at, row.ban_checked = None, False
            return "new", due, False

    async def standing(self, chat_id: int, user_id: int) -> Standing:
        """Where a user stands at the channel's door (the vestibule screen says it): inside,
        banned, waiting (until when), or outside. Telegram's word on membership first; when
        it cannot answer now, the stored request alone decides."""
        presence = await self.approvals.channel.presence_of(chat_id, user_id)
        if presence == "in":
            return Standing("member")
        if presence == "kicked":
            return Standing("banned")
        row = await self.request_of(chat_id, user_id)
        if row is not None and row.status == PENDING:
            return Standing("pending", row.due_at)
        return Standing("outside")

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
    """Work waiting now (diagnostics shows it beside the jobs): due approvals, and welcomes
    not made yet (in the outbox, or owed by rows from before the outbox)."""
    now = ctx.clock.now()
    async with ctx.db.session(readonly=True) as s:
        approvals = await s.scalar(
            select(func.count())
            .select_from(FreeJoinRequest)
            .where(FreeJoinRequest.status == PENDING, FreeJoinRequest.due_at <= now)
        )
        owed = await s.scalar(
            select(func.count())
            .select_from(FreeJoinRequest)
            .where(FreeJoinRequest.welcome == WELCOME_DUE)
        )
        queued = await ctx.outbox.pending(WELCOME_PREFIX, session=s)
    return {"free.approvals": int(approvals or 0), "free.welcomes": int(owed or 0) + len(queued)}
