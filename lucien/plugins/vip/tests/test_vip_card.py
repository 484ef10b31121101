"""The VIP section of the admins' user card and its actions, through the emulator
(SQLite and PostgreSQL): the section as the hook gives it, its buttons pressed from the
admin's chat as the card would carry them. Grant (30 days, or a plan), extend, revoke,
expel: each confirmed by a second press, each in the audit log with before and after,
each reaching the user (and the channel) through the outbox; a stale confirmation gets
an alert and changes nothing."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

import pytest

from lucien.plugins.vip.models import Subscription, SubscriptionEvent
from lucien.plugins.vip.tests.card_helpers import (
    audit,
    button_data,
    card,
    cross_ritual,
    invite_link,
    labels,
    press,
    rows,
    start_with_channel,
    vip,
)

pytestmark = pytest.mark.lucien(plugins=["voice", "admin", "vip"])

GRANT, EXTEND, REVOKE = "Make VIP", "Extend", "Revoke VIP"
EXPEL, DAYS, CONFIRM = "Expel from the Divan", "A number of days", "Confirm"
BACK = "Back to the card"
# The variants of vip.granted (en): the entry ritual's first stage after a grant.
WELCOME = (
    "opens its doors to you",
    "wished to count on you",
    "has taken notice of you",
)
REVOKED = ("has been withdrawn", "brought your VIP membership to a close")


def said(user: Any, phrases: tuple[str, ...]) -> list[Any]:
    return [m for m in user.messages if any(p in (m.text or "") for p in phrases)]


async def test_grant_30_days_from_the_card_gives_the_entry_and_the_link(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="en")
    ana = harness.user("Ana", language_code="en")
    channel = await start_with_channel(harness)
    await vip(harness).create_plan("Gold", 30, 999, "USD")
    await ana.send("/start")
    await ada.send("/start")

    section = await card(harness, ada, ana.id)
    assert section.title == "<b>The Divan (VIP)</b>"
    assert section.lines[0] in ("Never VIP.", "Has not yet crossed the door of the Divan.")
    assert labels(section) == [GRANT, EXPEL]

    # Make VIP: the plans, or a number of days; the days prompt refuses nonsense.
    await press(ada, section, GRANT)
    assert "Ana" in ada.last.text
    assert ada.last.buttons == [["Gold (30 days)"], [DAYS], [BACK]]
    assert button_data(ada.last, BACK) == f"ucard:{ana.id}"
    await ada.click(DAYS)
    assert "How many days" in ada.last.text or "how many days" in ada.last.text
    await ada.send("forever")
    assert "'forever' is not a valid duration" in ada.last.text
    assert ada.last.buttons == [["Cancel"]]
    await ada.send("0")
    await ada.send("30")
    end = harness.clock.now() + timedelta(days=30)
    confirmation = ada.last
    assert "30 days" in confirmation.text and "Ana" in confirmation.text
    assert confirmation.buttons == [[CONFIRM], [BACK]]
    assert await rows(harness, Subscription) == []  # nothing before the second press

    # The second press: Ana is VIP for 30 days, without a plan.
    await ada.click(CONFIRM)
    assert "Ana" in ada.last.text and ada.last.buttons == [[BACK]]
    [sub] = await rows(harness, Subscription)
    assert (sub.user_id, sub.plan_id, sub.ends_at, sub.expired_at) == (ana.id, None, end, None)

    # Ana sees the entry ritual's first stage, then walks it to her one-time link as a
    # redemption's ritual hands it.
    [welcome] = said(ana, WELCOME)
    assert "courtesy" in welcome.text and welcome.buttons == [["Continue"]]
    link = await cross_ritual(ana)
    assert "valid for 24 hours" in ana.last.text
    assert ana.messages.index(welcome) < ana.messages.index(ana.last)
    assert harness.emulator.calls_of("createChatInviteLink")[-1].params["member_limit"] == 1
    assert await ana.join(link) == "joined"
    assert channel.status_of(ana.id) == "member"
    await ana.send("/vip")
    assert "30 days" in ana.last.text

    # The history and the audit say who did it, before and after.
    [event] = await rows(harness, SubscriptionEvent)
    assert (event.kind, event.source, event.days, event.actor_id) == ("start", "admin", 30, ada.id)
    [entry] = await audit(harness, ana.id)
    assert (entry.action, entry.actor_id, entry.before) == ("vip.grant", ada.id, {"vip": False})
    assert entry.after["vip"] is True and entry.after["days"] == 30
    assert entry.after["ends_at"] == end.isoformat()

    # Pressed again: stale, politely, and nothing doubles.
    query = await ada.press(confirmation, button_data(confirmation, CONFIRM))
    assert query.show_alert and "confirmation" in (query.text or "")
    assert len(await audit(harness, ana.id)) == 1
    assert len(said(ana, WELCOME)) == 1

    # The card now shows her VIP until then, and the actions of a VIP.
    section = await card(harness, ada, ana.id)
    assert "courtesy of the house" in section.lines[0] or "the house's courtesy" in section.lines[0]
    assert labels(section) == [EXTEND, REVOKE, EXPEL]
    assert "made VIP by a custodian" in section.lines[2]


async def test_grant_a_plan_then_extend_then_revoke_from_the_card(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="en")
    ana = harness.user("Ana", language_code="en")
    channel = await start_with_channel(harness)
    plan = await vip(harness).create_plan("Gold", 30, 999, "USD")
    await ana.send("/start")
    await ada.send("/start")

    await press(ada, await card(harness, ada, ana.id), GRANT)
    await ada.click("Gold (30 days)")
    assert "Gold" in ada.last.text
    await ada.click(CONFIRM)
    [sub] = await rows(harness, Subscription)
    assert sub.plan_id == plan.id
    assert "Gold" in said(ana, WELCOME)[0].text
    assert await ana.join(await cross_ritual(ana)) == "joined"

    # Extend by 10 days: the prompt names the current end; Ana is told.
    harness.clock.advance(days=1)
    await press(ada, await card(harness, ada, ana.id), EXTEND)
    await ada.send("10")
    await ada.click(CONFIRM)
    [sub] = await rows(harness, Subscription)
    assert sub.ends_at - sub.started_at == timedelta(days=40) and sub.plan_id == plan.id
    assert "now runs until" in ana.last.text or "extended your stay" in ana.last.text

    # Revoke: out of the channel (ban then unban), told politely, no longer VIP.
    section = await card(harness, ada, ana.id)
    await press(ada, section, REVOKE)
    assert "revoke Ana's membership" in ada.last.text or "would lose" in ada.last.text
    await ada.click(CONFIRM)
    assert channel.status_of(ana.id) == "left"
    assert [c.params["user_id"] for c in harness.emulator.calls_of("banChatMember")] == [ana.id]
    assert len(harness.emulator.calls_of("unbanChatMember")) >= 1
    assert len(said(ana, REVOKED)) == 1
    [sub] = await rows(harness, Subscription)
    assert sub.expired_at == harness.clock.now() == sub.ends_at
    await ana.send("/vip")
    assert "no VIP membership" in ana.last.text
    assert not await vip(harness).is_active(ana.id)

    entries = await audit(harness, ana.id)
    assert [(e.action, e.actor_id) for e in entries] == [
        ("vip.grant", ada.id), ("vip.extend", ada.id), ("vip.revoke", ada.id)
    ]  # fmt: skip
    assert entries[2].before["vip"] is True and entries[2].after["vip"] is False
    kinds = [(e.kind, e.source) for e in await rows(harness, SubscriptionEvent)]
    assert kinds == [("start", "admin"), ("renew", "admin"), ("end", "revoke")]

    # The card: ended today; a token or a new grant would bring her back.
    section = await card(harness, ada, ana.id)
    assert "ended" in section.lines[0] or "Outside" in section.lines[0]
    assert labels(section) == [GRANT, EXPEL]

    # The admin plugin's card lists the three, by name, with who did them.
    await ada.press(ada.last, f"ucard:{ana.id}")
    shown = ada.last.text
    for action in ("made VIP", "VIP extended", "VIP revoked"):
        assert f"Ada: {action}" in shown, shown


async def test_expel_leaves_the_subscription_alone(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="en")
    ana = harness.user("Ana", language_code="en")
    channel = await start_with_channel(harness)
    svc = vip(harness)
    plan = await svc.create_plan("Gold", 30, 999, "USD")
    [code] = await svc.generate_tokens(plan.id, 1, by=None)
    await ana.send(code)
    assert await ana.join(await cross_ritual(ana)) == "joined"
    await ada.send("/start")
    [before] = await rows(harness, Subscription)

    await press(ada, await card(harness, ada, ana.id), EXPEL)
    await ada.click(CONFIRM)
    assert channel.status_of(ana.id) == "left"
    [after] = await rows(harness, Subscription)
    assert (after.ends_at, after.expired_at) == (before.ends_at, None)
    assert await svc.is_active(ana.id)
    [entry] = await audit(harness, ana.id)
    assert entry.action == "vip.expel" and entry.after["expelled"] is True
    # The way back is open: her link from the VIP menu lets her in again.
    await ana.send("/vip")
    await ana.click("Get the link")
    assert await ana.join(invite_link(ana)) == "joined"


async def test_a_confirmation_is_stale_once_the_card_changed(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="en")
    bob = harness.admin("Bob", language_code="en")
    ana = harness.user("Ana", language_code="en")
    await start_with_channel(harness)
    await vip(harness).create_plan("Gold", 30, 999, "USD")
    await ana.send("/start")
    await ada.send("/start")
    await bob.send("/start")

    # Both admins open the grant of the same plan; Bob confirms first.
    for admin in (ada, bob):
        await press(admin, await card(harness, admin, ana.id), GRANT)
        await admin.click("Gold (30 days)")
    await bob.click(CONFIRM)
    query = await ada.click(CONFIRM)
    assert query.show_alert and query.text in (
        "This confirmation no longer holds: the card has changed since. Kindly open it again.",
        "Forgive me: something changed on the card since this confirmation was shown. "
        "Please open it again.",
    )
    [sub] = await rows(harness, Subscription)
    assert sub.ends_at == harness.clock.now() + timedelta(days=30)  # granted once
    assert [e.actor_id for e in await audit(harness, ana.id)] == [bob.id]

    # A revoke shown before the period ended by itself is stale after the expiry.
    await press(ada, await card(harness, ada, ana.id), REVOKE)
    await harness.advance(days=31)
    query = await ada.click(CONFIRM)
    assert query.show_alert
    assert [e.action for e in await audit(harness, ana.id)] == ["vip.grant"]


async def test_cancel_the_days_prompt_and_a_stale_cancel(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="en")
    ana = harness.user("Ana", language_code="en")
    await start_with_channel(harness)
    await ana.send("/start")
    await ada.send("/start")
    await press(ada, await card(harness, ada, ana.id), GRANT)
    await ada.click(DAYS)
    prompt = ada.last
    await ada.click("Cancel")
    assert ada.last.buttons == [[BACK]]
    assert prompt.buttons == []
    await ada.send("30")  # no longer a prompt: nothing is granted
    assert await rows(harness, Subscription) == []
    query = await ada.press(prompt, button_data_of_cancel(ana.id))
    assert query.show_alert


def button_data_of_cancel(user_id: int) -> str:
    from lucien.plugins.vip.keyboards import VipCard

    return VipCard(action="cancel", u=user_id).pack()


async def test_the_section_on_the_admin_plugins_card(harness: Any) -> None:
    """The card itself (the admin plugin's, opened by `ucard:<id>`) carries the section
    and its buttons; the way back from an action opens it again."""
    ada = harness.admin("Ada", language_code="en")
    ana = harness.user("Ana", language_code="en")
    await start_with_channel(harness)
    svc = vip(harness)
    plan = await svc.create_plan("Gold", 30, 999, "USD")
    for _ in range(5):  # a long history: the card shows the latest and "Whole history"
        [code] = await svc.generate_tokens(plan.id, 1, by=None)
        await ana.send(code)
    await ada.send("/start")
    await ada.press(ada.last, f"ucard:{ana.id}")
    card_message = ada.last
    assert "The Divan (VIP)" in card_message.text
    buttons = [label for row in card_message.buttons for label in row]
    assert {EXTEND, REVOKE, EXPEL, "Whole history"} <= set(buttons)
    section = await card(harness, ada, ana.id)
    assert len(section.lines) == 8
    # All 8 on the card, as Telegram shows them (no tags); the status has variants.
    assert "150 days left" in card_message.text
    for line in section.lines[1:]:
        assert html.unescape(re.sub(r"<[^>]+>", "", line)) in card_message.text, line

    await ada.click("Whole history", message=card_message)
    assert "page 1 of 1" in ada.last.text and ada.last.text.count("renewed with an invitation") == 4
    await ada.click(BACK)
    assert "The Divan (VIP)" in ada.last.text
