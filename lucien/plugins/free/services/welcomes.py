"""Welcoming approved users through the core outbox: each welcome is queued in the same
transaction as its row's change, under a key of its own, so each request is welcomed once.

The key is the row id and its `requested_at`: a user who leaves and asks again gets a new
welcome, a retried or re-claimed row never does (`Outbox.add` ignores a known key). The
outbox makes the call; a kill in flight may repeat only that call. A welcome Telegram
refuses (a user who never started the bot, once the window is over) is given up quietly.

Also the `free.welcomes` job: rows a version before the outbox approved with their welcome
still due are queued the same way.
"""

from __future__ import annotations

from datetime import datetime

from aiogram.methods import SendMessage
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from lucien.core.outbox import OutboxCall
from lucien.plugins.free.models import APPROVED, WELCOME_DUE, WELCOME_QUEUED, FreeJoinRequest
from lucien.plugins.free.services.common import WELCOME_BATCH, FreePart, Recipient

#: The start of every welcome's outbox key.
WELCOME_PREFIX = "free.welcome:"


def welcome_key(row_id: int, requested_at: datetime) -> str:
    """The outbox key of one request's welcome."""
    return f"{WELCOME_PREFIX}{row_id}:{round(requested_at.timestamp() * 1_000_000)}"


class Welcomes(FreePart):
    """The welcome message, queued in the outbox and, when it must go first, sent now."""

    async def text(self, recipient: Recipient) -> str:
        """The welcome in the user's language (rendered before a write transaction opens)."""
        return await self.ctx.voice.say("free.approved", user=recipient)

    async def enqueue(self, session: AsyncSession, key: str, user_id: int, text: str) -> bool:
        """Queue the welcome in `session`'s transaction; False when `key` was queued before."""
        call = OutboxCall(SendMessage(chat_id=user_id, text=text), optional=True)
        return await self.ctx.outbox.add(session, call, key=key, plugin="free")

    async def deliver(self, key: str) -> bool:
        """Make the queued welcome now if nobody else holds it; True once it is no longer
        pending (sent, or refused by Telegram)."""
        await self.ctx.outbox.send_now(key)
        return key not in await self.ctx.outbox.pending(key)

    async def send_welcomes(self) -> int:
        """Queue the welcomes rows approved before the outbox still owe (the job); how many."""
        T = FreeJoinRequest
        async with self.ctx.db.session(readonly=True) as s:
            owed = (
                await s.execute(
                    select(T.id, T.user_id, T.first_name, T.language_code, T.requested_at)
                    .where(T.status == APPROVED, T.welcome == WELCOME_DUE)
                    .limit(WELCOME_BATCH)
                )
            ).all()
        if not owed:
            return 0
        texts = {
            r.id: await self.text(Recipient(r.user_id, r.first_name, r.language_code)) for r in owed
        }
        queued = 0
        async with self.ctx.db.session() as s:
            for r in owed:
                moved = await s.execute(
                    update(T)
                    .where(T.id == r.id, T.welcome == WELCOME_DUE)
                    .values(welcome=WELCOME_QUEUED)
                    .execution_options(synchronize_session=False)
                )
                if moved.rowcount:  # type: ignore[attr-defined]
                    key = welcome_key(r.id, r.requested_at)
                    queued += await self.enqueue(s, key, r.user_id, texts[r.id])
        return queued
