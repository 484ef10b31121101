"""Reaction buttons under channel posts: one reaction per member and post, changeable,
stored per member; the counts on the buttons follow through coalesced edits.

A tap (`tap`):

- the post must be in the channel with its buttons, and the press must come from that
  very message (old or forged data is refused politely);
- the person must be a member of the channel (getChatMember: creator, administrator,
  member, or restricted while still a member); anyone else is told so, nothing stored;
- a member's first tap adds their reaction, a tap on another emoji changes it, a tap on
  the same emoji again withdraws it (as Telegram's own reactions do);
- the same transaction counts the tap on the post (`reactions_version`) and marks it
  dirty (`reactions_dirty_at`, kept at the first tap since the last edit).

The job `publish.reactions` (every replica, every second) edits the buttons of dirty
posts: one edit per channel per `EDIT_EVERY_S` at most, claimed by a conditional update
of `reactions_edited_at` (so one replica edits), with the counts read after the tap
counter; the post is clean again only if no tap came since (the counter is unchanged).
A burst of 50 taps costs an edit every few seconds, never a 429, and the buttons end up
showing exactly the rows in the database.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramRetryAfter
from aiogram.methods import EditMessageReplyMarkup
from sqlalchemy import delete, exists, func, or_, select, update
from sqlalchemy.orm import aliased

from lucien.core.db import upsert
from lucien.plugins.publish.keyboards.posts import reaction_markup
from lucien.plugins.publish.models import ChannelPost, PostReaction
from lucien.plugins.publish.services.common import FAILED

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from lucien.core.context import AppContext

log = logging.getLogger("lucien.publish")
P, R = ChannelPost, PostReaction

#: One channel's buttons are edited at most this often: Telegram allows about 20 messages
#: a minute in a channel, and edits draw on the same patience.
EDIT_EVERY_S = 3.0
#: Dirty posts one replica looks at per tick (each edit is one call).
EDIT_BATCH = 20
#: Statuses of someone inside the channel ("restricted" only while `is_member`).
INSIDE = frozenset({"creator", "administrator", "member"})

# What a tap did: stored (added, changed, removed) or refused (outsider, gone, unknown).
ADDED, CHANGED, REMOVED = "added", "changed", "removed"
OUTSIDER, GONE, UNKNOWN = "outsider", "gone", "unknown"


@dataclass(frozen=True)
class Tap:
    """A tap's outcome and the emoji it named ("" when the button was not found)."""

    outcome: str
    emoji: str = ""

    @property
    def stored(self) -> bool:
        return self.outcome in (ADDED, CHANGED, REMOVED)


