"""Posts to the channels: written when the admin confirms, delivered by the job of every
replica, recorded with their message ids.

The life of a post:

1. The admin confirms: one row per channel, `scheduled`, due now ("Publish now") or at
   the time given (`create`). A post for now is no different: the job delivers it within
   a second, so a crash between the press and the send neither loses nor doubles it.
2. The job `publish.posts` of every replica claims due rows (`FOR UPDATE SKIP LOCKED`),
   marks them `sending` under a lease (`LEASE_S`) and copies the admin's message to the
   channel through the shared sender: copyMessage (one message, with the reaction buttons)
   or copyMessages (an album; Telegram puts no keyboard on an album, so the buttons go on a
   short follow-up message right under it). The ids are stored as soon as Telegram
   answered: a retry after a crash sends only what is missing.
3. Once in the channel: `sent`, with the time, and the admin's notice queued in the outbox
   in the same transaction. A refusal (400/403: the bot is not an administrator of the
   channel, the source message deleted) fails the row with Telegram's reason and tells the
   admin the same way; a passing failure (5xx, network, a 429 outlasting the sender's
   retries) gives the row back after a back-off, `MAX_ATTEMPTS` times.
4. A row killed mid-send stays `sending` until its lease ends; then any replica claims it
   again (only what was in flight at the kill may appear twice).
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
from aiogram.methods import CopyMessage, CopyMessages, SendMessage
from sqlalchemy import and_, case, desc, func, or_, select, update

from lucien.core.effects import is_transient
from lucien.core.formatting import Markup
from lucien.core.outbox import OutboxCall
from lucien.plugins.publish.keyboards.posts import reaction_markup
from lucien.plugins.publish.models import ChannelPost, PostReaction, as_ids
from lucien.plugins.publish.services.common import (
    BACKOFF_S,
    CANCELLED,
    FAILED,
    LEASE_S,
    MAX_ATTEMPTS,
    NAME,
    POSTED,
    RUN_BUDGET_S,
    SCHEDULED,
    SENDING,
    Channel,
    zone,
)

if TYPE_CHECKING:
    from lucien.core.context import AppContext

log = logging.getLogger("lucien.publish")
P, R = ChannelPost, PostReaction

#: Posts one replica claims at once (each is one or two sends, paced per channel).
POST_BATCH = 4
#: The statistics' most reacted posts.
TOP = 3


@dataclass(frozen=True)
class PostView:
    """A channel post as screens and the job see it."""

    id: int
    target: str
    chat_id: int
    status: str
    created_by: int
    scheduled_at: datetime | None
    sent_at: datetime | None
    source_chat_id: int
    source_message_ids: list[int]
    reactions: list[str]
    protect_content: bool
    message_ids: list[int] | None
    buttons_message_id: int | None
    attempts: int
    error: str | None
    locale: str | None


@dataclass(frozen=True)
class TopPost:
    id: int
    target: str
    sent_at: datetime | None
    reactions: int


@dataclass(frozen=True)
class PostFigures:
    """The statistics screen's figures (three aggregate statements)."""

    sent_7d: int
    sent_30d: int
    reactions: int
    top: list[TopPost]


async def target_name(
    ctx: AppContext, target: str, *, user: Any = None, locale: str | None = None
) -> Markup:
    """A channel in words ("el Diván", "el vestíbulo"): a plugin may name its own
    (`publish.target.<plugin>`), else the generic line naming the plugin."""
    key = f"publish.target.{target}"
    if key in ctx.app.messages:
        return Markup(await ctx.voice.say(key, user=user, locale=locale))
    text = await ctx.voice.say("publish.target.other", user=user, locale=locale, target=target)
    return Markup(text)


async def where_label(
    ctx: AppContext, targets: list[str], *, user: Any = None, locale: str | None = None
) -> Markup:
    """Several channels in words: "el Diván y el vestíbulo"."""
    names = [await target_name(ctx, t, user=user, locale=locale) for t in targets]
    if len(names) == 1:
        return names[0]
    text = await ctx.voice.say(
        "publish.target.list",
        user=user,
        locale=locale,
        names=Markup(", ".join(names[:-1])),
        last=names[-1],
    )
    return Markup(text)


