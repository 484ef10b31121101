"""The VIP reads every update (or a health probe) makes, beside a writer: on SQLite a write
session holds the database's single write lock from BEGIN to COMMIT, so the role hook
(`is_active`), the plan list and the health counts must be read-only sessions that do not
queue behind it.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select

from lucien.core.roles import resolve_role
from lucien.plugins.vip.models import Plan
from lucien.plugins.vip.services import VipService

pytestmark = pytest.mark.lucien(plugins=["vip"])

# Far below SQLite's busy timeout (5 s): a read queued behind the writer would still be
# waiting when this runs out, while one that reads beside it returns at once.
BESIDE_WRITER_S = 2.0


async def test_a_members_role_and_the_counts_read_while_a_writer_holds_the_lock(
    harness: Any,
) -> None:
    ana = harness.user("Ana", language_code="en")
    await harness.start_app()
    ctx = harness.ctx
    svc: VipService = ctx.service("vip", VipService)
    plan = await svc.create_plan("Gold", 30, 999, "USD")
    [code] = await svc.generate_tokens(plan.id, 1, by=None)
    await ana.send(code)
    assert any("Gold" in (m.text or "") for m in ana.messages)

    holding = asyncio.Event()
    release = asyncio.Event()

    async def add_a_plan_slowly() -> None:
        # A write session that has written and stays open, holding the write lock.
        async with ctx.db.session() as s:
            s.add(
                Plan(name="Silver", days=7, price_minor=0, currency="", created_at=ctx.clock.now())
            )
            await s.flush()
            holding.set()
            await release.wait()

    writer = asyncio.create_task(add_a_plan_slowly())
    try:
        await asyncio.wait_for(holding.wait(), BESIDE_WRITER_S)
        # Through the real app: every plugin's role hook, as Ana's next update would ask.
        await ctx.invalidate_role(ana.id)
        assert await asyncio.wait_for(resolve_role(ctx, ana.id), BESIDE_WRITER_S) == "vip"
        # What the health check and the menus read.
        counts = await asyncio.wait_for(svc.counts(), BESIDE_WRITER_S)
        assert counts == {"active_subscriptions": 1, "redeemable_tokens": 0}
        await asyncio.wait_for(svc.queue_depths(), BESIDE_WRITER_S)
        await ctx.cache.invalidate("vip_plans", "active")
        # The readers saw the last committed state: Silver is not there yet.
        plans = await asyncio.wait_for(svc.list_plans(), BESIDE_WRITER_S)
        assert [p.name for p in plans] == ["Gold"]
        assert not writer.done(), "the writer must still hold the lock during the reads"
    finally:
        release.set()
        await writer

    async with ctx.db.session(readonly=True) as s:
        assert list(await s.scalars(select(Plan.name).order_by(Plan.id))) == ["Gold", "Silver"]
    await ana.send("/vip")
    assert "Gold" in ana.last.text and "30 days" in ana.last.text
