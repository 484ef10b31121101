"""The content plugin's figure for the dashboard and /metrics (`lucien_gauges`): the
interests ("Me interesa") no admin has attended yet."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import func, select

from lucien.core.plugin import Gauge
from lucien.plugins.content.models import ContentInterest

if TYPE_CHECKING:
    from lucien.core.context import AppContext


async def pending_interests(ctx: AppContext) -> float:
    async with ctx.db.session(readonly=True) as s:
        count = await s.scalar(
            select(func.count())
            .select_from(ContentInterest)
            .where(ContentInterest.attended_at.is_(None))
        )
    return float(count or 0)


def gauges() -> list[Gauge]:
    return [
        Gauge(
            "content.interests",
            "Pending interests",
            "business",
            pending_interests,
            labels={"es": "Intereses pendientes"},
        )
    ]
