"""Interests: "Me interesa" recorded once per window, each admin told through the outbox
in the same transaction, and the admins' inbox (pending, attended, filters, counts).

The life of an interest:

1. `record` locks the package row (concurrent taps of one package wait their turn on
   PostgreSQL; SQLite has one writer), checks that the user may still see it, and looks
   for the same user's interest in it within the dedupe window (the setting
   `interest_dedupe_minutes`, counted from the last interest that counted). A repeat
   changes nothing. Otherwise the row is written and one message per admin is queued in
   the outbox in the same transaction, so an interest never exists without its
   notifications, nor a notification without its row; the outbox key (interest, admin)
   makes each admin's message go out once, across kills and replicas.
2. After the commit the notifications are delivered at once (`send_now`); whatever
   Telegram refused for now the outbox job retries. An admin who never opened the bot
   (or blocked it) cannot be written to yet: their notification waits and is tried again
   (`ADMIN_NOT_REACHABLE`), so the lead reaches them once they open the bot.
3. `attend` marks it attended (who, when) once: the first admin wins, later presses are
   told who did it. The notifications still waiting for other admins are dropped then:
   the lead is handled, and an admin opening the bot days later is not handed stale ones.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from aiogram.methods import SendMessage
from sqlalchemy import ColumnElement, and_, func, select, update

from lucien.core.db.models import User
from lucien.core.outbox import OutboxCall
from lucien.plugins.content.models import ContentInterest, ContentPackage
from lucien.plugins.content.services.common import (
    AUDIENCES,
    PAGE_SIZE,
    InterestView,
    PackageView,
    Page,
    clean_text,
    page_bounds,
)

if TYPE_CHECKING:
    from aiogram.types import InlineKeyboardMarkup

    from lucien.core.context import AppContext

log = logging.getLogger("lucien.content")

#: Telegram's answers to a message for an admin who cannot be written to yet: they never
#: started the bot, or blocked it. Both end when the admin opens the bot, so the outbox
#: waits and tries again (every `NEEDS_ADMIN_RETRY_S`) instead of giving the lead up.
ADMIN_NOT_REACHABLE = ("bot can't initiate conversation", "bot was blocked by the user")

#: Builds the buttons under an admin's notification (the handlers' keyboards): given the
#: admin (for the labels' language) and the interest.
NotifyMarkup = Callable[[Any, InterestView], Awaitable["InlineKeyboardMarkup | None"]]


@dataclass(frozen=True)
class Recorded:
    """What `record` did: "recorded", "repeat" (inside the window) or "gone" (the package
    is inactive, missing, or not for this user's role)."""

    status: str
    package: PackageView | None = None
    interest_id: int | None = None
    notified: int = 0


@dataclass(frozen=True)
class Attended:
    """What `attend` did: "done", "already" (someone else did it first) or "missing"."""

    status: str
    interest: InterestView | None = None


@dataclass(frozen=True)
class PackageCount:
    """Interests in one package: pending and in total."""

    package_id: int
    name: str
    category: str
    pending: int
    total: int


@dataclass(frozen=True)
class UserCard:
    """What the bot knows of a user (the core's record, their interests)."""

    user_id: int
    first_name: str
    username: str | None
    language: str | None
    first_seen: Any
    last_seen: Any
    pending: int
    total: int


def notification_key(interest_id: int, admin_id: int | None) -> str:
    """The outbox key of an admin's notification of an interest (`admin_id` None: the
    prefix of every admin's)."""
    prefix = f"content.interest:{interest_id}:"
    return prefix if admin_id is None else f"{prefix}{admin_id}"


def view_of(interest: ContentInterest, package: ContentPackage) -> InterestView:
    """An interest row and its package, as screens show them."""
    return InterestView(
        id=interest.id,
        user_id=interest.user_id,
        first_name=interest.first_name or "",
        username=interest.username,
        package_id=package.id,
        package_name=package.name,
        category=package.category,
        created_at=interest.created_at,
        attended_at=interest.attended_at,
        attended_by=interest.attended_by,
        attended_by_name=interest.attended_by_name,
    )


class Interests:
    """Recording interests and the admins' inbox. One per process, in `ContentService`."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    async def record(
        self, user: Any, package_id: int, audience: str, notify_markup: NotifyMarkup
    ) -> Recorded:
        """Record `user`'s interest in a package their `audience` sees (module doc, 1-2)."""
        settings = await self.ctx.config.get("content")
        window = timedelta(minutes=settings.interest_dedupe_minutes)
        admins = await self.ctx.alerts.recipients()
        now = self.ctx.clock.now()
        keys: list[str] = []
        async with self.ctx.db.session() as s:
            package = await s.scalar(
                select(ContentPackage).where(ContentPackage.id == package_id).with_for_update()
            )
            if package is None or not package.active or package.category not in AUDIENCES[audience]:
                return Recorded("gone")
            view = PackageView.of(package)
            if window:
                recent = await s.scalar(
                    select(ContentInterest.id)
                    .where(
                        ContentInterest.user_id == user.id,
                        ContentInterest.package_id == package_id,
                        ContentInterest.created_at > now - window,
                    )
                    .limit(1)
                )
                if recent is not None:
                    return Recorded("repeat", view, recent)
            interest = ContentInterest(
                user_id=user.id,
                first_name=clean_text(getattr(user, "first_name", None)),
                username=clean_text(getattr(user, "username", None)) or None,
                package_id=package_id,
                created_at=now,
            )
            s.add(interest)
            await s.flush()
            shown = view_of(interest, package)
            # Each admin in their own language, as the core recorded it.
            known = {u.id: u for u in await s.scalars(select(User).where(User.id.in_(admins)))}
            for admin_id in admins:
                admin = known.get(admin_id)
                text = await self.notification_text(admin, shown)
                message = SendMessage(
                    chat_id=admin_id, text=text, reply_markup=await notify_markup(admin, shown)
                )
                # Optional: `attend` may drop it while it waits for an unreachable admin.
                call = OutboxCall(message, retry_errors=ADMIN_NOT_REACHABLE, optional=True)
                key = notification_key(interest.id, admin_id)
                if await self.ctx.outbox.add(s, call, key=key, plugin="content"):
                    keys.append(key)
            interest_id = interest.id
        try:
            await self.ctx.outbox.send_now(*keys)
        except Exception as exc:  # the outbox job delivers them on its next tick
            log.warning("interest %s: notifications queued, not sent yet: %r", interest_id, exc)
        return Recorded("recorded", view, interest_id, len(keys))

    async def notification_text(self, admin: Any, interest: InterestView) -> str:
        """The message an admin gets for an interest (who, their profile, which package)."""
        key = "content.interest.notify" if interest.username else "content.interest.notify_anon"
        return await self.ctx.voice.say(
            key,
            user=admin,
            who=interest.first_name or str(interest.user_id),
            username=interest.username or "",
            user_id=interest.user_id,
            package=interest.package_name,
        )

    # ------------------------------------------------------------------ the inbox

    async def get(self, interest_id: int) -> InterestView | None:
        async with self.ctx.db.session(readonly=True) as s:
            found = (
                await s.execute(
                    select(ContentInterest, ContentPackage)
                    .join(ContentPackage, ContentPackage.id == ContentInterest.package_id)
                    .where(ContentInterest.id == interest_id)
                )
            ).first()
            return view_of(*found) if found is not None else None

    async def page(
        self, *, attended: bool, page: int, package_id: int = 0, category: str = ""
    ) -> Page:
        """Pending interests newest first, or attended ones latest attended first; one
        page, narrowed to a package or a category when given."""
        conditions: list[ColumnElement[bool]] = [
            ContentInterest.attended_at.is_not(None)
            if attended
            else ContentInterest.attended_at.is_(None)
        ]
        if package_id:
            conditions.append(ContentInterest.package_id == package_id)
        if category:
            conditions.append(ContentPackage.category == category)
        where = and_(*conditions)
        order = (
            (ContentInterest.attended_at.desc(), ContentInterest.id.desc())
            if attended
            else (ContentInterest.created_at.desc(), ContentInterest.id.desc())
        )
        joined = select(ContentInterest, ContentPackage).join(
            ContentPackage, ContentPackage.id == ContentInterest.package_id
        )
        async with self.ctx.db.session(readonly=True) as s:
            total = int(
                await s.scalar(
                    select(func.count())
                    .select_from(ContentInterest)
                    .join(ContentPackage, ContentPackage.id == ContentInterest.package_id)
                    .where(where)
                )
                or 0
            )
            page, pages = page_bounds(total, page)
            rows = await s.execute(
                joined.where(where).order_by(*order).offset(page * PAGE_SIZE).limit(PAGE_SIZE)
            )
            return Page([view_of(i, p) for i, p in rows], page, pages, total)

    async def attend(self, interest_id: int, admin: Any) -> Attended:
        """Mark an interest attended by `admin`, unless someone already did; the
        notifications still waiting for other admins are dropped with it."""
        now = self.ctx.clock.now()
        async with self.ctx.db.session() as s:
            result = await s.execute(
                update(ContentInterest)
                .where(ContentInterest.id == interest_id, ContentInterest.attended_at.is_(None))
                .values(
                    attended_at=now,
                    attended_by=admin.id,
                    attended_by_name=clean_text(admin.first_name) or str(admin.id),
                )
                .execution_options(synchronize_session=False)
            )
            changed = bool(getattr(result, "rowcount", 0))
            if changed:
                prefix = notification_key(interest_id, None)
                for key in await self.ctx.outbox.pending(prefix, session=s):
                    await self.ctx.outbox.cancel(s, key)
        view = await self.get(interest_id)
        if view is None:
            return Attended("missing")
        return Attended("done" if changed else "already", view)

    async def pending_count(self) -> int:
        """Interests nobody attended yet (the health data, the inbox's header)."""
        async with self.ctx.db.session(readonly=True) as s:
            return int(
                await s.scalar(
                    select(func.count())
                    .select_from(ContentInterest)
                    .where(ContentInterest.attended_at.is_(None))
                )
                or 0
            )

    async def per_package(self) -> list[PackageCount]:
        """Pending and total interests of every package that has any, most pending first."""
        pending = func.count(ContentInterest.id).filter(ContentInterest.attended_at.is_(None))
        async with self.ctx.db.session(readonly=True) as s:
            rows = await s.execute(
                select(
                    ContentPackage.id,
                    ContentPackage.name,
                    ContentPackage.category,
                    pending.label("pending"),
                    func.count(ContentInterest.id).label("total"),
                )
                .join(ContentInterest, ContentInterest.package_id == ContentPackage.id)
                .group_by(ContentPackage.id, ContentPackage.name, ContentPackage.category)
                .order_by(pending.desc(), ContentPackage.position, ContentPackage.id)
            )
            return [PackageCount(r.id, r.name, r.category, r.pending, r.total) for r in rows]

    async def user_card(self, user_id: int) -> UserCard:
        """What is known of a user: the core's record (if any) and their interests."""
        async with self.ctx.db.session(readonly=True) as s:
            known = await s.get(User, user_id)
            latest = await s.scalar(
                select(ContentInterest)
                .where(ContentInterest.user_id == user_id)
                .order_by(ContentInterest.created_at.desc())
                .limit(1)
            )
            counts = (
                await s.execute(
                    select(
                        func.count().filter(ContentInterest.attended_at.is_(None)),
                        func.count(),
                    ).where(ContentInterest.user_id == user_id)
                )
            ).one()
        first_name = (known.first_name if known else None) or (
            latest.first_name if latest else None
        )
        username = (known.username if known else None) or (latest.username if latest else None)
        return UserCard(
            user_id=user_id,
            first_name=first_name or str(user_id),
            username=username,
            language=known.language_code if known else None,
            first_seen=known.first_seen if known else None,
            last_seen=known.last_seen if known else None,
            pending=int(counts[0] or 0),
            total=int(counts[1] or 0),
        )
