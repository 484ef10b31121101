"""The VIP cycle through the emulator, as admins and members see it (SQLite and PostgreSQL).

Admin creates a plan, generates a token; a user redeems it by deep link, walks the entry
ritual to a one-time link, joins; is reminded; is removed at expiry with a farewell;
redeems a new token and comes back. Plus: refusals, link abuse, strangers, missing rights.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from lucien.plugins.vip.models import InviteLink, Plan, Subscription, Token
from lucien.plugins.vip.services import VipService
from lucien.plugins.vip.tests.card_helpers import cross_ritual, invite_link

pytestmark = pytest.mark.lucien(plugins=["voice", "admin", "vip"])

TOKEN = re.compile(r"VIP-[A-Za-z0-9_-]{24}")


async def start(harness: Any, *, rights: dict[str, bool] | None = None) -> Any:
    """Start the bot with a VIP channel configured from chat settings; returns the channel."""
    await harness.start_app()
    channel = harness.emulator.create_channel("Salon", bot_rights=rights)
    await harness.ctx.config.update("vip", "channel_id", channel.id, expected_version=0, by=None)
    return channel


async def create_plan(
    admin: Any, name: str = "Gold", days: str = "30", price: str = "9.99 USD"
) -> None:
    await admin.send("/start")  # the main menu carries the plugin's admin button
    await admin.click("VIP administration")
    await admin.click("Plans")
    await admin.click("New plan")
    await admin.send(name)
    await admin.send(days)
    await admin.send(price)


async def generate(admin: Any, plan: str = "Gold", count: int = 1) -> list[str]:
    await admin.send("/vipadmin")
    await admin.click("Generate invitation")
    await admin.click(plan)
    await admin.send(str(count))
    return list(dict.fromkeys(TOKEN.findall(admin.last.text or "")))  # code and link: once


async def rows(harness: Any, model: Any) -> list[Any]:
    async with harness.ctx.db.session() as s:
        return list(await s.scalars(select(model)))


async def test_whole_cycle(harness: Any) -> None:
    admin = harness.admin("Custodio", language_code="en")
    ana = harness.user("Ana", language_code="en")
    channel = await start(harness)

    # 1. the admin creates a plan from the admin screens
    await create_plan(admin)
    assert "Gold" in admin.last.text and "30 days" in admin.last.text
    plans = await rows(harness, Plan)
    assert [(p.name, p.days, p.price_minor, p.currency) for p in plans] == [
        ("Gold", 30, 999, "USD")
    ]

    # 2. and generates a token, shown as a deep link
    codes = await generate(admin)
    assert len(codes) == 1
    code = codes[0]
    assert f"https://t.me/{harness.ctx.bot_username}?start={code}" in admin.last.text
    assert len(f"start={code}") <= 70 and len(code) <= 64

    # 3. Ana redeems it by deep link: the entry ritual's three stages, then her link
    await ana.send(f"/start {code}")
    assert "Gold" in ana.last.text and "30 days" in ana.last.text
    link = await cross_ritual(ana)
    assert "valid for 24 hours" in ana.last.text
    created = harness.emulator.calls_of("createChatInviteLink")[-1]
    assert created.params["member_limit"] == 1 and "Ana" in created.params["name"]
    token = (await rows(harness, Token))[0]
    assert token.redeemed_by == ana.id

    # 4. she joins; the link is revoked once used
    assert await ana.join(link) == "joined"
    # the role is VIP now: the VIP menu shows plan, days left and the end date
    await ana.send("/vip")
    assert "Gold" in ana.last.text and "30 days" in ana.last.text
    assert ana.last.buttons[0] == ["Get the link"]
    assert channel.invite_links[link].is_revoked
    assert (await rows(harness, InviteLink))[0].joined_at is not None
    # asking again while inside gives no link
    await ana.click("Get the link")
    assert "already" in ana.last.text
    assert len(harness.emulator.calls_of("createChatInviteLink")) == 1

    # 5. reminder 24 h before the end, exactly once
    await harness.advance(days=28, hours=23)
    assert not any("ends in" in (m.text or "") for m in ana.messages)
    await harness.advance(hours=1)
    reminders = [
        m for m in ana.messages if "1 day" in (m.text or "") and "membership" in (m.text or "")
    ]
    assert len(reminders) == 1, [m.text for m in ana.messages]
    await harness.advance(hours=2)
    assert len([m for m in ana.messages if m.text == reminders[0].text]) == 1

    # 6. removal at the end: ban then unban (only_if_banned), farewell with Renew
    await harness.advance(hours=22)
    assert ana.id not in {u for u, r in channel.records.items() if r.status == "member"}
    assert channel.status_of(ana.id) == "left"
    bans = harness.emulator.calls_of("banChatMember")
    unbans = harness.emulator.calls_of("unbanChatMember")
    assert (
        len(bans) == 1
        and len(unbans) == 1
        and unbans[0].params.get("only_if_banned") in (True, "true")
    )
    assert "Gold" in ana.last.text and ana.last.buttons == [["Renew"]]
    sub = (await rows(harness, Subscription))[0]
    assert sub.expired_at is not None
    await harness.advance(hours=1)
    assert len(harness.emulator.calls_of("banChatMember")) == 1

    # no longer VIP: the menu says so
    await ana.send("/vip")
    assert "no VIP membership" in ana.last.text or "no VIP" in ana.last.text

    # 7. she renews with a new token (pasted, after pressing Renew) and comes back
    code2 = (await generate(admin))[0]
    await ana.click("Renew")
    await ana.send(code2)
    link2 = await cross_ritual(ana)  # out of the channel: the ritual again
    assert link2 != link
    assert await ana.join(link2) == "joined"
    assert channel.status_of(ana.id) == "member"
    sub = (await rows(harness, Subscription))[0]
    assert sub.expired_at is None and sub.reminded_at is None
    assert sub.ends_at - harness.clock.now() == timedelta(days=30)  # a fresh period, from now


async def test_refusals_each_have_their_answer(harness: Any) -> None:
    admin = harness.admin("Custodio", language_code="en")
    ana = harness.user("Ana", language_code="en")
    bea = harness.user("Bea", language_code="en")
    await start(harness)
    await create_plan(admin)
    codes = []
    for _ in range(3):
        codes += await generate(admin)
    used, revoked, expired = codes

    await ana.send(f"/start {used}")
    assert any("Gold" in (m.text or "") for m in ana.messages)

    answers: dict[str, str] = {}
    buttons: dict[str, Any] = {}
    await bea.send(f"/start {used}")
    answers["used"] = bea.last.text
    buttons["used"] = bea.last.buttons
    # revoke from the admin list
    await admin.send("/vipadmin")
    await admin.click("Unused invitations")
    assert revoked in admin.last.text and used not in admin.last.text
    await admin.click(f"Withdraw {revoked[:12]}")
    assert revoked in admin.last.text
    await bea.send(revoked)
    answers["revoked"] = bea.last.text
    buttons["revoked"] = bea.last.buttons
    await harness.advance(days=31)
    await bea.send(expired)
    answers["expired"] = bea.last.text
    buttons["expired"] = bea.last.buttons
    await bea.send("VIP-" + "A" * 24)
    answers["unknown"] = bea.last.text
    buttons["unknown"] = bea.last.buttons
    await bea.send("VIP-short!")
    answers["malformed"] = bea.last.text
    buttons["malformed"] = bea.last.buttons

    assert "already been used" in answers["used"] or "already crossed" in answers["used"]
    assert "withdrawn" in answers["revoked"]
    assert "expired" in answers["expired"] or "time has passed" in answers["expired"]
    assert "recognise" in answers["unknown"] or "records" in answers["unknown"]
    assert "shape" in answers["malformed"] or "does not look like" in answers["malformed"]
    assert len(set(answers.values())) == 5
    # Never a dead end: a mistyped invitation may be sent again; every refusal leads home.
    for status in ("used", "revoked", "expired"):
        assert buttons[status] == [["Main menu"]], (status, buttons[status])
    for status in ("unknown", "malformed"):
        assert buttons[status] == [["Redeem an invitation"], ["Main menu"]], status
    for text in answers.values():  # nothing about other users
        assert "Ana" not in text and str(ana.id) not in text
    # Bea never became VIP
    assert await harness.ctx.service("vip", VipService).is_active(bea.id) is False

    # the admin sees who redeemed which
    await admin.send("/vipadmin")
    await admin.click("Redeemed invitations")
    assert used in admin.last.text and f"({ana.id})" in admin.last.text


async def test_shared_link_and_strangers_are_removed(harness: Any) -> None:
    admin = harness.admin("Custodio", language_code="en")
    ana = harness.user("Ana", language_code="en")
    eve = harness.user("Eve", language_code="en")
    mallory = harness.user("Mallory", language_code="en")
    channel = await start(harness)
    await create_plan(admin)
    code = (await generate(admin))[0]
    await ana.send(f"/start {code}")
    link = await cross_ritual(ana)

    # Eve uses Ana's link first: she gets in for a moment, is removed, the admins are told,
    # and the leaked link is revoked (her removal freed its slot for the next stranger)
    assert await eve.join(link) == "joined"
    assert channel.status_of(eve.id) == "left"
    alert = admin.last.text
    assert "Eve" in alert and str(eve.id) in alert
    assert channel.invite_links[link].is_revoked
    assert await eve.join(link) == "revoked"
    assert channel.status_of(eve.id) == "left"
    # Ana comes back to her ritual's last stage from the menu: a fresh link; then it is
    # revoked once used
    await ana.send("/vip")
    link2 = invite_link(ana)
    assert link2 != link
    assert await ana.join(link2) == "joined"
    assert channel.invite_links[link2].is_revoked

    # a stranger with another link (the channel's own) is removed too
    channel.username = "salon_public"
    assert await mallory.join("https://t.me/salon_public") == "joined"
    assert channel.status_of(mallory.id) == "left"
    assert "Mallory" in admin.last.text
    # Ana stays
    assert channel.status_of(ana.id) == "member"


async def test_missing_rights_alerts_admins_and_link_can_be_asked_again(harness: Any) -> None:
    admin = harness.admin("Custodio", language_code="en")
    ana = harness.user("Ana", language_code="en")
    channel = await start(harness, rights={"can_restrict_members": True})
    await create_plan(admin)
    code = (await generate(admin))[0]

    await ana.send(f"/start {code}")
    await ana.click("Continue")
    await ana.click("I am ready")
    assert "not available" in ana.last.text or "cannot open" in ana.last.text
    assert ana.last.buttons == [["Try again"]]
    assert "right to invite" in admin.last.text
    assert (await rows(harness, Token))[0].redeemed_by == ana.id  # nothing lost

    harness.emulator.set_bot_rights(channel.id, can_invite_users=True)
    await ana.click("Try again")
    link = invite_link(ana)
    assert await ana.join(link) == "joined"


async def test_invite_link_expires_and_is_revoked(harness: Any) -> None:
    admin = harness.admin("Custodio", language_code="en")
    ana = harness.user("Ana", language_code="en")
    channel = await start(harness)
    await create_plan(admin)
    code = (await generate(admin))[0]
    await ana.send(f"/start {code}")
    link = await cross_ritual(ana)
    await harness.advance(hours=25)
    assert channel.invite_links[link].is_revoked
    assert await ana.join(link) == "revoked"
    # a new one from the VIP menu (the ritual's last stage, as she left it)
    await ana.send("/vip")
    assert "valid for 24 hours" in ana.last.text
    link2 = invite_link(ana)
    assert link2 != link and await ana.join(link2) == "joined"
