"""The sending half of broadcasts: the job every replica runs (module docstring of
`broadcasts.py`, steps 2 to 5), and the reads it shares with the screens."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramForbiddenError
from aiogram.methods import CopyMessage, CopyMessages, EditMessageText, SendMessage
from sqlalchemy import exists, func, or_, select, update

from lucien.core.effects import is_transient
from lucien.core.outbox import OutboxCall
from lucien.plugins.publish.models import Broadcast, BroadcastRecipient, as_ids
from lucien.plugins.publish.services.common import (
    BACKOFF_S,
    BLOCKED,
    CHUNK,
    DONE,
    FAILED,
    LANES,
    LEASE_S,
    MAX_ATTEMPTS,
    PENDING,
    PROGRESS_EVERY_S,
    RUN_BUDGET_S,
    SENDING,
    SENT,
)
from lucien.plugins.publish.services.views import BroadcastView, Claimed, Counts, view_of

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from lucien.core.context import AppContext

log = logging.getLogger("lucien.publish")
B, R = Broadcast, BroadcastRecipient


class BroadcastJob:
    """Claims, sends and marks recipients; shows progress; finishes broadcasts."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.replica = uuid.uuid4().hex[:16]
        # Called with a BroadcastView whenever its progress message should change; the
        # plugin sets it at startup (the texts and buttons live with the handlers).
        self.render: Any = None
        self._sources: dict[int, tuple[int, list[int]]] = {}  # a source never changes

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
        return view_of(row, counts)

    # -- the job ------------------------------------------------------------------------

    async def run_job(self) -> int:
        """One tick (after `start_due`): send chunks for up to `RUN_BUDGET_S`, show
        progress, finish what has no recipient left. Returns the rows handled."""
        deadline = time.monotonic() + RUN_BUDGET_S
        # Two lanes: while one writes its chunk's outcomes and claims the next, the other's
        # sends keep the shared pace busy (the sender paces both).
        handled = sum(await asyncio.gather(*(self._lane(deadline) for _ in range(LANES))))
        await self._finish_done()
        return handled

    async def _lane(self, deadline: float) -> int:
        handled = 0
        while time.monotonic() < deadline:
            rows = await self._claim(CHUNK)
            if not rows:
                break
            await asyncio.gather(*(self._send(row) for row in rows))
            handled += len(rows)
            for broadcast_id in {row.broadcast_id for row in rows}:
                await self._progress(broadcast_id)
        return handled

    async def _claim(self, limit: int) -> list[Claimed]:
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
        return [Claimed(r.id, r.broadcast_id, r.user_id, r.attempts) for r in rows]

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

    async def _send(self, row: Claimed) -> None:
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
        view = view_of(row, await self.counts(broadcast_id, s))
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
