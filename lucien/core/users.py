"""Who has talked to the bot: first/last seen, language, whether they blocked it.

A known user costs no database query: the tracker remembers whom it recorded recently and
writes again only when the name or language changed or the record is getting old.
Writes happen off the update's path, in tasks the application drains at shutdown.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import re
from collections import OrderedDict
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from lucien.core.effects import OUTCOME

if TYPE_CHECKING:
    from aiogram.types import User as TgUser

    from lucien.core.context import AppContext

log = logging.getLogger("lucien.users")

# C0 and C1 control characters (NUL among them): PostgreSQL refuses NUL in text, and none
# of them belongs in a name shown in a message or an admin list.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def printable_name(name: str | None) -> str | None:
    """`name` without control characters; the usual printable name is returned as is."""
    if not name or name.isprintable():
        return name
    return _CONTROL.sub("", name)


# The core's cache namespace of users blocked by an admin (declared in CORE_NAMESPACES).
BLOCKED_NS = "blocked"


class UserTracker:
    """Upserts users into the core `users` table, at most once per refresh interval."""

    def __init__(self, ctx: AppContext, refresh_s: float = 900.0, capacity: int = 100_000) -> None:
        self.ctx = ctx
        self.refresh_s = refresh_s
        self.capacity = capacity
        self._recent: OrderedDict[int, tuple[float, tuple[Any, ...]]] = OrderedDict()
        self._tasks: set[asyncio.Task[None]] = set()

    def seen(self, user: TgUser) -> None:
        """Note that `user` sent an update; schedule a write only if something changed."""
        fingerprint = (user.username, user.first_name, user.language_code)
        now = self.ctx.clock.monotonic()
        entry = self._recent.get(user.id)
        if entry is not None and entry[1] == fingerprint and now - entry[0] < self.refresh_s:
            return
        self._recent[user.id] = (now, fingerprint)
        self._recent.move_to_end(user.id)
        if len(self._recent) > self.capacity:
            self._recent.popitem(last=False)
        username, first_name, language = fingerprint
        # Its own context: this write is the tracker's, not an effect of the update being
        # handled (which would then be apologised for instead of redelivered).
        background = contextvars.copy_context()
        background.run(OUTCOME.set, None)
        task = asyncio.create_task(
            self._upsert(
                user.id,
                printable_name(username),
                printable_name(first_name),
                printable_name(language),
            ),
            context=background,
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _upsert(
        self, user_id: int, username: str | None, first_name: str | None, language: str | None
    ) -> None:
        from lucien.core.db import upsert
        from lucien.core.db.models import User

        now = self.ctx.clock.now()
        values = {
            "id": user_id,
            "username": username,
            "first_name": first_name or "",
            "language_code": language,
            "first_seen": now,
            "last_seen": now,
            "blocked_bot": False,
        }
        try:
            async with self.ctx.db.session() as session:
                # A known user keeps first_seen; everything else takes the new values.
                refreshed = ["username", "first_name", "language_code", "last_seen", "blocked_bot"]
                await session.execute(
                    upsert(session, User, values, conflict=[User.id], update=refreshed)
                )
        except Exception as exc:
            self._recent.pop(user_id, None)
            log.warning("could not record user %s: %r", user_id, exc)

    async def last_seen(self, user_id: int) -> datetime | None:
        """When the user was last seen before the update being handled (None: never).

        For that update's handler: the context middleware records the user only after
        it, so this is what was stored before. A user this process recorded within the
        refresh interval costs nothing (seen about then); anyone else one read by key.
        """
        entry = self._recent.get(user_id)
        if entry is not None:
            age = self.ctx.clock.monotonic() - entry[0]
            if age < self.refresh_s:
                return self.ctx.clock.now() - timedelta(seconds=age)
        from sqlalchemy import select

        from lucien.core.db.models import User

        async with self.ctx.db.session(readonly=True) as session:
            seen: datetime | None = await session.scalar(
                select(User.last_seen).where(User.id == user_id)
            )
        return seen

    async def mark_blocked(self, user_id: int, blocked: bool = True) -> None:
        """Remember that the user blocked (or unblocked) the bot."""
        from sqlalchemy import update

        from lucien.core.db.models import User

        async with self.ctx.db.session() as session:
            await session.execute(
                update(User).where(User.id == user_id).values(blocked_bot=blocked)
            )
        self._recent.pop(user_id, None)

    # -- blocked by an admin -------------------------------------------------------------

    async def is_blocked(self, user_id: int) -> bool:
        """Whether an admin blocked the user (cached; every replica sees a change)."""
        return bool(
            await self.ctx.cache.get_or_load(BLOCKED_NS, str(user_id), self._load_blocked(user_id))
        )

    def _load_blocked(self, user_id: int) -> Any:
        async def load() -> bool:
            from sqlalchemy import select

            from lucien.core.db.models import User

            async with self.ctx.db.session(readonly=True) as session:
                at = await session.scalar(select(User.blocked_at).where(User.id == user_id))
            return at is not None

        return load

    async def block(self, user_id: int, *, by: int | None) -> bool:
        """Block the user from the bot; False when they already were (or are unknown)."""
        return await self._set_blocked(user_id, by, blocked=True)

    async def unblock(self, user_id: int, *, by: int | None) -> bool:
        """Lift a block; False when there was none."""
        return await self._set_blocked(user_id, by, blocked=False)

    async def _set_blocked(self, user_id: int, by: int | None, *, blocked: bool) -> bool:
        from sqlalchemy import update

        from lucien.core.db.models import User

        values: dict[str, Any] = (
            {"blocked_at": self.ctx.clock.now(), "blocked_by": by, "told_blocked": False}
            if blocked
            else {"blocked_at": None, "blocked_by": None, "told_blocked": False}
        )
        state = User.blocked_at.is_(None) if blocked else User.blocked_at.is_not(None)
        async with self.ctx.db.session() as session:
            result = await session.execute(
                update(User).where(User.id == user_id, state).values(**values)
            )
            changed = bool(getattr(result, "rowcount", 0))
            if changed:
                await self.ctx.audit.record(
                    session,
                    actor_id=by,
                    plugin="core",
                    action="user.block" if blocked else "user.unblock",
                    target_id=user_id,
                    before={"blocked": not blocked},
                    after={"blocked": blocked},
                )
        await self.ctx.cache.invalidate(BLOCKED_NS, str(user_id))
        return changed

    async def tell_blocked_once(self, user_id: int) -> bool:
        """True the first time it is asked after a block (that update gets the one line),
        False after: the flag flips in one UPDATE, so replicas agree on who says it."""
        from sqlalchemy import update

        from lucien.core.db.models import User

        async with self.ctx.db.session() as session:
            result = await session.execute(
                update(User)
                .where(
                    User.id == user_id, User.blocked_at.is_not(None), User.told_blocked.is_(False)
                )
                .values(told_blocked=True)
            )
            return bool(getattr(result, "rowcount", 0))

    async def drain(self) -> None:
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
