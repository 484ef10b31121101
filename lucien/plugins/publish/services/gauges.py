"""The publish plugin's figures for the dashboard and /metrics (`lucien_gauges`):
broadcasts under way, and their recipients not yet sent (the broadcast job's queue; its
lag is how long the oldest broadcast still sending has been going)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import func, select

from lucien.core.plugin import Gauge
from lucien.plugins.publish.models import Broadcast, BroadcastRecipient
from lucien.plugins.publish.services.common import PENDING, SENDING

if TYPE_CHECKING:
    from lucien.core.context import AppContext


async def broadcasts_sending(ctx: AppContext) -> float:
    async with ctx.db.session(readonly=True) as s:
        count = await s.scalar(
            select(func.count()).select_from(Broadcast).where(Broadcast.status == SENDING)
        )
    return float(count or 0)


async def recipients_waiting(ctx: AppContext) -> float:
    async with ctx.db.session(readonly=True) as s:
        count = await s.scalar(
            select(func.count())
            .select_from(BroadcastRecipient)
            .join(Broadcast, Broadcast.id == BroadcastRecipient.broadcast_id)
            .where(Broadcast.status == SENDING, BroadcastRecipient.status == PENDING)
        )
    return float(count or 0)


async def broadcast_lag(ctx: AppContext) -> float:
    async with ctx.db.session(readonly=True) as s:
        oldest = await s.scalar(
            select(func.min(Broadcast.started_at)).where(Broadcast.status == SENDING)
        )
    return max(0.0, (ctx.clock.now() - oldest).total_seconds()) if oldest else 0.0


def gauges() -> list[Gauge]:
    return [
        Gauge(
            "publish.broadcasts",
            "Broadcasts under way",
            "business",
            broadcasts_sending,
            labels={"es": "Difusiones en curso"},
        ),
        Gauge(
            "publish.recipients",
            "Broadcast messages waiting",
            "queue",
            recipients_waiting,
            broadcast_lag,
            labels={"es": "Mensajes de difusión en espera"},
        ),
    ]
