"""Welcoming approved users: the message itself, and the `free.welcomes` job that sends
the welcomes an approval left due (outside the 5-minute window, after the approval).
"""

from __future__ import annotations

from sqlalchemy import or_, select, update

from lucien.plugins.free.models import (
    APPROVED,
    WELCOME_DUE,
    WELCOME_SENT,
    WELCOME_UNREACHABLE,
    FreeJoinRequest,
)
from lucien.plugins.free.services.common import LEASE, WELCOME_BATCH, FreePart, Recipient, log


class Welcomes(FreePart):
    """The welcome message and the job that sends the due ones."""

    async def send_welcomes(self) -> int:
        """Welcome approved users not yet welcomed (the job); returns how many were sent."""
        now = self.ctx.clock.now()
        T = FreeJoinRequest
        due = (
            select(T.id)
            .where(
                T.status == APPROVED,
                T.welcome == WELCOME_DUE,
                or_(T.next_attempt_at.is_(None), T.next_attempt_at <= now),
            )
            .order_by(T.handled_at)
            .limit(WELCOME_BATCH)
            .with_for_update(skip_locked=True)
        )
        async with self.ctx.db.session() as s:
            result = await s.execute(
                update(T)
                .where(T.id.in_(due.scalar_subquery()))
                .values(next_attempt_at=now + LEASE)
                .returning(T.id, T.user_id, T.first_name, T.language_code)
                .execution_options(synchronize_session=False)
            )
            recipients = [
                (r.id, Recipient(r.user_id, r.first_name, r.language_code)) for r in result
            ]
        if not recipients:
            return 0
        sent: list[int] = []
        unreachable: list[int] = []
        for row_id, recipient in recipients:
            try:
                reached = await self.welcome(recipient)
            except Exception as exc:  # 5xx, network: this one comes back when its lease ends
                log.warning("welcoming %s failed: %r; retrying later", recipient.id, exc)
                continue
            (sent if reached else unreachable).append(row_id)
        async with self.ctx.db.session() as s:
            for status, ids in ((WELCOME_SENT, sent), (WELCOME_UNREACHABLE, unreachable)):
                if ids:
                    await s.execute(
                        update(FreeJoinRequest)
                        .where(FreeJoinRequest.id.in_(ids))
                        .values(welcome=status, next_attempt_at=None)
                        .execution_options(synchronize_session=False)
                    )
        return len(sent)

    async def welcome(self, recipient: Recipient) -> bool:
        """Say welcome; False when Telegram will not let us write to them."""
        text = await self.ctx.voice.say("free.approved", user=recipient)
        return await self._dm(recipient.id, text)
