"""The audit log: every admin action on a user, who did it and what it changed.

Plugins record an action in the same transaction as the change it describes, so the log
never claims what did not happen nor misses what did::

    async with ctx.db.session() as s:
        ...  # the change
        await ctx.audit.record(s, actor_id=admin.id, plugin="vip", action="vip.grant",
                               target_id=user_id, before=None, after={"until": "..."})

The admin plugin's user card shows `for_target`'s entries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from lucien.core.db.models import AuditEntry

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from lucien.core.context import AppContext


class Audit:
    """Writing and reading `audit_log` (`ctx.audit`)."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    async def record(
        self,
        session: AsyncSession,
        *,
        actor_id: int | None,
        plugin: str,
        action: str,
        target_id: int | None,
        before: Any = None,
        after: Any = None,
    ) -> None:
        """Add one entry in the caller's open write transaction (JSON-able before/after)."""
        session.add(
            AuditEntry(
                at=self.ctx.clock.now(),
                actor_id=actor_id,
                plugin=plugin,
                action=action,
                target_id=target_id,
                before=before,
                after=after,
            )
        )
        await session.flush()

    async def for_target(self, target_id: int, limit: int = 10) -> list[AuditEntry]:
        """The latest entries about `target_id`, newest first."""
        async with self.ctx.db.session(readonly=True) as s:
            rows = await s.scalars(
                select(AuditEntry)
                .where(AuditEntry.target_id == target_id)
                .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
                .limit(limit)
            )
            return list(rows)
