"""Subscription periods: starting or extending one, ending one, and the history each
change leaves (`SubscriptionEvent`), always in the caller's write transaction.

A token's redemption and an admin's grant or extension go through the same
`start_or_extend`, so a VIP made from the card is the same VIP a token makes: the row
upserted then locked (a concurrent first period for the same user does nothing twice),
the last period's removal cancelled if it has not begun, a fresh reminder, the expiry
job's lease taken back. `end_period` closes one (a revocation); the expiry job writes
its own "end" event beside its update.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

from sqlalchemy import select

from lucien.core.db import upsert
from lucien.plugins.vip.models import Subscription, SubscriptionEvent
from lucien.plugins.vip.services.common import expiry_key

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from lucien.core.context import AppContext

EventKind = Literal["start", "renew", "end"]
EventSource = Literal["token", "admin", "expiry", "revoke"]


@dataclass(frozen=True)
class PeriodChange:
    """What `start_or_extend` did: the new end, and whether a period was running."""

    ends_at: datetime
    extended: bool
    plan_id: int | None


def event(
    user_id: int,
    at: datetime,
    kind: EventKind,
    source: EventSource,
    *,
    plan_id: int | None = None,
    days: int | None = None,
    ends_at: datetime | None = None,
    actor_id: int | None = None,
) -> SubscriptionEvent:
    """One history row (added by the caller to its session)."""
    return SubscriptionEvent(
        user_id=user_id,
        at=at,
        kind=kind,
        source=source,
        plan_id=plan_id,
        days=days,
        ends_at=ends_at,
        actor_id=actor_id,
    )


async def locked_subscription(s: AsyncSession, user_id: int) -> Subscription | None:
    """The user's subscription row, locked until the transaction ends (PostgreSQL; SQLite's
    write transaction holds the database), read fresh."""
    return await s.scalar(
        select(Subscription)
        .where(Subscription.user_id == user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def start_or_extend(
    ctx: AppContext,
    s: AsyncSession,
    *,
    user_id: int,
    plan_id: int | None,
    days: int,
    now: datetime,
    source: EventSource,
    actor_id: int | None = None,
) -> PeriodChange:
    """Start a period of `days` or extend the running one, in the caller's transaction.

    `plan_id` None keeps a running period's plan (an extension by days) and leaves a new
    one without a plan (days granted as a courtesy: no revenue).
    """
    # The row exists from here on (a concurrent first period does nothing), then locked.
    await s.execute(
        upsert(
            s,
            Subscription,
            {"user_id": user_id, "plan_id": plan_id, "started_at": now, "ends_at": now},
            conflict=["user_id"],
        )
    )
    sub = await locked_subscription(s, user_id)
    assert sub is not None
    active = sub.expired_at is None and sub.ends_at > now
    if sub.expired_at is not None:
        # The last period's removal may still wait in the outbox: cancelled if no call of
        # it was made, else it ends (the farewell dropped) and the member gets a link
        # back (membership.invite).
        await ctx.outbox.cancel(s, expiry_key(user_id, sub.ends_at))
    if not active:
        sub.started_at, sub.expired_at = now, None
    sub.ends_at = (sub.ends_at if active else now) + timedelta(days=days)
    if plan_id is not None or not active:
        sub.plan_id = plan_id
    # A fresh period gets its own reminder; a lease held by the expiry job is taken back
    # so it does not remove someone who just renewed (it re-checks the lease).
    sub.reminded_at = None
    sub.claimed_by = sub.claimed_until = None
    s.add(
        event(
            user_id,
            now,
            "renew" if active else "start",
            source,
            plan_id=sub.plan_id,
            days=days,
            ends_at=sub.ends_at,
            actor_id=actor_id,
        )
    )
    return PeriodChange(sub.ends_at, active, sub.plan_id)


def end_period(
    s: AsyncSession, sub: Subscription, now: datetime, source: EventSource, actor_id: int | None
) -> None:
    """Close a running period now (a revocation): expired, ending now, in the history."""
    sub.ends_at = min(sub.ends_at, now)
    sub.expired_at = now
    sub.claimed_by = sub.claimed_until = None
    s.add(
        event(
            sub.user_id,
            now,
            "end",
            source,
            plan_id=sub.plan_id,
            ends_at=sub.ends_at,
            actor_id=actor_id,
        )
    )
