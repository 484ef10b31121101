"""Admin alerts reach every admin (ADMIN_IDS and those added from chat), in each one's
language, once per cause: the core's alert service with the admin, vip and free plugins."""

from __future__ import annotations

from typing import Any

import pytest

from lucien.plugins.free.tests.helpers import setup_free
from lucien.plugins.vip.services import VipService

pytestmark = pytest.mark.lucien(plugins=["voice", "admin", "vip", "free"])

VIP_ALERT = {
    "en": "the bot cannot create invite links in the VIP channel",
    "es": "el bot no puede crear enlaces de invitación en el canal VIP",
}
FREE_ALERT = {
    "en": "the bot has lost its rights in the free channel Vestibule",
    "es": "el bot perdió sus permisos en el canal gratuito Vestibule",
}


def seen(actor: Any, text: str) -> int:
    return sum(1 for m in actor.messages if text in (m.text or ""))


async def add_admin_from_chat(root: Any, user: Any) -> None:
    """Root names `user` a custodian through the admin screens."""
    await root.send("/admins")
    await root.click("Add a custodian")
    await root.send(str(user.id))
    # Either variant of config.admins.added names the new custodian.
    assert str(user.id) in root.last.text and "custodian" in root.last.text


async def test_a_vip_alert_reaches_an_admin_added_from_chat_once_per_cause(
    harness: Any,
) -> None:
    root = harness.admin("Root", language_code="en")
    rosa = harness.user("Rosa", language_code="es")
    await harness.start_app()
    await rosa.send("/start")  # the core records her language
    await harness.ctx.users.drain()
    await add_admin_from_chat(root, rosa)

    # No VIP channel is set: each redemption's entry ritual asks, at its last stage, for a
    # link the bot cannot make.
    svc = harness.ctx.service("vip", VipService)
    plan = await svc.create_plan("Gold", 30, 999, "USD")
    codes = await svc.generate_tokens(plan.id, 2, by=None)
    for i, code in enumerate(codes):
        member = harness.user(f"Member{i}", language_code="en")
        await member.send(code)
        await member.click("Continue")
        await member.click("I am ready")
    await harness.emulator.wait_idle()

    # Two redemptions, one cause: each admin told once, in their own language.
    assert seen(root, VIP_ALERT["en"]) == 1
    assert seen(rosa, VIP_ALERT["es"]) == 1


async def test_a_free_alert_reaches_an_admin_added_from_chat(harness: Any) -> None:
    root = harness.admin("Root", language_code="en")
    rosa = harness.user("Rosa", language_code="es")
    await harness.start_app()
    await rosa.send("/start")
    await harness.ctx.users.drain()
    await add_admin_from_chat(root, rosa)
    channel, link = await setup_free(harness, wait=5)
    asker = harness.user("Ivo", language_code="en")
    assert await asker.join(link) == "requested"

    harness.emulator.set_bot_rights(channel.id, can_invite_users=False)
    await harness.emulator.wait_idle()
    await harness.advance(minutes=5)
    assert seen(root, FREE_ALERT["en"]) == 1
    assert seen(rosa, FREE_ALERT["es"]) == 1

    # Rights come back, then go again within the window: the same cause is not repeated.
    harness.emulator.set_bot_rights(channel.id, can_invite_users=True)
    await harness.emulator.wait_idle()
    await harness.advance(minutes=1)
    assert channel.members.get(asker.id) == "member"
    second = harness.user("Eva", language_code="en")
    assert await second.join(link) == "requested"
    harness.emulator.set_bot_rights(channel.id, can_invite_users=False)
    await harness.emulator.wait_idle()
    await harness.advance(minutes=5)
    assert seen(root, FREE_ALERT["en"]) == 1
    assert seen(rosa, FREE_ALERT["es"]) == 1


@pytest.mark.lucien(plugins=["voice", "vip"])
async def test_without_the_admin_plugin_admin_ids_get_the_alerts(harness: Any) -> None:
    root = harness.admin("Root", language_code="en")
    await harness.start_app()
    await root.send("/start")  # a bot cannot write first
    await harness.ctx.users.drain()  # his language is recorded (written off the update's path)
    assert await harness.ctx.alerts.send("vip.admin.rights_missing", once="c", channel="X") == 1
    assert await harness.ctx.alerts.send("vip.admin.rights_missing", once="c", channel="X") == 0
    await harness.emulator.wait_idle()
    assert seen(root, VIP_ALERT["en"]) == 1, [m.text for m in root.messages]


@pytest.mark.lucien(plugins=["voice", "admin", "vip"], redis=True)
async def test_two_replicas_raising_the_same_cause_tell_each_admin_once(harness: Any) -> None:
    root = harness.admin("Root", language_code="en")
    first = await harness.start_app()
    second = await harness.start_app()
    await root.send("/start")
    await first.ctx.users.drain()
    await second.ctx.users.drain()
    sent = [
        await app.ctx.alerts.send("vip.admin.rights_missing", once="rights:-1", channel="X")
        for app in (first, second, first)
    ]
    await harness.emulator.wait_idle()
    assert sorted(sent) == [0, 0, 1]
    assert seen(root, VIP_ALERT["en"]) == 1
