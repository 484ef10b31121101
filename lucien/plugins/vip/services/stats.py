"""The VIP figures of the admins' statistics screen, from four aggregate statements
whatever the number of rows: subscriptions, the history, tokens, and revenue per plan.

Definitions (the screen's lines say them in words):

- active: a period running now (`expired_at` NULL, `ends_at` ahead);
- new VIPs: users whose period started (not extended) in the window, each counted once;
- renewals: periods extended while running (a token or an admin's extension);
- lapses: periods the expiry job closed in the window (revocations are not lapses);
- tokens: generated ever, redeemed ever, unused (still redeemable now);
- projected monthly revenue: each active subscription's plan price spread over its
  days, times 30, summed per currency (days granted without a plan count nothing).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import and_, case, distinct, func, select

from lucien.core.formatting import Money
from lucien.plugins.vip.models import Plan, Subscription, SubscriptionEvent, Token
from lucien.plugins.vip.services.common import VipPart

MONTH_DAYS = 30  # "monthly" revenue: a plan's price per 30 days of it


@dataclass(frozen=True)
class VipStats:
    """The VIP section's figures."""

    active: int = 0
    new_7d: int = 0
    new_30d: int = 0
    expiring_7d: int = 0
    renewals_30d: int = 0
    lapses_30d: int = 0
    tokens_generated: int = 0
    tokens_redeemed: int = 0
    tokens_unused: int = 0
    revenue: list[Money] = field(default_factory=list)  # per currency, by code


def _count_if(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


class Statistics(VipPart):
    """Aggregates for the statistics screen."""

    async def stats(self) -> VipStats:
        """Every figure, in four statements (see the module docstring)."""
        now = self._now()
        week, month = now - timedelta(days=7), now - timedelta(days=30)
        active = and_(Subscription.expired_at.is_(None), Subscription.ends_at > now)
        E = SubscriptionEvent
        async with self.ctx.db.session(readonly=True) as s:
            subs = (
                await s.execute(
                    select(
                        _count_if(active),
                        _count_if(and_(active, Subscription.ends_at <= now + timedelta(days=7))),
                    ).select_from(Subscription)
                )
            ).one()
            started = E.kind == "start"
            events = (
                await s.execute(
                    select(
                        func.count(distinct(case((and_(started, E.at >= week), E.user_id)))),
                        func.count(distinct(case((started, E.user_id)))),
                        _count_if(E.kind == "renew"),
                        _count_if(and_(E.kind == "end", E.source == "expiry")),
                    ).where(E.at >= month)
                )
            ).one()
            redeemable = and_(
                Token.redeemed_by.is_(None), Token.revoked_at.is_(None), Token.expires_at > now
            )
            tokens = (
                await s.execute(
                    select(
                        func.count(),
                        _count_if(Token.redeemed_by.is_not(None)),
                        _count_if(redeemable),
                    ).select_from(Token)
                )
            ).one()
            per_plan = (
                await s.execute(
                    select(Plan.currency, Plan.price_minor, Plan.days, func.count())
                    .select_from(Subscription)
                    .join(Plan, Plan.id == Subscription.plan_id)
                    .where(active, Plan.price_minor > 0)
                    .group_by(Plan.id, Plan.currency, Plan.price_minor, Plan.days)
                )
            ).all()
        return VipStats(
            active=int(subs[0]),
            expiring_7d=int(subs[1]),
            new_7d=int(events[0]),
            new_30d=int(events[1]),
            renewals_30d=int(events[2]),
            lapses_30d=int(events[3]),
            tokens_generated=int(tokens[0]),
            tokens_redeemed=int(tokens[1]),
            tokens_unused=int(tokens[2]),
            revenue=monthly_revenue(per_plan),
        )


def monthly_revenue(rows: Sequence[Any]) -> list[Money]:
    """(currency, price_minor, days, subscriptions) per plan -> Money per currency, exact
    to the cent (summed before rounding), by currency code."""
    totals: dict[str, Decimal] = {}
    for currency, price_minor, days, count in rows:
        if not currency or not days:
            continue
        share = Decimal(price_minor) * MONTH_DAYS * int(count) / Decimal(days)
        totals[currency] = totals.get(currency, Decimal(0)) + share
    return [
        Money.from_minor(int(total.quantize(Decimal(1), ROUND_HALF_UP)), currency)
        for currency, total in sorted(totals.items())
    ]
