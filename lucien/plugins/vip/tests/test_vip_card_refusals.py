"""What the VIP card refuses, and says plainly, through the emulator (SQLite and
PostgreSQL): an expulsion Telegram cannot make (the channel's owner, someone not inside)
is refused before anything is asked or recorded; one Telegram refuses afterwards is not
called done, the admins are told by name and the audit says so; an old "Make VIP" plan
choice cannot make a VIP twice. And the wording: one word for the admins ("custodian"),
"1 more day", the way back to the subscriber list a card was opened from."""

from __future__ import annotations

from typing import Any

import pytest

from lucien.plugins.vip.models import Subscription
from lucien.plugins.vip.tests.card_helpers import (
    audit,
    button_data,
    card,
    cross_ritual,
    labels,
    press,
    rows,
    start_with_channel,
    vip,
)

pytestmark = pytest.mark.lucien(plugins=["voice", "admin", "vip"])

EXPEL_ES, CONFIRM_ES = "Expulsar del Diván", "Confirmar"
GRANT, EXTEND, REVOKE = "Make VIP", "Extend", "Revoke VIP"
EXPEL, DAYS, CONFIRM, GOLD = "Expel from the Divan", "A number of days", "Confirm", "Gold (30 days)"  # fmt: skip
PRIVILEGED = ("es propietario o administrador", "administra el Diván")
ABSENT = ("no se encuentra en el Diván", "no está en el Diván")
REFUSED = ("Telegram no me permitió retirar a", "Telegram rechazó la salida de")
WAITING = ("aún no lo ha confirmado", "todavía no la ha confirmado")
# What the tester was told for an owner and for a stranger: never again.
CLAIMED = (
    "Hecho: acompaño",
    "está saliendo del Diván",
    "ha salido del Diván",
    "ya no está en el Diván",
)
ALREADY = ("is already VIP", "already belongs to the exclusive circle")
WELCOME = ("opens its doors to you", "wished to count on you", "has taken notice of you")


async def vip_member(harness: Any, user: Any) -> None:
    """`user` redeems an invitation, walks the entry ritual and enters the channel."""
    svc = vip(harness)
    plans = await svc.list_plans()
    plan = plans[0] if plans else await svc.create_plan("Oro", 30, 999, "USD")
    [code] = await svc.generate_tokens(plan.id, 1, by=None)
    await user.send(code)
    lang = user.user.language_code or "en"
    assert await user.join(await cross_ritual(user, lang)) == "joined"


def alerts_to(admin: Any, opening: str, name: str) -> list[Any]:
    return [m for m in admin.messages if (m.text or "").startswith(opening) and name in m.text]


async def test_expel_refuses_the_owner_and_someone_not_inside(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="es")
    diana = harness.user("Diana", language_code="es")
    bea = harness.user("Bea", language_code="es")
    await harness.start_app()
    channel = harness.emulator.create_channel("Salon", owner=diana.user)
    await harness.ctx.config.update("vip", "channel_id", channel.id, expected_version=0, by=None)
    for person in (diana, bea, ada):
        await person.send("/start")
    shown = len(ada.messages)

    # The channel's owner: an alert naming her; nothing asked, made or recorded.
    query = await press(ada, await card(harness, ada, diana.id), EXPEL_ES)
    assert query.show_alert and "Diana" in (query.text or "")
    assert any(p in (query.text or "") for p in PRIVILEGED), query.text
    # Bea never entered: nothing to do, said plainly.
    query = await press(ada, await card(harness, ada, bea.id), EXPEL_ES)
    assert query.show_alert and "Bea" in (query.text or "")
    assert any(p in (query.text or "") for p in ABSENT), query.text
    assert len(ada.messages) == shown
    assert harness.emulator.calls_of("banChatMember") == []
    assert await audit(harness, diana.id) == [] and await audit(harness, bea.id) == []
    assert channel.status_of(diana.id) == "creator"

    # Bea inside when the confirmation was shown, gone by the second press: the same.
    await vip_member(harness, bea)
    await press(ada, await card(harness, ada, bea.id), EXPEL_ES)
    confirmation = ada.last
    assert "Bea" in confirmation.text
    await bea.leave(channel.id)
    query = await ada.click(CONFIRM_ES, message=confirmation)
    assert query.show_alert and any(p in (query.text or "") for p in ABSENT), query.text
    assert await audit(harness, bea.id) == []
    assert harness.emulator.calls_of("banChatMember") == []
    for message in ada.messages:
        assert not any(c in (message.text or "") for c in CLAIMED), message.text


