"""Welcoming approved users through the core outbox: each welcome is queued in the same
transaction as its row's change, under a key of its own, so each request is welcomed once.
The welcome carries a URL button into the channel (`Channel.open_link`): the approval
already made them a member, so the button opens it.

The key is the row id and its `requested_at`: a user who leaves and asks again gets a new
welcome, a retried or re-claimed row never does (`Outbox.add` ignores a known key). The
outbox makes the call; a kill in flight may repeat only that call. A welcome Telegram
refuses (a user who never started the bot, once the window is over) is given up quietly.

Also the `free.welcomes` job: rows a version before the outbox approved with their welcome
still due are queued the same way.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from aiogram.methods import SendMessage
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from lucien.core.outbox import OutboxCall
from lucien.plugins.free.keyboards import enter_markup
from lucien.plugins.free.models import APPROVED, WELCOME_DUE, WELCOME_QUEUED, FreeJoinRequest
from lucien.plugins.free.services.common import WELCOME_BATCH, FreePart, Recipient

if TYPE_CHECKING:
    from lucien.core.context import AppContext
    from lucien.plugins.free.services.channel import Channel

#: The start of every welcome's outbox key.
WELCOME_PREFIX = "free.welcome:"


def welcome_key(row_id: int, requested_at: datetime) -> str:
    """The outbox key of one request's welcome."""
    return f"{WELCOME_PREFIX}{row_id}:{round(requested_at.timestamp() * 1_000_000)}"


class Welcomes(FreePart):
    """The welcome message, queued in the outbox and, when it must go first, sent now."""

    def __init__(self, ctx: AppContext, channel: Channel) -> None:
        super().__init__(ctx)
        self.channel = channel

    async def message(self, recipient: Recipient, chat_id: int) -> SendMessage:
        """The welcome in the user's language with the button into the channel (made
        before a write transaction opens: the link may need a call to Telegram)."""
        text = await self.ctx.voice.say("free.approved", user=recipient)
        link = await self.channel.open_link(chat_id)
        markup = await enter_markup(self.ctx, recipient, link) if link else None
        return SendMessage(chat_id=recipient.id, text=text, reply_markup=markup)

    async def enqueue(self, session: AsyncSession, key: str, welcome: SendMessage) -> bool:
        """Queue the welcome in `session`'s transaction; False when `key` was queued before."""
        call = OutboxCall(welcome, optional=True)
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
                    select(
                        T.id, T.chat_id, T.user_id, T.first_name, T.language_code, T.requested_at
                    )
                    .where(T.status == APPROVED, T.welcome == WELCOME_DUE)
                    .limit(WELCOME_BATCH)
                )
            ).all()
        if not owed:
            return 0
        welcomes = {
            r.id: await self.message(Recipient(r.user_id, r.first_name, r.language_code), r.chat_id)
            for r in owed
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
                    queued += await self.enqueue(s, key, welcomes[r.id])
        return queued
