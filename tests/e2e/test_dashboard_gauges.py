"""Every plugin's gauges (issue 21): the dashboard's business figures and job queues are
what the database holds: active VIPs and the expiries due, pending join requests and the
approvals due, pending interests, broadcasts under way and their messages waiting, the
outbox's calls due, each queue with the age of its oldest due item. The rows are written
directly (a cross-plugin test may use every plugin's tables); the figures are read as the
page and /metrics get them.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from aiogram.methods import SendMessage

from lucien.plugins.content.models import ContentInterest, ContentPackage
from lucien.plugins.dashboard.services import figures, sampler
from lucien.plugins.free.models import PENDING, FreeJoinRequest
from lucien.plugins.publish.models import Broadcast, BroadcastRecipient
from lucien.plugins.vip.models import Subscription

pytestmark = pytest.mark.lucien(plugins=["admin", "vip", "free", "content", "publish", "dashboard"])


async def test_the_gauges_count_what_the_database_holds(harness: Any) -> None:
    await harness.start_app()
    ctx = harness.ctx
    now = ctx.clock.now()
    ago = lambda **delta: now - timedelta(**delta)  # noqa: E731

    async with ctx.db.session() as s:
        s.add_all(
            [
                Subscription(user_id=1, started_at=ago(days=10), ends_at=now + timedelta(days=5)),
                Subscription(user_id=2, started_at=ago(days=10), ends_at=now + timedelta(days=1)),
                # Ended an hour ago, not yet expired by the job: due, an hour late.
                Subscription(user_id=3, started_at=ago(days=30), ends_at=ago(hours=1)),
                Subscription(
                    user_id=4, started_at=ago(days=30), ends_at=ago(days=2), expired_at=ago(days=2)
                ),
            ]
        )
        for user_id, due in ((10, ago(minutes=2)), (11, now + timedelta(minutes=5))):
            s.add(
                FreeJoinRequest(
                    chat_id=-100,
                    user_id=user_id,
                    status=PENDING,
                    requested_at=ago(minutes=10),
                    due_at=due,
                )
            )
        package = ContentPackage(
            name="P", description="d", category="free", created_at=now, updated_at=now
        )
        s.add(package)
        await s.flush()
        s.add_all(
            [
                ContentInterest(user_id=20, package_id=package.id, created_at=now),
                ContentInterest(user_id=21, package_id=package.id, created_at=now, attended_at=now),
            ]
        )
        broadcast = Broadcast(
            created_by=1,
            created_at=ago(minutes=1),
            audience="all",
            source_chat_id=1,
            source_message_ids=[1],
            status="sending",
            started_at=ago(seconds=30),
            total=3,
        )
        s.add(broadcast)
        await s.flush()
        for user_id, status in ((30, "pending"), (31, "pending"), (32, "sent")):
            s.add(BroadcastRecipient(broadcast_id=broadcast.id, user_id=user_id, status=status))
        await ctx.outbox.add(s, SendMessage(chat_id=1, text="hi"), key="test:1", plugin="vip")

    values, lags = await sampler(ctx).read_gauges()
    assert values == {
        "vip.active": 2,
        "vip.expiry": 1,
        "free.pending": 2,
        "free.approvals": 1,
        "content.interests": 1,
        "publish.broadcasts": 1,
        "publish.recipients": 2,
        "core.outbox": 1,
    }
    assert lags == {
        "vip.expiry": 3600,
        "free.approvals": 120,
        "publish.recipients": 30,
        "core.outbox": 0,
    }

    # The page's JSON, labelled in the admin's language.
    page = await figures(ctx, "es")
    shown = {g["name"]: (g["label"], g["kind"], g["value"]) for g in page["gauges"]}
    assert shown["vip.active"] == ("VIP activos", "business", 2)
    assert shown["free.approvals"] == ("Aprobaciones Free vencidas", "queue", 1)

    # /metrics after a sample.
    await sampler(ctx).tick()
    scraped = ctx.app.metrics.render().decode().splitlines()
    assert 'lucien_business{figure="vip.active"} 2.0' in scraped
    assert 'lucien_queue_depth{queue="free.approvals"} 1.0' in scraped
    assert 'lucien_queue_lag_seconds{queue="vip.expiry"} 3600.0' in scraped
