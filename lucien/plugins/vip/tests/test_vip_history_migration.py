"""vip_0002 (SQLite and PostgreSQL): the tables match the models; from vip_0001 it keeps
the subscriptions and writes their history (each latest period's start, and its end
for the closed ones); it goes down again, leaving plan-less periods out."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select

from lucien.core.db import migrate
from lucien.plugins.vip.models import Plan, Subscription, SubscriptionEvent

pytestmark = pytest.mark.lucien(plugins=["voice", "admin", "vip"])


async def test_vip_0002_up_from_0001_writes_the_history(harness: Any) -> None:
    await harness.start_app()
    ctx = harness.ctx
    settings, registry = harness.app.settings, ctx.registry
    assert await migrate.compare_models(settings, registry, "vip") == []

    downgraded = await migrate.downgrade_branch(settings, registry, "vip", "vip_0001")
    assert downgraded == ["vip_0004", "vip_0003", "vip_0002"]
    now = harness.clock.now()
    async with ctx.db.session() as s:
        await s.execute(
            insert(Plan).values(
                id=1, name="Gold", days=30, price_minor=999, currency="USD", created_at=now
            )
        )
        await s.execute(
            insert(Subscription),
            [
                {"user_id": 10, "plan_id": 1, "started_at": now, "ends_at": now + timedelta(days=30),
                 "expired_at": None},
                {"user_id": 11, "plan_id": 1, "started_at": now - timedelta(days=40),
                 "ends_at": now - timedelta(days=10), "expired_at": now - timedelta(days=9)},
            ],
        )  # fmt: skip

    report = await migrate.upgrade_all(settings, registry)
    assert ("vip", "vip_0002") in report.applied
    async with ctx.db.session(readonly=True) as s:
        events = (
            await s.execute(
                select(
                    SubscriptionEvent.user_id,
                    SubscriptionEvent.kind,
                    SubscriptionEvent.source,
                    SubscriptionEvent.at,
                ).order_by(SubscriptionEvent.user_id, SubscriptionEvent.at)
            )
        ).all()
    assert [tuple(e) for e in events] == [
        (10, "start", "token", now),
        (11, "start", "token", now - timedelta(days=40)),
        (11, "end", "expiry", now - timedelta(days=9)),
    ]

    # A plan-less period (granted days) cannot go under NOT NULL: down it goes alone.
    async with ctx.db.session() as s:
        await s.execute(
            insert(Subscription).values(
                user_id=12, plan_id=None, started_at=now, ends_at=now + timedelta(days=3)
            )
        )
    downgraded = await migrate.downgrade_branch(settings, registry, "vip", "vip_0001")
    assert downgraded == ["vip_0004", "vip_0003", "vip_0002"]
    async with ctx.db.session(readonly=True) as s:
        kept = list(await s.scalars(select(Subscription.user_id).order_by(Subscription.user_id)))
    assert kept == [10, 11]
    await migrate.upgrade_all(settings, registry)
    assert await migrate.compare_models(settings, registry, "vip") == []
