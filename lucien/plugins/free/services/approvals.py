"""Approving due join requests: the `free.approvals` job (and the immediate approval of a
request with nothing to wait for).

Due rows are claimed in batches with `FOR UPDATE SKIP LOCKED` and a lease, and handled
concurrently; each row's outcome is stored as soon as that row is done, in its own
transaction, together with the welcome it causes (queued in the core outbox under the
request's own key, see `welcomes.py`). A kill loses only the rows in flight: their lease
ends, they are claimed again, and the repeated approval is recognised (already a member,
or the request gone) without a second welcome. That is the whole design: per-row
transactions plus an idempotent outbox key; nothing is stored per batch.

Order within a row:

1. A row whose ban check did not pass at request time (the check failed, or the replica
   died first) is checked now: banned -> declined; already in the channel -> approved.
2. Inside Telegram's 5-minute window the welcome must come before the approval (Telegram
   refuses to write to a requester who never started the bot once the request is handled):
   it is queued (its own transaction, the row marked `queued`), made at once through the
   outbox, and the approval waits for it, a few seconds at a time, until the window ends.
3. The approval. Approved -> the row and its welcome (queued unless it was already) in
   one transaction. HIDE_REQUESTER_MISSING (withdrawn, or approved by an attempt whose
   answer was lost) -> the membership decides approved or gone; USER_ALREADY_PARTICIPANT
   -> approved. A rights error stops the batch's remaining approvals and backs the rows
   off (the admins are told once per outage by `channel.py`); any other failure (5xx,
   network, a 429 that outlasted the sender) backs off that row alone.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.methods import ApproveChatJoinRequest, DeclineChatJoinRequest, GetChatMember
from sqlalchemy import or_, select, update

from lucien.plugins.free.models import (
    APPROVED,
    DECLINED,
    GONE,
    PENDING,
    WELCOME_QUEUED,
    FreeJoinRequest,
)
from lucien.plugins.free.services.channel import presence
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
from lucien.plugins.free.services.welcomes import welcome_key

if TYPE_CHECKING:
    from sqlalchemy import CursorResult

    from lucien.core.context import AppContext
    from lucien.plugins.free.services.channel import Channel
    from lucien.plugins.free.services.welcomes import Welcomes

_RIGHTS_ERRORS = ("CHAT_ADMIN_REQUIRED", "not enough rights", "chat not found", "RIGHT_FORBIDDEN")
#: A welcome the outbox could not make at once (another replica holds it, or it waits out
#: a 5xx or 429): the approval looks again this much later, while the window lasts.
WELCOME_WAIT = timedelta(seconds=3)
# Outcomes that are not a final status: try again after the backoff, or after WELCOME_WAIT.
RETRY, RIGHTS, WAIT = "retry", "rights", "wait"


def _rights_error(message: str) -> bool:
    lowered = message.lower()
    return any(marker.lower() in lowered for marker in _RIGHTS_ERRORS)


@dataclass
class _Claimed:
    id: int
    chat_id: int
    user_id: int
    requested_at: datetime
    attempts: int
    welcome: str | None
    ban_checked: bool
    recipient: Recipient

    @property
    def welcome_key(self) -> str:
        return welcome_key(self.id, self.requested_at)


class Approvals(FreePart):
    """Claims due requests, approves them, stores each outcome with its welcome."""

    def __init__(self, ctx: AppContext, welcomes: Welcomes, channel: Channel) -> None:
        super().__init__(ctx)
        self.welcomes = welcomes
        self.channel = channel

    async def approve_due(
        self, *, only_user: tuple[int, int] | None = None, batches: int | None = None
    ) -> int:
        """Approve every due request (the job); returns how many were approved.

        Claims batches until none is left, so a backlog of thousands drains in one run;
        `batches` caps the run (an admin's "approve all" answers after one batch and leaves
        the rest, already due, to the job).
        """
        total, runs = 0, 0
        while True:
            claimed = await self._claim_due(only_user)
            if not claimed:
                return total
            approved, stop = await self._handle_batch(claimed)
            total += approved
            runs += 1
            if stop or len(claimed) < APPROVE_BATCH or only_user is not None:
                return total
            if batches is not None and runs >= batches:
                return total

    async def _claim_due(self, only_user: tuple[int, int] | None) -> list[_Claimed]:
        """Lease a batch of due rows in one statement.

        `UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING`: replicas
        never wait on each other's rows, and the lease (`next_attempt_at`) keeps the rows
        off every other claim until it expires (a crashed replica's rows come back).
        """
        now = self.ctx.clock.now()
        T = FreeJoinRequest
        due = (
            select(T.id)
            .where(
                T.status == PENDING,
                T.due_at <= now,
                or_(T.next_attempt_at.is_(None), T.next_attempt_at <= now),
            )
            .order_by(T.due_at)
            .limit(APPROVE_BATCH)
            .with_for_update(skip_locked=True)
        )
        if only_user is not None:
            due = due.where(T.chat_id == only_user[0], T.user_id == only_user[1])
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
                    T.ban_checked,
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
                r.ban_checked,
                Recipient(r.user_id, r.first_name, r.language_code),
            )
            for r in rows
        ]

    async def _handle_batch(self, claimed: list[_Claimed]) -> tuple[int, bool]:
        """Handle the rows concurrently, storing each when done; (approved, rights lost)."""
        gate = asyncio.Semaphore(APPROVE_CONCURRENCY)
        rights_lost = asyncio.Event()
        outcomes: dict[int, str] = {}

        async def one(row: _Claimed) -> None:
            async with gate:
                if rights_lost.is_set():
                    outcome = RIGHTS
                else:
                    try:
                        outcome = await self._handle(row)
                    except Exception:  # a bug or an outage: this row only, retried later
                        log.exception("approving %s failed; retrying later", row.user_id)
                        outcome = RETRY
                if outcome == RIGHTS:
                    rights_lost.set()
                await self._store(row, outcome)
                outcomes[row.id] = outcome

        # Every row runs to its end (its outcome stored) whatever another one raises; the
        # first error (the database went away) is then the job loop's to report.
        results = await asyncio.gather(*(one(row) for row in claimed), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result
        chats = {row.chat_id for row in claimed}
        if rights_lost.is_set():
            for chat_id in chats:
                await self.channel.rights_lost(chat_id)
        elif APPROVED in outcomes.values():
            for chat_id in chats:
                await self.channel.rights_ok(chat_id)
        return sum(1 for o in outcomes.values() if o == APPROVED), rights_lost.is_set()

    async def _handle(self, row: _Claimed) -> str:
        """One request's outcome: approved / gone / declined / rights / retry / wait.

        Never raises for a Telegram or network failure (those are "retry", with the
        backoff); a database failure propagates and the row comes back with its lease.
        """
        if not row.ban_checked:
            try:
                status = await self._member_status(row.chat_id, row.user_id)
            except (TelegramBadRequest, TelegramForbiddenError) as exc:
                if isinstance(exc, TelegramForbiddenError) or _rights_error(exc.message):
                    return RIGHTS
                status = "out"  # Telegram will not say: the approval itself will tell
            except Exception as exc:  # 5xx, network: check again after the backoff
                log.info("could not check %s: %r; retrying later", row.user_id, exc)
                return RETRY
            if status == "kicked":
                return await self._decline(row)
            row.ban_checked = True
            if status == "in":
                return APPROVED  # let in meanwhile (an attempt whose answer was lost)
        if self._in_window(row):
            if row.welcome is None:
                await self._queue_welcome(row)
            if row.welcome == WELCOME_QUEUED and not await self.welcomes.deliver(row.welcome_key):
                if self._in_window(row):
                    return WAIT  # the welcome must reach them before the approval
        return await self._approve(row)

    def _in_window(self, row: _Claimed) -> bool:
        elapsed = (self.ctx.clock.now() - row.requested_at).total_seconds()
        return elapsed < DM_WINDOW_S

    async def _approve(self, row: _Claimed) -> str:
        try:
            await self.ctx.sender(ApproveChatJoinRequest(chat_id=row.chat_id, user_id=row.user_id))
        except TelegramBadRequest as exc:
            if "HIDE_REQUESTER_MISSING" in exc.message:
                # Withdrawn or gone; or approved by an earlier attempt whose answer was
                # lost (a timeout, a claim that crashed): Telegram no longer has the request.
                try:
                    status = await self._member_status(row.chat_id, row.user_id)
                except Exception as lookup:  # cannot tell now: ask again after the backoff
                    log.info("could not check %s: %r; retrying later", row.user_id, lookup)
                    return RETRY
                return APPROVED if status == "in" else GONE
            if "USER_ALREADY_PARTICIPANT" in exc.message:
                return APPROVED  # approved by a claim that crashed
            if _rights_error(exc.message):
                return RIGHTS
            log.warning("approving %s failed: %s; retrying later", row.user_id, exc.message)
            return RETRY
        except TelegramForbiddenError:
            return RIGHTS  # the bot was removed from the channel
        except Exception as exc:  # 5xx, network error, 429 after the sender's retries
            log.warning("approving %s failed: %r; retrying later", row.user_id, exc)
            return RETRY
        return APPROVED

    async def _decline(self, row: _Claimed) -> str:
        """A banned user's request (the ban check ran late): declined, or retried."""
        try:
            await self.ctx.sender(DeclineChatJoinRequest(chat_id=row.chat_id, user_id=row.user_id))
        except TelegramBadRequest as exc:
            if _rights_error(exc.message):
                return RIGHTS
            # HIDE_REQUESTER_MISSING: withdrawn, or declined by a lost attempt: done.
        except TelegramForbiddenError:
            return RIGHTS
        except Exception as exc:
            log.warning("declining %s failed: %r; retrying later", row.user_id, exc)
            return RETRY
        row.ban_checked = True
        return DECLINED

    async def _member_status(self, chat_id: int, user_id: int) -> str:
        """ "in" (a member), "kicked" or "out"; raises what Telegram raised."""
        return presence(await self.ctx.sender(GetChatMember(chat_id=chat_id, user_id=user_id)))

    async def _queue_welcome(self, row: _Claimed) -> None:
        """Queue the welcome that must precede the approval (the row marked `queued`)."""
        welcome = await self.welcomes.message(row.recipient, row.chat_id)
        T = FreeJoinRequest
        async with self.ctx.db.session() as s:
            marked = await s.execute(
                update(T)
                .where(T.id == row.id, T.status == PENDING, T.welcome.is_(None))
                .values(welcome=WELCOME_QUEUED, ban_checked=row.ban_checked)
                .execution_options(synchronize_session=False)
            )
            if cast("CursorResult[Any]", marked).rowcount:
                await self.welcomes.enqueue(s, row.welcome_key, welcome)
        row.welcome = WELCOME_QUEUED

    async def _store(self, row: _Claimed, outcome: str) -> None:
        """Store one row's outcome; an approval queues its welcome in the same transaction."""
        now = self.ctx.clock.now()
        # Queued unless it was already (in the window), or sent by an earlier version.
        welcome = outcome == APPROVED and row.welcome is None
        message = await self.welcomes.message(row.recipient, row.chat_id) if welcome else None
        values: dict[str, Any] = {"ban_checked": row.ban_checked}
        if outcome in (APPROVED, GONE, DECLINED):
            values.update(status=outcome, handled_at=now, next_attempt_at=None)
            if welcome:
                values["welcome"] = WELCOME_QUEUED
        elif outcome == WAIT:
            values["next_attempt_at"] = now + WELCOME_WAIT
        else:  # RETRY, RIGHTS: backoff depends on the row's attempts
            values.update(
                attempts=row.attempts + 1, next_attempt_at=now + backoff(row.attempts + 1)
            )
        T = FreeJoinRequest
        async with self.ctx.db.session() as s:
            stored = await s.execute(
                update(T)
                .where(T.id == row.id, T.status == PENDING)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            if message is not None and cast("CursorResult[Any]", stored).rowcount:
                await self.welcomes.enqueue(s, row.welcome_key, message)
