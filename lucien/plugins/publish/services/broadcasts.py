"""Durable broadcasts: recipients as rows, sent by the job of every replica.

The life of a broadcast:

1. The admin confirms (or its scheduled time comes): one transaction writes the broadcast
   `sending` and one `pending` row per recipient (`create` / `start_due`).
2. The job `publish.broadcasts` of every replica (`broadcast_job.py`) claims `CHUNK` pending rows of sending
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

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from aiogram.exceptions import TelegramAPIError
from aiogram.methods import SendMessage
from sqlalchemy import insert, select, update

from lucien.core.db.models import User
from lucien.core.roles import resolve_role
from lucien.plugins.publish.models import Broadcast, BroadcastRecipient
from lucien.plugins.publish.services.broadcast_job import BroadcastJob
from lucien.plugins.publish.services.common import (
    CANCELLED,
    EVERYONE,
    PAUSED,
    PENDING,
    SCHEDULED,
    SENDING,
    START_BATCH,
)
from lucien.plugins.publish.services.views import BroadcastView, Counts, view_of

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession


log = logging.getLogger("lucien.publish")
B, R = Broadcast, BroadcastRecipient


class Broadcasts(BroadcastJob):
    """Creating, scheduling, sending and steering broadcasts (module docstring)."""

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
            await self._write_recipients(s, row.id, recipients, admin_id)
            broadcast_id = row.id
        view = await self.view(broadcast_id)
        assert view is not None
        return view

    async def _write_recipients(
        self, s: AsyncSession, broadcast_id: int, ids: list[int], admin_id: int
    ) -> None:
        # The admin's own copy goes last (rows are claimed in id order): their chat has
        # just had the prompts and the preview, and would be at Telegram's per-chat limit.
        ids = sorted(ids, key=lambda uid: uid == admin_id)
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
                await self._write_recipients(s, row.id, ids, row.created_by)
                row.status, row.started_at, row.total = SENDING, now, len(ids)
                # Its progress message is sent before the commit makes the recipients
                # claimable: no replica can finish the broadcast before it knows where
                # the final counts go (else a live "under way" stays behind).
                shown = await self._announce(view_of(row, Counts(len(ids), 0, 0, 0)))
                if shown is not None:
                    row.progress_chat_id, row.progress_message_id = shown
                started.append(row.id)
        for broadcast_id in started:
            log.info("scheduled broadcast %s started", broadcast_id)
        return started

    async def _announce(self, view: BroadcastView) -> tuple[int, int] | None:
        """A scheduled broadcast's progress message, sent to its admin as it starts."""
        if self.render is None:
            return None
        text, markup = await self.render(view)
        try:
            # Straight to the Bot API, not through the paced sender: the transaction that
            # starts the broadcast holds its row meanwhile.
            message = await self.ctx.bot(
                SendMessage(chat_id=view.created_by, text=text, reply_markup=markup)
            )
        except TelegramAPIError as exc:  # the final counts still come, through the outbox
            log.warning("broadcast %s: progress message not sent (%r)", view.id, exc)
            return None
        return message.chat.id, message.message_id

    async def scheduled(self) -> list[BroadcastView]:
        async with self.ctx.db.session(readonly=True) as s:
            rows = await s.scalars(
                select(B).where(B.status == SCHEDULED).order_by(B.scheduled_at, B.id)
            )
            return [view_of(row, Counts(0, 0, 0, 0)) for row in rows]

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
