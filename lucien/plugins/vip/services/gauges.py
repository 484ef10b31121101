"""The VIP plugin's figures for the dashboard and /metrics (`lucien_gauges`): members
whose subscription runs now, and the expiries the job has not made yet (with how long
the oldest has waited: a growing lag means the expiry job is stuck or too slow)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, and_, func, select

from lucien.core.plugin import Gauge
from lucien.plugins.vip.models import Subscription

if TYPE_CHECKING:
    from lucien.core.context import AppContext


async def active_members(ctx: AppContext) -> float:
    now = ctx.clock.now()
    async with ctx.db.session(readonly=True) as s:
        count = await s.scalar(
            select(func.count())
            .select_from(Subscription)
            .where(Subscription.expired_at.is_(None), Subscription.ends_at > now)
        )
    return float(count or 0)


def _due(ctx: AppContext) -> ColumnElement[bool]:
    return and_(Subscription.expired_at.is_(None), Subscription.ends_at <= ctx.clock.now())


async def expiries_due(ctx: AppContext) -> float:
    async with ctx.db.session(readonly=True) as s:
        count = await s.scalar(select(func.count()).select_from(Subscription).where(_due(ctx)))
    return float(count or 0)


async def expiry_lag(ctx: AppContext) -> float:
    async with ctx.db.session(readonly=True) as s:
        oldest = await s.scalar(select(func.min(Subscription.ends_at)).where(_due(ctx)))
    return max(0.0, (ctx.clock.now() - oldest).total_seconds()) if oldest else 0.0


def gauges() -> list[Gauge]:
    return [
        Gauge(
            "vip.active", "Active VIPs", "business", active_members, labels={"es": "VIP activos"}
        ),
        Gauge(
            "vip.expiry",
            "VIP expiries due",
            "queue",
            expiries_due,
            expiry_lag,
            labels={"es": "Expiraciones VIP pendientes"},
        ),
    ]
