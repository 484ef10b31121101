"""The free plugin's figures for the dashboard and /metrics (`lucien_gauges`): join
requests waiting, and those whose wait is over but not yet approved (the approvals
job's queue, with how long the oldest has been due)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, and_, func, select

from lucien.core.plugin import Gauge
from lucien.plugins.free.models import PENDING, FreeJoinRequest

if TYPE_CHECKING:
    from lucien.core.context import AppContext


async def pending_requests(ctx: AppContext) -> float:
    async with ctx.db.session(readonly=True) as s:
        count = await s.scalar(
            select(func.count())
            .select_from(FreeJoinRequest)
            .where(FreeJoinRequest.status == PENDING)
        )
    return float(count or 0)


def _due(ctx: AppContext) -> ColumnElement[bool]:
    return and_(FreeJoinRequest.status == PENDING, FreeJoinRequest.due_at <= ctx.clock.now())


async def approvals_due(ctx: AppContext) -> float:
    async with ctx.db.session(readonly=True) as s:
        count = await s.scalar(select(func.count()).select_from(FreeJoinRequest).where(_due(ctx)))
    return float(count or 0)


async def approvals_lag(ctx: AppContext) -> float:
    async with ctx.db.session(readonly=True) as s:
        oldest = await s.scalar(select(func.min(FreeJoinRequest.due_at)).where(_due(ctx)))
    return max(0.0, (ctx.clock.now() - oldest).total_seconds()) if oldest else 0.0


def gauges() -> list[Gauge]:
    return [
        Gauge(
            "free.pending",
            "Pending join requests",
            "business",
            pending_requests,
            labels={"es": "Solicitudes de acceso pendientes"},
        ),
        Gauge(
            "free.approvals",
            "Free approvals due",
            "queue",
            approvals_due,
            approvals_lag,
            labels={"es": "Aprobaciones Free vencidas"},
        ),
    ]
