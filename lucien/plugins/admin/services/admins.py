"""Who administers the bot: ADMIN_IDS from the environment plus the admins added from chat
(the `admins` table); adding and removing them drops their cached role. Each change is
written to the audit log (`admin.promote`, `admin.demote`) in the transaction that makes it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import delete, select

from lucien.core.db import upsert
from lucien.core.db.models import User
from lucien.plugins.admin.models import Admin

if TYPE_CHECKING:
    from sqlalchemy import CursorResult

    from lucien.core.context import AppContext

log = logging.getLogger("lucien.admin")


class AdminService:
    """Administrators: ADMIN_IDS from the environment plus those added from chat."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def env_ids(self) -> set[int]:
        return set(self.ctx.settings.admin_ids or ())

    async def is_admin(self, user_id: int) -> bool:
        """Asked once per user by role resolution; the core caches the answer."""
        if user_id in self.env_ids():
            return True
        async with self.ctx.db.session(readonly=True) as session:
            found = await session.scalar(select(Admin.user_id).where(Admin.user_id == user_id))
        return found is not None

    async def stored_ids(self) -> list[int]:
        async with self.ctx.db.session(readonly=True) as session:
            rows = await session.scalars(
                select(Admin.user_id).order_by(Admin.added_at, Admin.user_id)
            )
            return list(rows)

    async def list_admins(self) -> list[tuple[int, str, bool]]:
        """(id, display name, removable) for every admin; ADMIN_IDS cannot be removed here."""
        env = sorted(self.env_ids())
        stored = [i for i in await self.stored_ids() if i not in env]
        ids = env + stored
        async with self.ctx.db.session(readonly=True) as session:
            rows = await session.execute(
                select(User.id, User.first_name, User.username).where(User.id.in_(ids))
            )
            names = {
                uid: first or (f"@{username}" if username else "") for uid, first, username in rows
            }
        return [(i, names.get(i) or str(i), i not in env) for i in ids]

    async def add(self, user_id: int, by: int) -> bool:
        """Make `user_id` an admin; False if they already were. Their cached role is dropped."""
        if user_id in self.env_ids():
            return False
        row = {"user_id": user_id, "added_by": by, "added_at": self.ctx.clock.now()}
        async with self.ctx.db.session() as session:
            # DO NOTHING when they are one already: no race between two admins adding them.
            stmt = upsert(session, Admin, row, conflict=["user_id"])
            added = cast("CursorResult[Any]", await session.execute(stmt)).rowcount == 1
            if added:
                await self.ctx.audit.record(
                    session,
                    actor_id=by,
                    plugin="admin",
                    action="admin.promote",
                    target_id=user_id,
                    before={"admin": False},
                    after={"admin": True},
                )
        if not added:
            return False
        await self.ctx.invalidate_role(user_id)
        log.info("admin %s added by %s", user_id, by)
        return True

    async def remove(self, user_id: int, by: int) -> bool:
        """Remove an admin added from chat; False if there was none to remove."""
        async with self.ctx.db.session() as session:
            deleted = await session.execute(delete(Admin).where(Admin.user_id == user_id))
            result = cast("CursorResult[Any]", deleted)
            removed = bool(result.rowcount)
            if removed:
                await self.ctx.audit.record(
                    session,
                    actor_id=by,
                    plugin="admin",
                    action="admin.demote",
                    target_id=user_id,
                    before={"admin": True},
                    after={"admin": False},
                )
        await self.ctx.invalidate_role(user_id)
        if removed:
            log.info("admin %s removed by %s", user_id, by)
        return removed


def admin_service(ctx: AppContext) -> AdminService:
    return ctx.service("admin", AdminService)
