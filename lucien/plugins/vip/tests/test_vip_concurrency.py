"""VIP under concurrency (SQLite and PostgreSQL): one token raced by 100 redemptions, two
replicas running the job loop against one database, and a replica that crashes after
claiming its rows."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from lucien.plugins.vip.models import Subscription, Token
from lucien.plugins.vip.services import VipService
from lucien.plugins.vip.tests.card_helpers import cross_ritual

pytestmark = pytest.mark.lucien(plugins=["voice", "admin", "vip"])


def vip(harness: Any, app: Any = None) -> VipService:
    ctx = (app or harness.app).ctx
    return ctx.service("vip", VipService)


async def setup_channel(harness: Any) -> Any:
    channel = harness.emulator.create_channel("Salon")
    await harness.ctx.config.update("vip", "channel_id", channel.id, expected_version=0, by=None)
    return channel


async def members_with_tokens(harness: Any, n: int, days: int = 30) -> list[Any]:
    """`n` users who each redeemed a token (by sending it), at the entry ritual's start."""
    svc = vip(harness)
    plan = await svc.create_plan("Gold", days, 999, "USD")
    codes = await svc.generate_tokens(plan.id, n, by=None)
    users = []
    for i, code in enumerate(codes):
        user = harness.user(f"Member{i}", language_code="en")
        await user.send(code)
        users.append(user)
    return users


# On PostgreSQL the race is between row locks; on SQLite (where a deployed bot runs its
# suites) between serialised writers, each of which must still see the token taken.
async def test_hundred_concurrent_redemptions_one_vip(harness: Any) -> None:
    await harness.start_app()
    svc = vip(harness)
    plan = await svc.create_plan("Gold", 30, 0, "")
    [code] = await svc.generate_tokens(plan.id, 1, by=None)

    # 100 users at once, each through its own session and connection.
    results = await asyncio.gather(*(svc.redeem(7_000_000 + i, code) for i in range(100)))
    statuses = Counter(r.status for r in results)
    assert statuses == {"ok": 1, "used": 99}
    async with harness.ctx.db.session() as s:
        subs = await s.scalar(select(func.count()).select_from(Subscription))
        token = await s.scalar(select(Token))
    assert subs == 1
    winner = next(7_000_000 + i for i, r in enumerate(results) if r.status == "ok")
    assert token.redeemed_by == winner
    assert await svc.is_active(winner)


async def test_concurrent_redemption_in_conversation(harness: Any) -> None:
    await harness.start_app()
    await setup_channel(harness)
    svc = vip(harness)
    plan = await svc.create_plan("Gold", 30, 0, "")
    [code] = await svc.generate_tokens(plan.id, 1, by=None)
    users = [harness.user(f"U{i}", language_code="en") for i in range(8)]
    await asyncio.gather(*(u.send(f"/start {code}") for u in users))
    welcomed = [u for u in users if any("Gold" in (m.text or "") for m in u.messages)]
    refused = [u for u in users if u not in welcomed and "already" in (u.messages[0].text or "")]
    assert len(welcomed) == 1 and len(refused) == 7
    await cross_ritual(welcomed[0])
    assert len(harness.emulator.calls_of("createChatInviteLink")) == 1


# Replicas share one database (on SQLite, two apps of this process on one file) and Redis.
@pytest.mark.lucien(plugins=["voice", "admin", "vip"], redis=True)
async def test_two_replicas_remind_and_remove_exactly_once(harness: Any) -> None:
    app1 = await harness.start_app()
    channel = await setup_channel(harness)
    users = await members_with_tokens(harness, 20, days=2)
    for user in users:
        assert await user.join(await cross_ritual(user)) == "joined"
    app2 = await harness.start_app()
    sent_before = len(harness.emulator.calls_of("sendMessage"))

    # the reminder window opens: both replicas run their jobs at the same moment, twice
    harness.clock.advance(hours=25)
    for _ in range(2):
        await asyncio.gather(app1.run_jobs_once(), app2.run_jobs_once())
    await harness.emulator.wait_idle()
    reminders = harness.emulator.calls_of("sendMessage")[sent_before:]
    per_user = Counter(int(c.params["chat_id"]) for c in reminders)
    assert per_user == {u.id: 1 for u in users}

    # the end: each member removed once, one farewell each
    harness.clock.advance(hours=24)
    for _ in range(2):
        await asyncio.gather(app1.run_jobs_once(), app2.run_jobs_once())
    await harness.emulator.wait_idle()
    bans = Counter(int(c.params["user_id"]) for c in harness.emulator.calls_of("banChatMember"))
    assert bans == {u.id: 1 for u in users}
    farewells = Counter(
        int(c.params["chat_id"])
        for c in harness.emulator.calls_of("sendMessage")[sent_before + len(reminders) :]
    )
    assert farewells == {u.id: 1 for u in users}
    assert all(channel.status_of(u.id) == "left" for u in users)
    async with harness.ctx.db.session() as s:
        open_rows = await s.scalar(
            select(func.count()).select_from(Subscription).where(Subscription.expired_at.is_(None))
        )
    assert open_rows == 0


async def test_crashed_replica_neither_skips_nor_repeats(harness: Any) -> None:
    await harness.start_app()
    await setup_channel(harness)
    users = await members_with_tokens(harness, 3, days=2)
    svc = vip(harness)
    before = len(harness.emulator.calls_of("sendMessage"))

    # a replica claims the due reminders, then dies before sending anything
    harness.clock.advance(hours=25)
    _lease, claimed = await svc.claim_reminders()
    assert {r.user_id for r in claimed} == {u.id for u in users}
    # while its lease runs, nobody else touches those rows
    await harness.run_jobs()
    assert len(harness.emulator.calls_of("sendMessage")) == before
    # once the lease has run out, another run sends each reminder, once
    await harness.advance(seconds=301)
    after = harness.emulator.calls_of("sendMessage")[before:]
    assert Counter(int(c.params["chat_id"]) for c in after) == {u.id: 1 for u in users}
    await harness.advance(minutes=10)
    assert len(harness.emulator.calls_of("sendMessage")) == before + 3

    # the same for expiry: a claim that dies still ends in one removal per member
    harness.clock.advance(hours=24)
    await svc.claim_expiries()
    await harness.run_jobs()
    assert harness.emulator.calls_of("banChatMember") == []
    await harness.advance(seconds=301)
    assert Counter(
        int(c.params["user_id"]) for c in harness.emulator.calls_of("banChatMember")
    ) == {u.id: 1 for u in users}
    await harness.advance(hours=1)
    assert len(harness.emulator.calls_of("banChatMember")) == 3


async def test_renewal_while_claimed_for_expiry_is_not_removed(harness: Any) -> None:
    await harness.start_app()
    channel = await setup_channel(harness)
    [ana] = await members_with_tokens(harness, 1, days=2)
    assert await ana.join(await cross_ritual(ana)) == "joined"
    svc = vip(harness)
    plan = (await svc.list_plans())[0]
    harness.clock.advance(days=2)
    await svc.claim_expiries()  # a replica is about to remove her...
    [code] = await svc.generate_tokens(plan.id, 1, by=None)
    await ana.send(code)  # ...when she renews
    await harness.advance(seconds=301)
    assert channel.status_of(ana.id) == "member"
    assert harness.emulator.calls_of("banChatMember") == []
    sub = await svc.subscription(ana.id)
    assert sub is not None and sub.ends_at == harness.clock.now() - timedelta(
        seconds=301
    ) + timedelta(days=2)