async def test_a_refused_expulsion_is_not_called_done(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="es")
    bea = harness.user("Bea", language_code="es")
    channel = await start_with_channel(harness)
    await ada.send("/start")
    await vip_member(harness, bea)

    # Telegram said Bea is a member, then refuses the ban (as it does for an owner).
    harness.emulator.faults.add(
        method="banChatMember",
        status=400,
        description="Bad Request: can't remove chat owner",
        times=1,
    )
    await press(ada, await card(harness, ada, bea.id), EXPEL_ES)
    await ada.click(CONFIRM_ES)
    answer = ada.last
    assert "Bea" in answer.text and any(p in answer.text for p in REFUSED), answer.text
    assert answer.buttons == [["Volver a la ficha"]]
    assert channel.status_of(bea.id) == "member"
    [alert] = alerts_to(ada, "Aviso para los custodios", "Bea")
    assert "can't remove chat owner" in alert.text
    assert [e.action for e in await audit(harness, bea.id)] == ["vip.expel", "vip.expel_failed"]
    await ada.press(ada.last, f"ucard:{bea.id}")
    assert "Ada: expulsión rechazada por Telegram" in ada.last.text

    # Without the right to ban: under way, not done; the admins are told; made later.
    harness.emulator.set_bot_rights(channel.id, can_restrict_members=False)
    await press(ada, await card(harness, ada, bea.id), EXPEL_ES)
    await ada.click(CONFIRM_ES)
    answer = ada.last
    assert "Bea" in answer.text and any(p in answer.text for p in WAITING), answer.text
    assert channel.status_of(bea.id) == "member"
    assert len(alerts_to(ada, "Aviso para los custodios", "Bea")) == 2
    harness.emulator.set_bot_rights(channel.id, can_restrict_members=True)
    await harness.advance(minutes=11)
    assert channel.status_of(bea.id) == "left"
    assert len(alerts_to(ada, "Aviso para los custodios", "Bea")) == 2
    assert [e.action for e in await audit(harness, bea.id)][-1] == "vip.expel"
    for message in ada.messages:  # every line names Bea, never her id (the card may)
        if not (message.text or "").startswith("Bea · id"):
            assert str(bea.id) not in (message.text or ""), message.text
        assert not any(c in (message.text or "") for c in CLAIMED), message.text


async def test_an_old_plan_choice_does_not_make_a_vip_twice(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="en")
    bob = harness.admin("Bob", language_code="en")
    ana = harness.user("Ana", language_code="en")
    cai = harness.user("Cai", language_code="en")
    await start_with_channel(harness)
    await vip(harness).create_plan("Gold", 30, 999, "USD")
    for person in (ana, cai, ada, bob):
        await person.send("/start")

    old_card = await card(harness, ada, ana.id)
    await press(ada, old_card, GRANT)
    choice = ada.last
    await ada.click(DAYS)  # a days prompt left open as well
    await ada.click(GOLD, message=choice)
    await ada.click(CONFIRM)
    [sub] = await rows(harness, Subscription)
    links = len(harness.emulator.calls_of("createChatInviteLink"))
    assert labels(await card(harness, ada, ana.id)) == [EXTEND, REVOKE, EXPEL]

    # The old choice's plan and days, the old card's Make VIP: "already VIP", nothing more.
    grant = next(b for b in old_card.buttons if b.text == GRANT)
    for data in (button_data(choice, GOLD), button_data(choice, DAYS), grant.callback_data):
        query = await ada.press(choice, str(data))
        assert query.show_alert and "Ana" in (query.text or "") and "Extend" in (query.text or "")
        assert any(p in (query.text or "") for p in ALREADY), query.text
    await ada.send("30")  # the prompt opened before the grant: refused in a message too
    assert any(p in ada.last.text for p in ALREADY) and ada.last.buttons == [["Back to the card"]]
    [after] = await rows(harness, Subscription)
    assert after.ends_at == sub.ends_at
    assert [e.action for e in await audit(harness, ana.id)] == ["vip.grant"]
    assert len([m for m in ana.messages if any(w in (m.text or "") for w in WELCOME)]) == 1
    assert len(harness.emulator.calls_of("createChatInviteLink")) == links

    # A choice made before another admin changed the card (granted, then revoked): stale.
    await press(ada, await card(harness, ada, cai.id), GRANT)
    choice = ada.last
    await press(bob, await card(harness, bob, cai.id), GRANT)
    await bob.click(GOLD)
    await bob.click(CONFIRM)
    await press(bob, await card(harness, bob, cai.id), REVOKE)
    await bob.click(CONFIRM)
    query = await ada.click(GOLD, message=choice)
    assert query.show_alert and "changed" in (query.text or "")
    assert [e.action for e in await audit(harness, cai.id)] == ["vip.grant", "vip.revoke"]
    assert not await vip(harness).is_active(cai.id)


async def test_wording_and_the_way_back_to_the_list(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="en")
    ana = harness.user("Ana", language_code="en")
    bea = harness.user("Bea", language_code="en")
    await start_with_channel(harness)
    for person in (ana, bea, ada):
        await person.send("/start")
    await press(ada, await card(harness, ada, ana.id), GRANT)
    await ada.click(DAYS)
    await ada.send("30")
    await ada.click(CONFIRM)

    # One word for the admins, and "1 more day" in each way of asking.
    section = await card(harness, ada, ana.id)
    assert "made VIP by a custodian" in section.lines[2]
    asked = []
    for _ in range(2):
        await press(ada, await card(harness, ada, ana.id), EXTEND)
        await ada.send("1")
        asked.append(ada.last.text)
    assert len(set(asked)) == 2  # both of Lucien's ways
    assert all("day more" not in text and "keeper" not in text for text in asked)
    assert any("(1 more day)" in text for text in asked), asked

    # A card opened from the subscriber list leads back to that page; one found
    # elsewhere does not.
    await ada.send("/vipsubs")
    listing = ada.last
    listed = [b["text"] for b in listing.inline_buttons]
    [entry] = [b["text"] for b in listing.inline_buttons if b["text"].startswith("Ana — ")]
    await ada.click(entry, message=listing)
    opened = ada.last
    assert "The Divan (VIP)" in opened.text
    await ada.click("‹ Back to the VIP members", message=opened)
    back = ada.last
    assert "Page 1 of 1" in back.text and [b["text"] for b in back.inline_buttons] == listed
    await ada.press(back, f"ucard:{bea.id}")
    buttons = [b["text"] for b in ada.last.inline_buttons]
    assert "‹ Back to the VIP members" not in buttons and GRANT in buttons
