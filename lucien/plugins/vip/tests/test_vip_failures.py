"""VIP when things go wrong (SQLite and PostgreSQL): the bot loses the right to ban at
expiry time, Telegram fails during the job loop, a renewal races the removal, a removal
was left half done, an invite link leaks to strangers."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from lucien.core.testing.emulator.methods import REGISTRY
from lucien.plugins.vip.models import InviteLink, Subscription
from lucien.plugins.vip.services import VipService
from lucien.plugins.vip.tests.card_helpers import cross_ritual, invite_link

pytestmark = pytest.mark.lucien(plugins=["voice", "admin", "vip"])

# Both variants of vip.expired (en), and of vip.ritual.closed (the entry ritual overtaken).
FAREWELL = re.compile(r"has ended and you have left|has come to an end")
RITUAL_CLOSED = re.compile(r"came to an end before you crossed|closed before you reached it")
CANNOT_BAN = "cannot ban or unban"


def vip(harness: Any) -> VipService:
    return harness.ctx.service("vip", VipService)


async def setup(harness: Any, n: int = 1, days: int = 2, **config: Any) -> tuple[Any, list[Any]]:
    """Start the bot with a VIP channel; `n` members who redeemed a token, walked the entry
    ritual and joined."""
    await harness.start_app()
    channel = harness.emulator.create_channel("Salon")
    await harness.ctx.config.update("vip", "channel_id", channel.id, expected_version=0, by=None)
    for key, value in config.items():
        await harness.ctx.config.update("vip", key, value, expected_version=0, by=None)
    svc = vip(harness)
    plan = await svc.create_plan("Gold", days, 999, "USD")
    users = []
    for i, code in enumerate(await svc.generate_tokens(plan.id, n, by=None)):
        user = harness.user(f"Member{i}", language_code="en")
        await user.send(code)
        assert await user.join(await cross_ritual(user)) == "joined"
        users.append(user)
    return channel, users


def farewells(user: Any, line: re.Pattern[str] = FAREWELL) -> int:
    return sum(1 for m in user.messages if line.search(m.text or ""))


def ok_calls(harness: Any, method: str, key: str = "user_id") -> Counter[int]:
    return Counter(int(c.params[key]) for c in harness.emulator.calls_of(method) if c.status == 200)


async def subscription_row(harness: Any, user_id: int) -> Any:
    async with harness.ctx.db.session() as s:
        return await s.get(Subscription, user_id)


async def removal_pending(harness: Any, user_id: int) -> bool:
    return bool(await harness.ctx.outbox.pending(f"vip.expiry:{user_id}:"))


async def set_rights(harness: Any, channel: Any, **rights: bool) -> None:
    await harness.emulator.wait_handled(harness.emulator.set_bot_rights(channel.id, **rights))


# --------------------------------------------------------------------------- 1. rights lost


async def test_expiry_without_ban_rights_retries_later_and_removes_once(harness: Any) -> None:
    admin = harness.admin("Custodio", language_code="en")
    channel, [ana] = await setup(harness)
    await admin.send("/start")  # the bot may write to admins who started it
    await harness.advance(hours=25)  # the reminder, out of the way
    await set_rights(harness, channel, can_restrict_members=False)

    # the end comes while the bot cannot ban: her subscription is closed, her removal and
    # farewell wait in the outbox for the right to come back; she stays meanwhile
    await harness.advance(hours=23)
    assert channel.status_of(ana.id) == "member"
    row = await subscription_row(harness, ana.id)
    assert row.expired_at is not None
    assert await removal_pending(harness, ana.id)
    assert farewells(ana) == 0
    alerts = [m for m in admin.messages if CANNOT_BAN in (m.text or "")]
    assert len(alerts) == 1, [m.text for m in admin.messages]
    attempts = len(harness.emulator.calls_of("banChatMember"))
    assert attempts == 1
    # within the back-off nobody tries again
    await harness.advance(minutes=5)
    assert len(harness.emulator.calls_of("banChatMember")) == attempts

    # the right comes back; past the back-off she is removed, once, with one farewell
    await set_rights(harness, channel, can_restrict_members=True)
    await harness.advance(minutes=6)
    assert channel.status_of(ana.id) == "left"
    assert not await removal_pending(harness, ana.id)
    assert ok_calls(harness, "banChatMember") == {ana.id: 1}
    assert farewells(ana) == 1
    await harness.advance(hours=1)
    assert ok_calls(harness, "banChatMember") == {ana.id: 1}
    assert farewells(ana) == 1
    assert len([m for m in admin.messages if CANNOT_BAN in (m.text or "")]) == 1


async def test_expiry_without_channel_is_not_forgotten(harness: Any) -> None:
    admin = harness.admin("Custodio", language_code="en")
    await harness.start_app()
    await admin.send("/start")
    svc = vip(harness)
    plan = await svc.create_plan("Gold", 2, 999, "USD")
    [code] = await svc.generate_tokens(plan.id, 1, by=None)
    ana = harness.user("Ana", language_code="en")
    await ana.send(code)  # the entry ritual's first stage: she never went further
    await harness.advance(days=2)
    assert (await subscription_row(harness, ana.id)).expired_at is None
    assert farewells(ana, RITUAL_CLOSED) == 0
    assert any("no VIP channel" in (m.text or "") for m in admin.messages)

    channel = harness.emulator.create_channel("Salon")
    await harness.ctx.config.update("vip", "channel_id", channel.id, expected_version=0, by=None)
    await harness.advance(minutes=11)
    assert (await subscription_row(harness, ana.id)).expired_at is not None
    assert farewells(ana, RITUAL_CLOSED) == 1  # her ritual's closing line is the farewell
    await harness.advance(hours=1)
    assert farewells(ana, RITUAL_CLOSED) == 1 and farewells(ana) == 0


# --------------------------------------------------------------------------- 2. races


async def test_renewal_during_the_removal_keeps_the_member(harness: Any, monkeypatch: Any) -> None:
    channel, [ana] = await setup(harness)
    svc = vip(harness)
    plan = (await svc.list_plans())[0]
    [code] = await svc.generate_tokens(plan.id, 1, by=None)

    # Ana sends a new token at the very moment the expiry job bans her.
    name, ban = REGISTRY["banchatmember"]
    renewal: list[asyncio.Task[Any]] = []
    finished_first: list[bool] = []

    async def ban_while_she_renews(mctx: Any) -> Any:
        if not renewal:
            renewal.append(asyncio.create_task(ana.send(code)))
            # Let the renewal finish first if it can (before the fix it could: nothing
            # held it); with the fix it waits for the removal's transaction.
            await asyncio.wait(renewal, timeout=1)
            finished_first.append(renewal[0].done())
        return await ban(mctx)

    monkeypatch.setitem(REGISTRY, "banchatmember", (name, ban_while_she_renews))
    harness.clock.advance(days=2)
    await harness.run_jobs()
    await renewal[0]
    await harness.emulator.wait_idle()
    # The expiry committed before the ban (the outbox makes it): the redemption does not
    # wait for Telegram. The removal under way ends, its farewell is dropped, and the
    # entry ritual (she was on her way out) hands her a link that lets her back in.
    assert finished_first == [True]
    assert farewells(ana) == 0
    sub = await svc.subscription(ana.id)
    assert sub is not None and sub.ends_at == harness.clock.now() + timedelta(days=2)
    assert channel.status_of(ana.id) == "left"
    assert await ana.join(await cross_ritual(ana)) == "joined"
    await harness.advance(hours=1)
    assert channel.status_of(ana.id) == "member"
    assert farewells(ana) == 0


async def test_half_done_removal_does_not_lock_a_returning_member_out(harness: Any) -> None:
    channel, [ana] = await setup(harness)
    await harness.advance(days=2)
    assert channel.status_of(ana.id) == "left"
    # a removal that banned and never unbanned (rights lost in between, a crash)
    status, _ = await harness.emulator.execute(
        harness.account, "banChatMember", {"chat_id": channel.id, "user_id": ana.id}
    )
    assert status == 200 and channel.status_of(ana.id) == "kicked"
    await harness.emulator.wait_idle()

    svc = vip(harness)
    plan = (await svc.list_plans())[0]
    [code] = await svc.generate_tokens(plan.id, 1, by=None)
    await ana.send(code)
    assert await ana.join(await cross_ritual(ana)) == "joined"
    unbans = harness.emulator.calls_of("unbanChatMember")
    assert unbans[-1].params.get("only_if_banned") in (True, "true")


# --------------------------------------------------------------------------- 3. outages


async def test_telegram_outage_does_not_spin_the_job_loop(harness: Any) -> None:
    channel, users = await setup(harness, n=3, job_batch=2)
    harness.emulator.faults.add(method="sendMessage", status=502)
    sent_before = len(harness.emulator.calls_of("sendMessage"))

    # reminders due for everyone while every message fails: each is marked and queued
    # once, tried once, and waits for its back-off; runs return promptly, nothing spins
    harness.clock.advance(hours=25)
    for _ in range(2):
        await asyncio.wait_for(harness.app.run_jobs_once(), timeout=20)
    attempts = Counter(
        int(c.params["chat_id"]) for c in harness.emulator.calls_of("sendMessage")[sent_before:]
    )
    assert attempts == {u.id: 1 for u in users}
    for user in users:
        assert (await subscription_row(harness, user.id)).reminded_at is not None

    # Telegram is back: past the back-off each reminder goes out once
    harness.emulator.faults.clear()
    await harness.advance(minutes=11)
    delivered = ok_calls(harness, "sendMessage", "chat_id")
    reminders = harness.emulator.calls_of("sendMessage")[sent_before:]
    assert Counter(int(c.params["chat_id"]) for c in reminders if c.status == 200) == {
        u.id: 1 for u in users
    }
    await harness.advance(minutes=11)
    assert ok_calls(harness, "sendMessage", "chat_id") == delivered  # nothing more

    # the end comes while the bot cannot ban anyone: one try each, the removals wait
    await set_rights(harness, channel, can_restrict_members=False)
    harness.clock.advance(hours=23)
    for _ in range(2):
        await asyncio.wait_for(harness.app.run_jobs_once(), timeout=20)
    assert Counter(
        int(c.params["user_id"]) for c in harness.emulator.calls_of("banChatMember")
    ) == {u.id: 1 for u in users}
    for user in users:
        assert channel.status_of(user.id) == "member"
        assert await removal_pending(harness, user.id)
        assert farewells(user) == 0


# --------------------------------------------------------------------------- 4. leaked links


async def test_leaked_link_is_revoked_when_a_stranger_uses_it(harness: Any) -> None:
    admin = harness.admin("Custodio", language_code="en")
    await harness.start_app()
    await admin.send("/start")
    channel = harness.emulator.create_channel("Salon")
    await harness.ctx.config.update("vip", "channel_id", channel.id, expected_version=0, by=None)
    svc = vip(harness)
    plan = await svc.create_plan("Gold", 30, 999, "USD")
    [code] = await svc.generate_tokens(plan.id, 1, by=None)
    ana = harness.user("Ana", language_code="en")
    eve = harness.user("Eve", language_code="en")
    mallory = harness.user("Mallory", language_code="en")
    await ana.send(code)
    link = await cross_ritual(ana)

    assert await eve.join(link) == "joined"
    assert channel.status_of(eve.id) == "left"
    assert "Eve" in admin.last.text
    assert channel.invite_links[link].is_revoked
    async with harness.ctx.db.session() as s:
        row = await s.scalar(select(InviteLink).where(InviteLink.link == link))
    assert row.revoked_at is not None and row.joined_at is None
    # the slot Eve's removal freed is closed: the next stranger is refused
    assert await mallory.join(link) == "revoked"
    assert channel.status_of(mallory.id) == "left"

    # Ana gets a fresh link from her menu (her ritual's last stage)
    await ana.send("/vip")
    fresh = invite_link(ana)
    assert fresh != link and await ana.join(fresh) == "joined"


async def test_stranger_not_removed_is_reported_as_such(harness: Any) -> None:
    admin = harness.admin("Custodio", language_code="en")
    channel, _members = await setup(harness)
    await admin.send("/start")
    await set_rights(harness, channel, can_restrict_members=False)
    mallory = harness.user("Mallory", language_code="en")
    channel.username = "salon_public"
    assert await mallory.join("https://t.me/salon_public") == "joined"
    assert channel.status_of(mallory.id) == "member"
    alert = admin.last.text
    assert "Mallory" in alert and "could not remove" in alert
    assert "discreetly removed" not in alert
