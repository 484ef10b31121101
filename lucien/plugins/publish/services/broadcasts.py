"""Durable broadcasts: recipients as rows, sent by the job of every replica.

The life of a broadcast:

1. The admin confirms (or its scheduled time comes): one transaction writes the broadcast
   `sending` and one `pending` row per recipient (`start` / `start_due`).
2. The job `publish.broadcasts` of every replica claims `CHUNK` pending rows of sending
   broadcasts (`FOR UPDATE SKIP LOCKED`, then a lease), copies the message to each through
   the shared sender (Telegram's pace, across replicas) and marks each row `sent`,
   `blocked` (403) or `failed` with the reason as soon as Telegram answered. A passing
   failure (5xx, network) gives the row back with a back-off, `MAX_ATTEMPTS` times.
3. A replica killed mid-chunk keeps its rows until the lease ends (`LEASE_S`); then any
   replica claims them again: only the sends in flight at the kill may reach someone twice.
4. The admin's progress message is edited every `PROGRESS_EVERY_S` by whichever replica
   wins a conditional update of `progress_at`; pause, resume and cancel act on the row's
   status, which every claim checks, so the chunks already in flight are the last.
5. When no row is pending, one replica marks the broadcast `done` and, in the same
   transaction, queues the final counts in the outbox (they are never lost).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramForbiddenError
from aiogram.methods import CopyMessage, CopyMessages, EditMessageText, SendMessage
from sqlalchemy import exists, func, insert, or_, select, update

from lucien.core.db.models import User
from lucien.core.effects import is_transient
from lucien.core.outbox import OutboxCall
from lucien.core.roles import resolve_role
from lucien.plugins.publish.models import Broadcast, BroadcastRecipient, as_ids
from lucien.plugins.publish.services.common import (
    BACKOFF_S,
    BLOCKED,
    CANCELLED,
    CHUNK,
    DONE,
    EVERYONE,
    FAILED,
    LEASE_S,
    MAX_ATTEMPTS,
    PAUSED,
    PENDING,
    PROGRESS_EVERY_S,
    RUN_BUDGET_S,
    SCHEDULED,
    SENDING,
    SENT,
    START_BATCH,
)

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from lucien.core.context import AppContext

log = logging.getLogger("lucien.publish")
B, R = Broadcast, BroadcastRecipient


@dataclass(frozen=True)
class Counts:
    """Where a broadcast stands: its rows by status."""

    total: int
    sent: int
    blocked: int
    failed: int

    @property
    def pending(self) -> int:
        return self.total - self.sent - self.blocked - self.failed


@dataclass(frozen=True)
class BroadcastView:
    """A broadcast as screens show it."""

    id: int
    status: str
    audience: str
    active_days: int | None
    scheduled_at: datetime | None
    created_by: int
    source_chat_id: int
    source_message_ids: list[int]
    progress_chat_id: int | None
    progress_message_id: int | None
    locale: str | None
    counts: Counts


@dataclass(frozen=True)
class _Claimed:
    id: int
    broadcast_id: int
    user_id: int
    attempts: int


class Broadcasts:
    """Creating, scheduling, sending and steering broadcasts (module docstring)."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.replica = uuid.uuid4().hex[:16]
        # Called with a BroadcastView whenever its progress message should change; the
        # handlers' module sets it (the texts and buttons live there).
        self.render: Any = None
        self._sources: dict[int, tuple[int, list[int]]] = {}  # a source never changes

    # -- audiences ----------------------------------------------------------------------

    async def audience(self, audience: str, active_days: int | None = None) -> list[int]:
        """Users the bot may write to (not blocked, by them or by an admin), by role,
        optionally only those seen within `active_days`."""
        query = select(User.id).where(User.blocked_bot.is_(False), User.blocked_at.is_(None))
        if active_days:
            since = self.ctx.clock.now() - timedelta(days=active_days)
            query = query.where(User.last_seen >= since)
        async with self.ctx.db.session(readonly=True) as session:
            ids = list(await session.scalars(query.order_by(User.id)))
        if audience == EVERYONE:
            return ids
        return [uid for uid in ids if await resolve_role(self.ctx, uid) == audience]

    # -- creating -----------------------------------------------------------------------

    async def create(
        self,
        *,
        admin_id: int,
        locale: str | None,
        audience: str,
        active_days: int | None,
        source_chat_id: int,
        source_message_ids: list[int],
        scheduled_at: datetime | None = None,
        progress: tuple[int, int] | None = None,
    ) -> BroadcastView:
        """A broadcast now (its recipients written with it) or at `scheduled_at`."""
        now = self.ctx.clock.now()
        recipients = [] if scheduled_at else await self.audience(audience, active_days)
        async with self.ctx.db.session() as s:
            row = B(
                created_by=admin_id,
                created_at=now,
                audience=audience,
                active_days=active_days,
                source_chat_id=source_chat_id,
                source_message_ids=list(source_message_ids),
                status=SCHEDULED if scheduled_at else SENDING,
                scheduled_at=scheduled_at,
                started_at=None if scheduled_at else now,
                total=len(recipients),
                progress_chat_id=progress[0] if progress else None,
                progress_message_id=progress[1] if progress else None,
                locale=locale,
            )
            s.add(row)
            await s.flush()
            await self._write_recipients(s, row.id, recipients)
            broadcast_id = row.id
        view = await self.view(broadcast_id)
        assert view is not None
        return view

    async def _write_recipients(self, s: AsyncSession, broadcast_id: int, ids: list[int]) -> None:
        for start in range(0, len(ids), 1000):  # bounded statements for 10,000 people
            await s.execute(
                insert(R),
                [
                    {"broadcast_id": broadcast_id, "user_id": uid, "status": PENDING, "attempts": 0}
                    for uid in ids[start : start + 1000]
                ],
            )

    async def set_progress_message(self, broadcast_id: int, chat_id: int, message_id: int) -> None:
        async with self.ctx.db.session() as s:
            await s.execute(
                update(B)
                .where(B.id == broadcast_id)
                .values(progress_chat_id=chat_id, progress_message_id=message_id)
            )

    async def start_due(self) -> list[int]:
        """Start the scheduled broadcasts whose time came (each once, on one replica)."""
        now = self.ctx.clock.now()
        started: list[int] = []
        async with self.ctx.db.session() as s:
            due = list(
                await s.scalars(
                    select(B)
                    .where(B.status == SCHEDULED, B.scheduled_at <= now)
                    .order_by(B.scheduled_at)
                    .limit(START_BATCH)
                    .with_for_update(skip_locked=True)
                )
            )
            for row in due:
                ids = await self.audience(row.audience, row.active_days)
                await self._write_recipients(s, row.id, ids)
                row.status, row.started_at, row.total = SENDING, now, len(ids)
                started.append(row.id)
        for broadcast_id in started:
            log.info("scheduled broadcast %s started", broadcast_id)
            view = await self.view(broadcast_id)
            if view is not None and self.render is not None:
                await self._announce(view)
        return started

    async def _announce(self, view: BroadcastView) -> None:
        """A scheduled broadcast's progress message, sent to its admin when it starts."""
        text, markup = await self.render(view)
        try:
            message = await self.ctx.bot(
                SendMessage(chat_id=view.created_by, text=text, reply_markup=markup)
            )
        except TelegramAPIError as exc:  # the final counts still come, through the outbox
            log.warning("broadcast %s: progress message not sent (%r)", view.id, exc)
            return
        await self.set_progress_message(view.id, message.chat.id, message.message_id)

    # -- reading ------------------------------------------------------------------------

    async def counts(self, broadcast_id: int, s: AsyncSession | None = None) -> Counts:
        query = (
            select(R.status, func.count()).where(R.broadcast_id == broadcast_id).group_by(R.status)
        )
        if s is None:
            async with self.ctx.db.session(readonly=True) as own:
                rows = (await own.execute(query)).all()
        else:
            rows = (await s.execute(query)).all()
        by = {status: n for status, n in rows}
        return Counts(sum(by.values()), by.get(SENT, 0), by.get(BLOCKED, 0), by.get(FAILED, 0))

    async def view(self, broadcast_id: int) -> BroadcastView | None:
        async with self.ctx.db.session(readonly=True) as s:
            row = await s.get(B, broadcast_id)
            if row is None:
                return None
            counts = await self.counts(broadcast_id, s)
        return _view(row, counts)

    async def scheduled(self) -> list[BroadcastView]:
        async with self.ctx.db.session(readonly=True) as s:
            rows = await s.scalars(
                select(B).where(B.status == SCHEDULED).order_by(B.scheduled_at, B.id)
            )
            return [_view(row, Counts(0, 0, 0, 0)) for row in rows]

    async def running(self) -> list[BroadcastView]:
        """Broadcasts sending or paused (the dashboard's and /diag's figure)."""
        async with self.ctx.db.session(readonly=True) as s:
            ids = list(await s.scalars(select(B.id).where(B.status.in_((SENDING, PAUSED)))))
        views = [await self.view(i) for i in ids]
        return [v for v in views if v is not None]

    # -- steering -----------------------------------------------------------------------

    async def set_status(self, broadcast_id: int, action: str) -> BroadcastView | None:
        """pause, resume, cancel or reschedule-cancel; None when the broadcast is not in a
        state the action applies to (already done, cancelled, or another admin's press)."""
        allowed = {
            "pause": ((SENDING,), PAUSED),
            "resume": ((PAUSED,), SENDING),
            "cancel": ((SENDING, PAUSED, SCHEDULED), CANCELLED),
        }[action]
        now = self.ctx.clock.now()
        values: dict[str, Any] = {"status": allowed[1]}
        if allowed[1] == CANCELLED:
            values["finished_at"] = now
        async with self.ctx.db.session() as s:
            result: Any = await s.execute(
                update(B).where(B.id == broadcast_id, B.status.in_(allowed[0])).values(**values)
            )
            if result.rowcount != 1:
                return None
        return await self.view(broadcast_id)

    async def reschedule(self, broadcast_id: int, when: datetime) -> bool:
        async with self.ctx.db.session() as s:
            result: Any = await s.execute(
                update(B)
                .where(B.id == broadcast_id, B.status == SCHEDULED)
                .values(scheduled_at=when)
            )
            return bool(result.rowcount == 1)

    # -- the job ------------------------------------------------------------------------

    async def run_job(self) -> int:
        """One tick: start what is due, send chunks for up to `RUN_BUDGET_S`, show
        progress, finish what has no recipient left. Returns the rows handled."""
        await self.start_due()
        handled = 0
        deadline = time.monotonic() + RUN_BUDGET_S
        while time.monotonic() < deadline:
            rows = await self._claim(CHUNK)
            if not rows:
                break
            await asyncio.gather(*(self._send(row) for row in rows))
            handled += len(rows)
            for broadcast_id in {row.broadcast_id for row in rows}:
                await self._progress(broadcast_id)
        await self._finish_done()
        return handled

    async def _claim(self, limit: int) -> list[_Claimed]:
        now = self.ctx.clock.now()
        sending = select(B.id).where(B.status == SENDING).scalar_subquery()
        due = (
            select(R.id)
            .where(
                R.broadcast_id.in_(sending),
                R.status == PENDING,
                or_(R.claimed_until.is_(None), R.claimed_until <= now),
            )
            .order_by(R.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        async with self.ctx.db.session() as s:
            result = await s.execute(
                update(R)
                .where(R.id.in_(due.scalar_subquery()))
                .values(claimed_by=self.replica, claimed_until=now + timedelta(seconds=LEASE_S))
                .returning(R.id, R.broadcast_id, R.user_id, R.attempts)
                .execution_options(synchronize_session=False)
            )
            rows = result.all()
        return [_Claimed(r.id, r.broadcast_id, r.user_id, r.attempts) for r in rows]

    async def _source(self, broadcast_id: int) -> tuple[int, list[int]]:
        cached = self._sources.get(broadcast_id)
        if cached is not None:
            return cached
        async with self.ctx.db.session(readonly=True) as s:
            row = (
                await s.execute(
                    select(B.source_chat_id, B.source_message_ids).where(B.id == broadcast_id)
                )
            ).one()
        value = self._sources[broadcast_id] = (int(row[0]), as_ids(row[1]))
        if len(self._sources) > 1000:  # finished broadcasts' entries
            self._sources.pop(next(iter(self._sources)))
        return value

    async def _send(self, row: _Claimed) -> None:
        chat_id, message_ids = await self._source(row.broadcast_id)
        status, error, retry = SENT, None, False
        try:
            if len(message_ids) == 1:
                await self.ctx.sender(
                    CopyMessage(
                        chat_id=row.user_id, from_chat_id=chat_id, message_id=message_ids[0]
                    )
                )
            else:
                await self.ctx.sender(
                    CopyMessages(chat_id=row.user_id, from_chat_id=chat_id, message_ids=message_ids)
                )
        except TelegramForbiddenError as exc:
            status, error = BLOCKED, exc.message[:255]
        except TelegramBadRequest as exc:  # chat not found, the source deleted...
            status, error = FAILED, exc.message[:255]
        except Exception as exc:  # a passing fault is retried, anything else fails
            if not is_transient(exc) and not isinstance(exc, (TelegramAPIError, OSError)):
                log.exception("broadcast %s to %s", row.broadcast_id, row.user_id)
            retry = row.attempts + 1 < MAX_ATTEMPTS
            status, error = (PENDING if retry else FAILED), repr(exc)[:255]
        now = self.ctx.clock.now()
        values: dict[str, Any] = {"status": status, "error": error, "attempts": row.attempts + 1}
        if retry:
            delay = BACKOFF_S * 2**row.attempts
            values.update(claimed_by=None, claimed_until=now + timedelta(seconds=delay))
        else:
            values.update(done_at=now)
        async with self.ctx.db.session() as s:
            # Only while the lease is ours: a row another replica took over is theirs.
            await s.execute(
                update(R).where(R.id == row.id, R.claimed_by == self.replica).values(**values)
            )

    async def _progress(self, broadcast_id: int, *, force: bool = False) -> None:
        """Edit the progress message, if this replica's turn (one edit per interval)."""
        now = self.ctx.clock.now()
        cutoff = now - timedelta(seconds=PROGRESS_EVERY_S)
        condition = [B.id == broadcast_id, B.progress_message_id.is_not(None)]
        if not force:
            condition.append(or_(B.progress_at.is_(None), B.progress_at <= cutoff))
        async with self.ctx.db.session() as s:
            result: Any = await s.execute(update(B).where(*condition).values(progress_at=now))
            if result.rowcount != 1:
                return
        view = await self.view(broadcast_id)
        if view is None or self.render is None or view.progress_message_id is None:
            return
        text, markup = await self.render(view)
        try:
            await self.ctx.bot(
                EditMessageText(
                    chat_id=view.progress_chat_id,
                    message_id=view.progress_message_id,
                    text=text,
                    reply_markup=markup,
                )
            )
        except TelegramAPIError as exc:  # a courtesy: the final counts go through the outbox
            log.debug("broadcast %s progress not shown: %r", broadcast_id, exc)

    async def show_progress(self, broadcast_id: int) -> None:
        """Show the progress now (after a pause, resume or cancel pressed)."""
        await self._progress(broadcast_id, force=True)

    async def _finish_done(self) -> None:
        """Mark done the sending broadcasts with nothing pending, each with its final
        counts queued in the outbox in the same transaction."""
        open_rows = exists().where(R.broadcast_id == B.id, R.status == PENDING)
        async with self.ctx.db.session(readonly=True) as s:
            ids = list(await s.scalars(select(B.id).where(B.status == SENDING, ~open_rows)))
        for broadcast_id in ids:
            async with self.ctx.db.session() as s:
                result: Any = await s.execute(
                    update(B)
                    .where(B.id == broadcast_id, B.status == SENDING, ~open_rows)
                    .values(status=DONE, finished_at=self.ctx.clock.now())
                )
                if result.rowcount != 1:
                    continue
                await self.queue_final(s, broadcast_id)
            log.info("broadcast %s done", broadcast_id)

    async def queue_final(self, s: AsyncSession, broadcast_id: int) -> None:
        """The final counts (done or cancelled) for the admin, in the outbox: an edit of
        the progress message when there is one, else a message of its own."""
        row = await s.get(B, broadcast_id)
        if row is None or self.render is None:
            return
        view = _view(row, await self.counts(broadcast_id, s))
        text, markup = await self.render(view)
        call: Any
        if view.progress_message_id is not None:
            call = OutboxCall(
                EditMessageText(
                    chat_id=view.progress_chat_id,
                    message_id=view.progress_message_id,
                    text=text,
                    reply_markup=markup,
                ),
                ok_errors=("message is not modified",),
                optional=True,
            )
        else:
            call = OutboxCall(SendMessage(chat_id=view.created_by, text=text), optional=True)
        await self.ctx.outbox.add(
            s, call, key=f"publish.broadcast.final:{broadcast_id}", plugin="publish"
        )

    async def cancel(self, broadcast_id: int) -> BroadcastView | None:
        """Cancel, and queue the final counts (what was sent before the press)."""
        view = await self.set_status(broadcast_id, "cancel")
        if view is None:
            return None
        if view.scheduled_at is not None and view.counts.total == 0:
            return view  # a scheduled one never started: nothing to report
        async with self.ctx.db.session() as s:
            await self.queue_final(s, broadcast_id)
        return view


def _view(row: Broadcast, counts: Any) -> BroadcastView:
    return BroadcastView(
        id=row.id,
        status=row.status,
        audience=row.audience,
        active_days=row.active_days,
        scheduled_at=row.scheduled_at,
        created_by=row.created_by,
        source_chat_id=row.source_chat_id,
        source_message_ids=as_ids(row.source_message_ids),
        progress_chat_id=row.progress_chat_id,
        progress_message_id=row.progress_message_id,
        locale=row.locale,
        counts=counts,
    )
