"""The core's own queue for the dashboard and /metrics (`lucien_gauges`): outbox rows
whose calls are due and not made yet, and how long the oldest has been due."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, and_, func, select

from lucien.core.db.models import OutboxEntry
from lucien.core.plugin import Gauge

if TYPE_CHECKING:
    from lucien.core.context import AppContext

_PENDING = "pending"  # lucien.core.outbox's status of a row not finished


def _due(ctx: AppContext) -> ColumnElement[bool]:
    return and_(OutboxEntry.status == _PENDING, OutboxEntry.next_attempt_at <= ctx.clock.now())


async def outbox_due(ctx: AppContext) -> float:
    async with ctx.db.session(readonly=True) as s:
        count = await s.scalar(select(func.count()).select_from(OutboxEntry).where(_due(ctx)))
    return float(count or 0)


async def outbox_lag(ctx: AppContext) -> float:
    async with ctx.db.session(readonly=True) as s:
        oldest = await s.scalar(select(func.min(OutboxEntry.next_attempt_at)).where(_due(ctx)))
    return max(0.0, (ctx.clock.now() - oldest).total_seconds()) if oldest else 0.0


def gauges() -> list[Gauge]:
    return [
        Gauge(
            "core.outbox",
            "Outbox calls due",
            "queue",
            outbox_due,
            outbox_lag,
            labels={"es": "Llamadas pendientes del outbox"},
        )
    ]