class Reactions:
    """Members' taps and the coalesced edits of the buttons (module docstring)."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    # -- taps ---------------------------------------------------------------------------

    async def tap(
        self, post_id: int, index: int, user_id: int, chat_id: int, message_id: int
    ) -> Tap:
        """Store, change or withdraw `user_id`'s reaction (the `index`-th emoji of the
        post's set), pressed on `message_id` in `chat_id`."""
        async with self.ctx.db.session(readonly=True) as s:
            row = (
                await s.execute(
                    select(P.chat_id, P.status, P.reactions, P.buttons_message_id).where(
                        P.id == post_id
                    )
                )
            ).one_or_none()
        if row is None or row.status == FAILED or row.buttons_message_id is None:
            return Tap(GONE)
        if (int(row.chat_id), int(row.buttons_message_id)) != (chat_id, message_id):
            return Tap(GONE)  # data that never came from this post's buttons
        emoji_set = [str(e) for e in row.reactions or []]
        if not 0 <= index < len(emoji_set):
            return Tap(GONE)
        emoji = emoji_set[index]
        inside = await self.is_member(chat_id, user_id)
        if inside is None:
            return Tap(UNKNOWN, emoji)
        if not inside:
            return Tap(OUTSIDER, emoji)
        now = self.ctx.clock.now()
        mine = (R.post_id == post_id, R.user_id == user_id)
        async with self.ctx.db.session() as s:
            current = await s.scalar(select(R.emoji).where(*mine))
            if current == emoji:
                await s.execute(delete(R).where(*mine))
                outcome = REMOVED
            else:
                values = {"post_id": post_id, "user_id": user_id, "emoji": emoji, "reacted_at": now}
                await s.execute(
                    upsert(
                        s,
                        R,
                        values,
                        conflict=["post_id", "user_id"],
                        update=["emoji", "reacted_at"],
                    )
                )
                outcome = CHANGED if current else ADDED
            await s.execute(
                update(P)
                .where(P.id == post_id)
                .values(
                    reactions_dirty_at=func.coalesce(P.reactions_dirty_at, now),
                    reactions_version=P.reactions_version + 1,
                )
            )
        return Tap(outcome, emoji)

    async def is_member(self, chat_id: int, user_id: int) -> bool | None:
        """Whether `user_id` is inside the channel; None when Telegram cannot say now."""
        try:
            member = await self.ctx.bot.get_chat_member(chat_id, user_id)
        except TelegramBadRequest as exc:
            if "user not found" in exc.message.lower() or "participant" in exc.message.lower():
                return False  # somebody Telegram does not know in that chat
            log.warning("membership of %s in %s not checked: %s", user_id, chat_id, exc.message)
            return None
        except TelegramAPIError as exc:  # not admin there any more, an outage...
            log.warning("membership of %s in %s not checked: %r", user_id, chat_id, exc)
            return None
        if member.status in INSIDE:
            return True
        return member.status == "restricted" and bool(getattr(member, "is_member", False))

    # -- counts -------------------------------------------------------------------------

    async def counts(self, post_id: int, s: AsyncSession | None = None) -> dict[str, int]:
        """Reactions per emoji of one post, as stored."""
        query = select(R.emoji, func.count()).where(R.post_id == post_id).group_by(R.emoji)
        if s is None:
            async with self.ctx.db.session(readonly=True) as own:
                rows = (await own.execute(query)).all()
        else:
            rows = (await s.execute(query)).all()
        return {str(emoji): int(n) for emoji, n in rows}

    # -- the job ------------------------------------------------------------------------

    async def run_job(self) -> int:
        """One tick: edit the buttons of the dirty posts whose channel's turn it is.
        Returns the edits made."""
        now = self.ctx.clock.now()
        cutoff = now - timedelta(seconds=EDIT_EVERY_S)
        async with self.ctx.db.session(readonly=True) as s:
            ids = list(
                await s.scalars(
                    select(P.id)
                    .where(
                        P.reactions_dirty_at.is_not(None),
                        or_(P.reactions_edited_at.is_(None), P.reactions_edited_at <= cutoff),
                    )
                    .order_by(P.reactions_dirty_at, P.id)
                    .limit(EDIT_BATCH)
                )
            )
        edited = 0
        for post_id in ids:
            edited += await self._edit(post_id)
        return edited

    async def _claim(self, post_id: int) -> bool:
        """This replica's turn to edit `post_id`: still dirty, its channel not edited
        within `EDIT_EVERY_S` (one conditional update; the loser changes nothing)."""
        now = self.ctx.clock.now()
        cutoff = now - timedelta(seconds=EDIT_EVERY_S)
        other = aliased(P)
        channel_busy = exists().where(
            other.chat_id == P.chat_id, other.id != P.id, other.reactions_edited_at > cutoff
        )
        async with self.ctx.db.session() as s:
            result: Any = await s.execute(
                update(P)
                .where(
                    P.id == post_id,
                    P.reactions_dirty_at.is_not(None),
                    or_(P.reactions_edited_at.is_(None), P.reactions_edited_at <= cutoff),
                    ~channel_busy,
                )
                .values(reactions_edited_at=now)
                .execution_options(synchronize_session=False)
            )
            return bool(result.rowcount == 1)

    async def _edit(self, post_id: int) -> int:
        if not await self._claim(post_id):
            return 0
        async with self.ctx.db.session(readonly=True) as s:
            # The counter first, the counts after: a tap between the two is in the counts
            # and makes the counter stale, so the post stays dirty (one more edit, never
            # one too few).
            row = (
                await s.execute(
                    select(P.chat_id, P.buttons_message_id, P.reactions, P.reactions_version).where(
                        P.id == post_id
                    )
                )
            ).one()
            counts = await self.counts(post_id, s)
        if row.buttons_message_id is None:
            return 0
        markup = reaction_markup(post_id, [str(e) for e in row.reactions or []], counts)
        try:
            await self.ctx.bot(
                EditMessageReplyMarkup(
                    chat_id=row.chat_id, message_id=row.buttons_message_id, reply_markup=markup
                )
            )
        except TelegramRetryAfter as exc:  # the channel's next turn after Telegram's wait
            await self._postpone(post_id, exc.retry_after)
            return 0
        except TelegramBadRequest as exc:
            if "not modified" not in exc.message.lower():
                # The post deleted, or the right to edit taken away: the counts stay in
                # the database; the next tap tries again.
                log.warning("post %s: buttons not edited: %s", post_id, exc.message)
        except Exception as exc:  # a passing fault: still dirty, the next turn retries
            log.warning("post %s: buttons not edited now: %r", post_id, exc)
            return 0
        async with self.ctx.db.session() as s:
            await s.execute(
                update(P)
                .where(P.id == post_id, P.reactions_version == row.reactions_version)
                .values(reactions_dirty_at=None)
            )
        return 1

    async def _postpone(self, post_id: int, seconds: float) -> None:
        turn = self.ctx.clock.now() + timedelta(seconds=seconds - EDIT_EVERY_S)
        async with self.ctx.db.session() as s:
            await s.execute(update(P).where(P.id == post_id).values(reactions_edited_at=turn))