class Posts:
    """Creating, scheduling and delivering channel posts (module docstring)."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.replica = uuid.uuid4().hex[:16]

    # -- creating -----------------------------------------------------------------------

    async def create(
        self,
        *,
        admin_id: int,
        locale: str | None,
        plans: list[tuple[Channel, list[str]]],
        source_chat_id: int,
        source_message_ids: list[int],
        protect: bool,
        scheduled_at: datetime | None = None,
    ) -> list[int]:
        """One row per (channel, reaction set), due at `scheduled_at` or now."""
        now = self.ctx.clock.now()
        async with self.ctx.db.session() as s:
            rows = [
                P(
                    created_by=admin_id,
                    created_at=now,
                    target=channel.target,
                    chat_id=channel.chat_id,
                    source_chat_id=source_chat_id,
                    source_message_ids=list(source_message_ids),
                    reactions=list(emoji),
                    protect_content=protect,
                    status=SCHEDULED,
                    scheduled_at=scheduled_at or now,
                    locale=locale,
                    attempts=0,
                    reactions_version=0,
                )
                for channel, emoji in plans
            ]
            s.add_all(rows)
            await s.flush()
            return [row.id for row in rows]

    # -- reading ------------------------------------------------------------------------

    async def view(self, post_id: int) -> PostView | None:
        async with self.ctx.db.session(readonly=True) as s:
            row = await s.get(P, post_id)
            return _view(row) if row is not None else None

    async def scheduled(self) -> list[PostView]:
        """Posts waiting for their time (the scheduled list), soonest first."""
        async with self.ctx.db.session(readonly=True) as s:
            rows = await s.scalars(
                select(P).where(P.status == SCHEDULED).order_by(P.scheduled_at, P.id)
            )
            return [_view(row) for row in rows]

    async def figures(self) -> PostFigures:
        """Posts sent in 7 and 30 days, reactions in all, the most reacted posts."""
        now = self.ctx.clock.now()
        week, month = now - timedelta(days=7), now - timedelta(days=30)
        async with self.ctx.db.session(readonly=True) as s:
            sent = (
                await s.execute(
                    select(
                        func.coalesce(func.sum(case((P.sent_at >= week, 1), else_=0)), 0),
                        func.coalesce(func.sum(case((P.sent_at >= month, 1), else_=0)), 0),
                    ).where(P.status == POSTED)
                )
            ).one()
            total = await s.scalar(select(func.count()).select_from(R)) or 0
            n = func.count(R.user_id).label("n")
            top = (
                await s.execute(
                    select(P.id, P.target, P.sent_at, n)
                    .join(R, R.post_id == P.id)
                    .group_by(P.id, P.target, P.sent_at)
                    .order_by(desc(n), P.id.desc())
                    .limit(TOP)
                )
            ).all()
        return PostFigures(
            int(sent[0]),
            int(sent[1]),
            int(total),
            [TopPost(int(r[0]), str(r[1]), r[2], int(r[3])) for r in top],
        )

    # -- steering -----------------------------------------------------------------------

    async def reschedule(self, post_id: int, when: datetime) -> bool:
        """A new time for a post still waiting; False once it went out or was cancelled."""
        async with self.ctx.db.session() as s:
            result: Any = await s.execute(
                update(P).where(P.id == post_id, P.status == SCHEDULED).values(scheduled_at=when)
            )
            return bool(result.rowcount == 1)

    async def cancel(self, post_id: int) -> bool:
        async with self.ctx.db.session() as s:
            result: Any = await s.execute(
                update(P).where(P.id == post_id, P.status == SCHEDULED).values(status=CANCELLED)
            )
            return bool(result.rowcount == 1)

    # -- the job ------------------------------------------------------------------------

    async def run_job(self) -> int:
        """One tick: deliver what is due, a few posts at a time, for up to
        `RUN_BUDGET_S`. Returns the posts handled."""
        handled = 0
        deadline = time.monotonic() + RUN_BUDGET_S
        while time.monotonic() < deadline:
            claimed = await self._claim(POST_BATCH)
            if not claimed:
                break
            await asyncio.gather(*(self._deliver(post) for post in claimed))
            handled += len(claimed)
        return handled

    async def _claim(self, limit: int) -> list[PostView]:
        now = self.ctx.clock.now()
        due = (
            select(P.id)
            .where(
                or_(
                    and_(P.status == SCHEDULED, P.scheduled_at <= now),
                    # A dead replica's send, or a passing failure's back-off, ran out.
                    and_(P.status == SENDING, P.claimed_until <= now),
                )
            )
            .order_by(P.scheduled_at, P.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        async with self.ctx.db.session() as s:
            result = await s.execute(
                update(P)
                .where(P.id.in_(due.scalar_subquery()))
                .values(
                    status=SENDING,
                    claimed_by=self.replica,
                    claimed_until=now + timedelta(seconds=LEASE_S),
                )
                .returning(P.id)
                .execution_options(synchronize_session=False)
            )
            ids = list(result.scalars())
            if not ids:
                return []
            rows = await s.scalars(select(P).where(P.id.in_(ids)).order_by(P.id))
            return [_view(row) for row in rows]

    async def _deliver(self, post: PostView) -> None:
        try:
            await self._send(post)
        except (TelegramBadRequest, TelegramForbiddenError) as exc:
            log.warning("post %s to %s refused: %s", post.id, post.chat_id, exc.message)
            await self._finish(post, FAILED, exc.message)
        except Exception as exc:  # a passing fault is retried, anything else fails
            if not is_transient(exc) and not isinstance(exc, (TelegramAPIError, OSError)):
                log.exception("post %s to %s", post.id, post.chat_id)
            if post.attempts + 1 >= MAX_ATTEMPTS:
                await self._finish(post, FAILED, repr(exc))
            else:
                await self._later(post, repr(exc))
        else:
            await self._finish(post, POSTED, None)

    async def _send(self, post: PostView) -> None:
        """Copy what is not in the channel yet (the ids of what is are stored)."""
        markup = reaction_markup(post.id, post.reactions, {})
        album = len(post.source_message_ids) > 1
        if post.message_ids is None:
            if album:
                copies = await self.ctx.sender(
                    CopyMessages(
                        chat_id=post.chat_id,
                        from_chat_id=post.source_chat_id,
                        message_ids=post.source_message_ids,
                        protect_content=post.protect_content,
                    )
                )
                ids = [m.message_id for m in copies]
            else:
                copy = await self.ctx.sender(
                    CopyMessage(
                        chat_id=post.chat_id,
                        from_chat_id=post.source_chat_id,
                        message_id=post.source_message_ids[0],
                        protect_content=post.protect_content,
                        reply_markup=markup,
                    )
                )
                ids = [copy.message_id]
            buttons = ids[0] if markup is not None and not album else None
            await self._record(post.id, message_ids=ids, buttons_message_id=buttons)
        if album and markup is not None and post.buttons_message_id is None:
            line = await self.ctx.voice.say("publish.post.react_line", locale=post.locale)
            sent = await self.ctx.sender(
                SendMessage(
                    chat_id=post.chat_id,
                    text=line,
                    reply_markup=markup,
                    protect_content=post.protect_content,
                    disable_notification=True,  # the album already rang
                )
            )
            await self._record(post.id, buttons_message_id=sent.message_id)

    async def _record(self, post_id: int, **values: Any) -> None:
        async with self.ctx.db.session() as s:
            await s.execute(
                update(P).where(P.id == post_id, P.claimed_by == self.replica).values(**values)
            )

    async def _later(self, post: PostView, error: str) -> None:
        """A passing failure: the row waits a growing back-off, then any replica retries."""
        delay = BACKOFF_S * 2**post.attempts
        log.info("post %s: retry in %ss (%s)", post.id, delay, error)
        await self._record(
            post.id,
            attempts=post.attempts + 1,
            error=error[:255],
            claimed_until=self.ctx.clock.now() + timedelta(seconds=delay),
        )

    async def _finish(self, post: PostView, status: str, error: str | None) -> None:
        """Sent or failed, and the admin's notice in the outbox, in one transaction."""
        now = self.ctx.clock.now()
        where = await target_name(self.ctx, post.target, locale=post.locale)
        if status == POSTED:
            text = await self.ctx.voice.say(
                "publish.post.sent",
                locale=post.locale,
                where=where,
                when=now,
                zone=zone(self.ctx, now),
            )
        else:
            text = await self.ctx.voice.say(
                "publish.post.failed", locale=post.locale, where=where, error=error or "?"
            )
        async with self.ctx.db.session() as s:
            result: Any = await s.execute(
                update(P)
                .where(P.id == post.id, P.claimed_by == self.replica, P.status == SENDING)
                .values(
                    status=status,
                    sent_at=now if status == POSTED else None,
                    error=error[:255] if error else None,
                    claimed_until=None,
                    attempts=post.attempts + (status == FAILED),
                )
            )
            if result.rowcount != 1:  # another replica took it over after our lease
                return
            kind = "sent" if status == POSTED else "failed"
            await self.ctx.outbox.add(
                s,
                OutboxCall(SendMessage(chat_id=post.created_by, text=text), optional=True),
                key=f"publish.post.{kind}:{post.id}",
                plugin=NAME,
            )
        log.info("post %s to %s: %s", post.id, post.chat_id, status)


def _view(row: ChannelPost) -> PostView:
    return PostView(
        id=row.id,
        target=row.target,
        chat_id=row.chat_id,
        status=row.status,
        created_by=row.created_by,
        scheduled_at=row.scheduled_at,
        sent_at=row.sent_at,
        source_chat_id=row.source_chat_id,
        source_message_ids=as_ids(row.source_message_ids),
        reactions=[str(e) for e in row.reactions or []],
        protect_content=bool(row.protect_content),
        message_ids=as_ids(row.message_ids) if row.message_ids is not None else None,
        buttons_message_id=row.buttons_message_id,
        attempts=row.attempts or 0,
        error=row.error,
        locale=row.locale,
    )
