"""Approving due join requests: the `free.approvals` job (and the immediate approval of a
request with nothing to wait for).

Due rows are claimed in batches with `FOR UPDATE SKIP LOCKED` and a lease, approved
concurrently, and every outcome of a batch is stored, whatever one approval raised. A
rights error stops the batch and backs the rows off; any other failure retries its row
alone. Inside the 5-minute window the welcome goes out just before the approval.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.methods import ApproveChatJoinRequest, GetChatMember
from sqlalchemy import or_, select, update

from lucien.plugins.free.models import (
    APPROVED,
    GONE,
    PENDING,
    WELCOME_DUE,
    WELCOME_SENT,
    WELCOME_UNREACHABLE,
    FreeJoinRequest,
)
from lucien.plugins.free.services.common import (
    APPROVE_BATCH,
    APPROVE_CONCURRENCY,
    DM_WINDOW_S,
    LEASE,
    FreePart,
    Recipient,
    backoff,
    log,
)

if TYPE_CHECKING:
    from lucien.core.context import AppContext
    from lucien.plugins.free.services.channel import Channel
    from lucien.plugins.free.services.welcomes import Welcomes

_RIGHTS_ERRORS = ("CHAT_ADMIN_REQUIRED", "not enough rights", "chat not found", "RIGHT_FORBIDDEN")


def _rights_error(message: str) -> bool:
    lowered = message.lower()
    return any(marker.lower() in lowered for marker in _RIGHTS_ERRORS)


@dataclass(frozen=True)
class _Claimed:
    id: int
    chat_id: int
    user_id: int
    requested_at: datetime
    attempts: int
    welcome: str | None
    recipient: Recipient


class Approvals(FreePart):
    """Claims due requests, approves them, stores the outcomes."""

    def __init__(self, ctx: AppContext, welcomes: Welcomes, channel: Channel) -> None:
        super().__init__(ctx)
        self.welcomes = welcomes
        self.channel = channel

    async def approve_due(self, *, only_user: tuple[int, int] | None = None) -> int:
        """Approve every due request (the job); returns how many were approved.

        Claims batches until none is left, so a backlog of thousands drains in one run.
        """
        total = 0
        while True:
            claimed = await self._claim_due(only_user)
            if not claimed:
                return total
            approved, stop = await self._approve_batch(claimed)
            total += approved
            if stop or len(claimed) < APPROVE_BATCH or only_user is not None:
                return total

    async def _claim_due(self, only_user: tuple[int, int] | None) -> list[_Claimed]:
        """Lease a batch of due rows in one statement.

        `UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING`: replicas
        never wait on each other's rows, and the lease (`next_attempt_at`) keeps the rows
        off every other claim until it expires (a crashed replica's rows come back).
        """
        now = self.ctx.clock.now()
        due = (
            select(FreeJoinRequest.id)
            .where(
                FreeJoinRequest.status == PENDING,
                FreeJoinRequest.due_at <= now,
                or_(
                    FreeJoinRequest.next_attempt_at.is_(None),
                    FreeJoinRequest.next_attempt_at <= now,
                ),
            )
            .order_by(FreeJoinRequest.due_at)
            .limit(APPROVE_BATCH)
            .with_for_update(skip_locked=True)
        )
        if only_user is not None:
            due = due.where(
                FreeJoinRequest.chat_id == only_user[0], FreeJoinRequest.user_id == only_user[1]
            )
        T = FreeJoinRequest
        async with self.ctx.db.session() as s:
            result = await s.execute(
                update(T)
                .where(T.id.in_(due.scalar_subquery()))
                .values(next_attempt_at=now + LEASE)
                .returning(
                    T.id,
                    T.chat_id,
                    T.user_id,
                    T.requested_at,
                    T.attempts,
                    T.welcome,
                    T.first_name,
                    T.language_code,
                    T.due_at,
                )
                .execution_options(synchronize_session=False)
            )
            rows = sorted(result.all(), key=lambda r: r.due_at)
        return [
            _Claimed(
                r.id,
                r.chat_id,
                r.user_id,
                r.requested_at,
                r.attempts,
                r.welcome,
                Recipient(r.user_id, r.first_name, r.language_code),
            )
            for r in rows
        ]

    async def _approve_batch(self, claimed: list[_Claimed]) -> tuple[int, bool]:
        """Approve concurrently; returns (approved, stop) where stop means rights were lost."""
        gate = asyncio.Semaphore(APPROVE_CONCURRENCY)
        rights_lost = asyncio.Event()
        results: dict[int, tuple[str, str | None]] = {}

        async def one(row: _Claimed) -> None:
            async with gate:
                if rights_lost.is_set():
                    results[row.id] = ("rights", row.welcome)
                    return
                try:
                    outcome = await self._approve_one(row)
                except Exception:  # a bug or an outage: this row only, retried later
                    log.exception("approving %s failed; retrying later", row.user_id)
                    outcome = ("retry", row.welcome)
                if outcome[0] == "rights":
                    rights_lost.set()
                results[row.id] = outcome

        try:
            # return_exceptions: every task runs to its end before the outcomes are stored,
            # whatever one of them raises (none should: `one` maps errors to "retry").
            await asyncio.gather(*(one(row) for row in claimed), return_exceptions=True)
        finally:
            # Always store what happened (also when cancelled while approving): an approved
            # row left PENDING would be approved again when its lease ends, found missing
            # and recorded as gone, and its in-window welcome would be sent twice.
            for row in claimed:
                results.setdefault(row.id, ("retry", row.welcome))
            await self._store_outcomes(claimed, results)
        return sum(1 for o, _ in results.values() if o == APPROVED), rights_lost.is_set()

    async def _approve_one(self, row: _Claimed) -> tuple[str, str | None]:
        """(outcome, welcome status) for one request: approved / gone / rights / retry.

        Never raises for a Telegram or network failure: a 5xx, a timeout or a 429 that
        outlasted the sender's retries is "retry" (with the backoff), keeping the welcome
        already sent so that the retry does not send it again.
        """
        welcome = row.welcome
        now = self.ctx.clock.now()
        in_window = (now - row.requested_at).total_seconds() < DM_WINDOW_S
        if in_window and welcome is None:
            # After the approval Telegram would refuse a message to a user who never
            # started the bot; inside the window it is allowed, so welcome first.
            try:
                sent = await self.welcomes.welcome(row.recipient)
            except Exception as exc:  # 5xx, network: unknown; the welcome job tries later
                log.warning("welcoming %s failed: %r", row.user_id, exc)
            else:
                welcome = WELCOME_SENT if sent else WELCOME_UNREACHABLE
        try:
            await self.ctx.sender(ApproveChatJoinRequest(chat_id=row.chat_id, user_id=row.user_id))
        except TelegramBadRequest as exc:
            if "HIDE_REQUESTER_MISSING" in exc.message:
                # Withdrawn or gone; or approved by an earlier attempt whose answer was
                # lost (a timeout, a claim that crashed): Telegram no longer has the request.
                member = await self._is_member(row.chat_id, row.user_id)
                if member is None:
                    return "retry", welcome  # cannot tell now: ask again after the backoff
                return (APPROVED, welcome or WELCOME_DUE) if member else (GONE, welcome)
            if "USER_ALREADY_PARTICIPANT" in exc.message:
                return APPROVED, welcome or WELCOME_DUE  # approved by a claim that crashed
            if _rights_error(exc.message):
                return "rights", welcome
            log.warning("approving %s failed: %s; retrying later", row.user_id, exc.message)
            return "retry", welcome
        except TelegramForbiddenError:
            return "rights", welcome  # the bot was removed from the channel
        except Exception as exc:  # 5xx, network error, 429 after the sender's retries
            log.warning("approving %s failed: %r; retrying later", row.user_id, exc)
            return "retry", welcome
        return APPROVED, welcome or WELCOME_DUE

    async def _is_member(self, chat_id: int, user_id: int) -> bool | None:
        """Whether the user is in the channel now (None when Telegram cannot tell us)."""
        try:
            member = await self.ctx.sender(GetChatMember(chat_id=chat_id, user_id=user_id))
        except Exception as exc:
            log.info("could not check %s in %s: %r", user_id, chat_id, exc)
            return None
        if member.status == "restricted":
            return bool(getattr(member, "is_member", False))
        return member.status in ("member", "administrator", "creator")

    async def _store_outcomes(
        self, claimed: list[_Claimed], results: dict[int, tuple[str, str | None]]
    ) -> None:
        now = self.ctx.clock.now()
        by_id = {row.id: row for row in claimed}
        rights_failed = False
        async with self.ctx.db.session() as s:
            for outcome, welcome in set(results.values()):
                ids = [i for i, r in results.items() if r == (outcome, welcome)]
                values: dict[str, Any] = {"welcome": welcome}
                if outcome in (APPROVED, GONE):
                    values.update(status=outcome, handled_at=now, next_attempt_at=None)
                    await s.execute(
                        update(FreeJoinRequest)
                        .where(FreeJoinRequest.id.in_(ids))
                        .values(**values)
                        .execution_options(synchronize_session=False)
                    )
                    continue
                rights_failed = rights_failed or outcome == "rights"
                for i in ids:  # backoff depends on each row's attempts
                    attempts = by_id[i].attempts + 1
                    await s.execute(
                        update(FreeJoinRequest)
                        .where(FreeJoinRequest.id == i)
                        .values(
                            attempts=attempts, next_attempt_at=now + backoff(attempts), **values
                        )
                        .execution_options(synchronize_session=False)
                    )
        chats = {row.chat_id for row in claimed}
        if rights_failed:
            for chat_id in chats:
                await self.channel.rights_lost(chat_id)
        elif any(o == APPROVED for o, _ in results.values()):
            for chat_id in chats:
                await self.channel.rights_ok(chat_id)
