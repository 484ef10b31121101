"""VIP job effects through the core's outbox (SQLite and PostgreSQL): an expiry and its
removal and farewell are one commit, so a replica killed while delivering them neither
loses the farewell nor repeats the removal; a renewal after the expiry cancels what has
not happened yet."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import select

from lucien.core.db.models import OutboxEntry
from lucien.plugins.vip import run_expiry
from lucien.plugins.vip.models import Subscription
from lucien.plugins.vip.services import VipService
from lucien.plugins.vip.tests.card_helpers import cross_ritual

pytestmark = pytest.mark.lucien(plugins=["voice", "admin", "vip"])

FAREWELL = re.compile(r"has ended and you have left|has come to an end")


def vip(harness: Any) -> VipService:
    return harness.ctx.service("vip", VipService)


async def member(harness: Any, days: int = 2) -> tuple[Any, Any, Any]:
    """A VIP channel and Ana in it with a `days` subscription; (channel, ana, svc)."""
    await harness.start_app()
    channel = harness.emulator.create_channel("Salon")
    await harness.ctx.config.update("vip", "channel_id", channel.id, expected_version=0, by=None)
    svc = vip(harness)
    plan = await svc.create_plan("Gold", days, 999, "USD")
    [code] = await svc.generate_tokens(plan.id, 1, by=None)
    ana = harness.user("Ana", language_code="en")
    await ana.send(code)
    assert await ana.join(await cross_ritual(ana)) == "joined"
    return channel, ana, svc


def farewells(user: Any) -> int:
    return sum(1 for m in user.messages if FAREWELL.search(m.text or ""))


def ok_calls(harness: Any, method: str) -> Counter[int]:
    calls = harness.emulator.calls_of(method)
    return Counter(int(c.params["user_id"]) for c in calls if c.status == 200)


async def removal(harness: Any, user_id: int) -> OutboxEntry:
    async with harness.ctx.db.session(readonly=True) as s:
        row = await s.scalar(
            select(OutboxEntry).where(OutboxEntry.key.startswith(f"vip.expiry:{user_id}:"))
        )
    assert row is not None
    return row


async def test_expiry_is_one_commit_with_its_removal_and_farewell(harness: Any) -> None:
    channel, ana, _svc = await member(harness)
    harness.clock.advance(days=2)
    await run_expiry(harness.ctx)  # the job's transaction, before any delivery
    async with harness.ctx.db.session(readonly=True) as s:
        sub = await s.get(Subscription, ana.id)
    assert sub is not None and sub.expired_at is not None
    queued = await removal(harness, ana.id)
    assert [c["method"] for c in queued.calls] == [
        "banChatMember",
        "unbanChatMember",
        "sendMessage",
    ]
    assert channel.status_of(ana.id) == "member" and farewells(ana) == 0
    await harness.run_jobs()
    assert channel.status_of(ana.id) == "left"
    assert farewells(ana) == 1
    assert (await removal(harness, ana.id)).status == "sent"


@pytest.mark.parametrize("dies", ["after the ban", "during the ban"])
async def test_a_replica_killed_mid_removal_still_says_farewell(harness: Any, dies: str) -> None:
    channel, ana, _svc = await member(harness)
    faults = harness.emulator.faults
    if dies == "after the ban":  # the ban is recorded; the unban never reaches Telegram
        faults.add(method="unbanChatMember", hang=True, status=502, times=1)
    else:  # the ban reaches Telegram, the replica dies before recording it
        faults.add(method="banChatMember", hang=True, times=1)
    harness.clock.advance(days=2)
    await run_expiry(harness.ctx)
    delivery = asyncio.create_task(harness.ctx.outbox.deliver_due())
    await faults.wait_held(1)
    delivery.cancel()  # kill -9 of the replica delivering the removal
    await asyncio.gather(delivery, return_exceptions=True)
    faults.clear()
    await faults.wait_none_held()
    assert farewells(ana) == 0

    # another run takes the row once the dead replica's lease is over
    await harness.advance(seconds=61)
    await harness.advance(minutes=10)
    assert channel.status_of(ana.id) == "left"
    assert farewells(ana) == 1
    assert [c.status for c in harness.emulator.calls_of("unbanChatMember")][-1] == 200
    if dies == "after the ban":
        assert ok_calls(harness, "banChatMember") == {ana.id: 1}
    else:  # the call in flight at the kill is the one that may be repeated
        assert ok_calls(harness, "banChatMember") == {ana.id: 2}
    assert (await removal(harness, ana.id)).status == "sent"


async def test_renewal_before_the_removal_cancels_it(harness: Any) -> None:
    channel, ana, svc = await member(harness)
    plan = (await svc.list_plans())[0]
    [code] = await svc.generate_tokens(plan.id, 1, by=None)
    harness.clock.advance(days=2)
    await run_expiry(harness.ctx)  # expired and queued, not delivered yet...
    await ana.send(code)  # ...when she renews
    await harness.run_jobs()
    await harness.advance(hours=1)
    assert channel.status_of(ana.id) == "member"
    assert harness.emulator.calls_of("banChatMember") == []
    assert farewells(ana) == 0
    assert (await removal(harness, ana.id)).status == "cancelled"
    assert await svc.is_active(ana.id)


async def test_a_reminder_is_marked_and_queued_together(harness: Any) -> None:
    _channel, ana, svc = await member(harness)
    harness.clock.advance(hours=25)
    assert await svc.send_reminders() == 1  # marked and queued; the replica dies here
    async with harness.ctx.db.session(readonly=True) as s:
        sub = await s.get(Subscription, ana.id)
    assert sub is not None and sub.reminded_at is not None
    before = len(ana.messages)
    await harness.run_jobs()  # any replica's outbox delivers it, once
    await harness.advance(minutes=10)
    assert len(ana.messages) == before + 1
    assert "VIP membership" in (ana.last.text or "")
