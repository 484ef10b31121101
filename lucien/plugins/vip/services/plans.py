"""VIP plans: how they are shown (`PlanView`, its price a `Money` the voice writes in the
user's locale), priced (`parse_price`) and kept.

Active plans are cached (`CACHE_PLANS`) and every change invalidates them; archiving hides
a plan from new tokens while the tokens already issued for it keep working.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from lucien.core.formatting import Money
from lucien.plugins.vip.models import Plan
from lucien.plugins.vip.services.common import CACHE_PLANS, VipPart

MAX_PLAN_DAYS = 3650


@dataclass(frozen=True)
class PlanView:
    """A plan as screens show it."""

    id: int
    name: str
    days: int
    price_minor: int
    currency: str
    archived: bool = False

    @property
    def price(self) -> Money | None:
        """The price, for the voice to write in the user's locale ("9,99 US$" / "$9.99"),
        or None for a plan without one."""
        if not self.price_minor and not self.currency:
            return None
        return Money.from_minor(self.price_minor, self.currency)


def parse_price(raw: str) -> tuple[int, str] | None:
    """ "9.99 USD" -> (999, "USD"); "0" -> (0, ""); None if it is not a price."""
    match = re.fullmatch(r"\s*(\d{1,7})(?:[.,](\d{1,2}))?\s*([A-Za-z]{3})?\s*", raw or "")
    if not match:
        return None
    units, cents, currency = match.groups()
    minor = int(units) * 100 + int((cents or "0").ljust(2, "0"))
    if minor and not currency:
        return None  # a price needs its currency to mean anything to users
    return minor, (currency or "").upper()


class Plans(VipPart):
    """Listing, creating, editing and archiving plans."""

    async def list_plans(self) -> list[PlanView]:
        """Active (not archived) plans, oldest first; cached until a plan changes."""

        async def load() -> list[dict[str, Any]]:
            async with self.ctx.db.session(readonly=True) as s:
                rows = await s.scalars(
                    select(Plan).where(Plan.archived_at.is_(None)).order_by(Plan.id)
                )
                return [
                    {
                        "id": p.id,
                        "name": p.name,
                        "days": p.days,
                        "price_minor": p.price_minor,
                        "currency": p.currency,
                    }
                    for p in rows
                ]

        raw = await self.ctx.cache.get_or_load(CACHE_PLANS, "active", load)
        return [PlanView(**item) for item in raw]

    async def get_plan(self, plan_id: int) -> PlanView | None:
        """A plan by id, archived or not."""
        async with self.ctx.db.session(readonly=True) as s:
            p = await s.get(Plan, plan_id)
            if p is None:
                return None
            return PlanView(
                p.id, p.name, p.days, p.price_minor, p.currency, p.archived_at is not None
            )

    async def create_plan(self, name: str, days: int, price_minor: int, currency: str) -> PlanView:
        """Add a plan."""
        async with self.ctx.db.session() as s:
            plan = Plan(
                name=name[:64],
                days=days,
                price_minor=price_minor,
                currency=currency,
                created_at=self._now(),
            )
            s.add(plan)
            await s.flush()
            view = PlanView(plan.id, plan.name, days, price_minor, currency)
        await self.ctx.cache.invalidate(CACHE_PLANS, "active")
        return view

    async def update_plan(
        self, plan_id: int, name: str, days: int, price_minor: int, currency: str
    ) -> PlanView | None:
        """Change a plan; subscriptions already running keep their end date."""
        async with self.ctx.db.session() as s:
            plan = await s.get(Plan, plan_id)
            if plan is None:
                return None
            plan.name, plan.days = name[:64], days
            plan.price_minor, plan.currency = price_minor, currency
        await self.ctx.cache.invalidate(CACHE_PLANS, "active")
        return PlanView(plan_id, name[:64], days, price_minor, currency)

    async def archive_plan(self, plan_id: int) -> PlanView | None:
        """Hide a plan from new tokens; its issued tokens still work."""
        async with self.ctx.db.session() as s:
            plan = await s.get(Plan, plan_id)
            if plan is None:
                return None
            plan.archived_at = plan.archived_at or self._now()
            view = PlanView(plan.id, plan.name, plan.days, plan.price_minor, plan.currency, True)
        await self.ctx.cache.invalidate(CACHE_PLANS, "active")
        return view
