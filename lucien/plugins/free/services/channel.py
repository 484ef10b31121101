"""The free channel itself: which chat it is, its join-request link (made once, kept), the
link a member taps to open it, whether a user is inside, and the bot's rights in it: an outage alerts the admins once, the flag living in the database
so that only one replica tells them, and the first approval after it clears the flag.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.methods import CreateChatInviteLink, GetChat, GetChatMember
from sqlalchemy import update

from lucien.core.db import upsert
from lucien.plugins.free.models import FreeChannel
from lucien.plugins.free.services.common import LINK_NS, FreePart, log

if TYPE_CHECKING:
    from sqlalchemy import CursorResult


def presence(member: Any) -> str:
    """ "in" (a member), "kicked" or "out", from a ChatMember."""
    if member.status == "kicked":
        return "kicked"
    if member.status == "restricted":
        return "in" if getattr(member, "is_member", False) else "out"
    return "in" if member.status in ("member", "administrator", "creator") else "out"


class Channel(FreePart):
    """The channel's identity, invite link and rights-outage flag."""

    async def is_free_channel(self, chat_id: int) -> bool:
        """Whether `chat_id` is the configured free channel."""
        return (await self.settings()).channel_id == chat_id

    async def join_link(self, chat_id: int) -> str | None:
        """The bot's join-request link to `chat_id`, created once and kept (None: no rights)."""

        async def load() -> str | None:
            async with self.ctx.db.session(readonly=True) as s:
                row = await s.get(FreeChannel, chat_id)
                if row is not None and row.invite_link:
                    return row.invite_link
            try:
                link = await self.ctx.sender(
                    CreateChatInviteLink(chat_id=chat_id, name="Lucien", creates_join_request=True)
                )
            except (TelegramBadRequest, TelegramForbiddenError) as exc:
                log.warning("cannot create the free channel's link: %s", exc.message)
                return None
            await self._ensure_channel_row(chat_id)
            async with self.ctx.db.session() as s:
                # Keep the first link stored if another replica raced us to it.
                await s.execute(
                    update(FreeChannel)
                    .where(FreeChannel.chat_id == chat_id, FreeChannel.invite_link.is_(None))
                    .values(invite_link=link.invite_link)
                    .execution_options(synchronize_session=False)
                )
                row = await s.get(FreeChannel, chat_id)
                return row.invite_link if row else link.invite_link

        link = await self.ctx.cache.get_or_load(LINK_NS, str(chat_id), load)
        if link is None:
            await self.ctx.cache.invalidate(LINK_NS, str(chat_id))  # retry next time
        return link

    async def open_link(self, chat_id: int) -> str | None:
        """What a member taps to open the channel (the welcome's button): its public
        `t.me/<username>` when it has one, else the bot's join-request link, which opens
        the channel for someone already inside. Kept an hour; None without either."""

        async def load() -> str | None:
            try:
                chat = await self.ctx.sender(GetChat(chat_id=chat_id))
            except Exception as exc:  # the join link will do; the welcome must not wait
                log.info("cannot read the free channel %s: %r", chat_id, exc)
            else:
                if chat.username:
                    return f"https://t.me/{chat.username}"
            return await self.join_link(chat_id)

        key = f"open:{chat_id}"
        link = await self.ctx.cache.get_or_load(LINK_NS, key, load)
        if link is None:
            await self.ctx.cache.invalidate(LINK_NS, key)  # retry next time
        return link

    async def presence_of(self, chat_id: int, user_id: int) -> str | None:
        """ "in", "kicked" or "out"; None when Telegram cannot tell now (the screens then
        say what they say to everyone)."""
        try:
            member = await self.ctx.sender(GetChatMember(chat_id=chat_id, user_id=user_id))
        except Exception as exc:
            log.info("could not check %s in %s: %r", user_id, chat_id, exc)
            return None
        return presence(member)

    async def _ensure_channel_row(self, chat_id: int) -> None:
        async with self.ctx.db.session() as s:
            await s.execute(
                upsert(s, FreeChannel, {"chat_id": chat_id, "alerted": False}, conflict=["chat_id"])
            )

    async def rights_lost(self, chat_id: int) -> None:
        """Tell the admins once per outage: the first replica to flip the flag tells them."""
        await self._ensure_channel_row(chat_id)
        async with self.ctx.db.session() as s:
            # An UPDATE's result is a CursorResult: rowcount 1 only for the replica that flipped.
            flipped = cast(
                "CursorResult[Any]",
                await s.execute(
                    update(FreeChannel)
                    .where(FreeChannel.chat_id == chat_id, FreeChannel.alerted.is_(False))
                    .values(alerted=True, rights_lost_at=self.ctx.clock.now())
                    .execution_options(synchronize_session=False)
                ),
            )
        if flipped.rowcount != 1:
            return
        log.warning("free channel %s: the bot lost its rights; requests kept for retry", chat_id)
        channel = str(chat_id)
        try:  # the title reads better than the id; reading it needs no admin right
            chat = await self.ctx.sender(GetChat(chat_id=chat_id))
            channel = chat.title or channel
        except (TelegramBadRequest, TelegramForbiddenError):
            pass
        # The flag already makes this once per outage across replicas; the cause also
        # rate-limits a channel whose rights flap.
        await self.ctx.alerts.send(
            "free.admin.rights_lost", once=f"free-rights:{chat_id}", channel=channel
        )

    async def rights_ok(self, chat_id: int) -> None:
        """An approval went through: the outage (if any) is over; a new one alerts again."""
        async with self.ctx.db.session() as s:
            await s.execute(
                update(FreeChannel)
                .where(FreeChannel.chat_id == chat_id, FreeChannel.alerted.is_(True))
                .values(alerted=False, rights_lost_at=None)
                .execution_options(synchronize_session=False)
            )
