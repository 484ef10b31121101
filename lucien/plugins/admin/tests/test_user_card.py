"""The user card (issue 18): the core's facts, every plugin's section (capped), and the
admin plugin's actions, each asked then confirmed, refused where they must be, and
written to the audit log the card shows with the admin's name. A blocked user gets one
line, then silence, on another replica and after a restart. Plain defaults (no voice).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from lucien.core.formatting import format_date, format_datetime
from lucien.core.menus import MenuCallback
from lucien.plugins.admin.models import Admin
from lucien.plugins.admin.tests.helpers import ENTRY_POINTS, Ledger, forge_click

PLUGINS = ["admin", "ledger", "broken"]
BLOCKED = "An administrator has closed this bot to you."  # the core's error.blocked
ADMIN_MENU = [
    ["Configuration"],
    ["Users"],
    ["Statistics"],
    ["Administrators"],
    ["Plugins"],
]

# Both backends through the db_kind fixture (SQLite only in the chat runner).


async def open_card(admin: Any, who: Any) -> str:
    await admin.send("/users")
    await admin.send(str(who.id))
    return str(admin.last.text)


@pytest.mark.lucien(entry_points=ENTRY_POINTS, plugins=PLUGINS, redis=True)
async def test_block_unblock_promote_demote_from_the_card(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="en")
    bea = harness.user("Bea", username="bea")
    first = await harness.start_app()
    await bea.send("/start")
    greeting = bea.last.text
    await first.ctx.users.drain()

    assert "Not blocked." in await open_card(ada, bea)

    # Block: asked, cancelled (nothing happens), asked again, confirmed.
    await ada.click("Block")
    assert ada.last.text == (
        "Block Bea? They will get one line from the bot, then silence, until they are unblocked."
    )
    assert ada.last.buttons == [["Yes, block"], ["Cancel"]]
    await ada.click("Cancel")
    assert "Not blocked." in ada.last.text
    await ada.click("Block")
    await ada.click("Yes, block")
    when = format_datetime(harness.clock.now(), "en")
    assert ada.last.text.startswith(f"Bea is blocked.\n\nBea · id {bea.id}\n")
    assert f"Blocked from the bot since {when} (UTC), by Ada." in ada.last.text
    assert ada.last.buttons[-2:] == [["Unblock"], ["New search", "Main menu"]]

    # One line, then silence: here, on a second replica, and after a restart.
    await bea.send("/start")
    assert bea.last.text == BLOCKED
    count = len(bea.messages)
    await bea.send("/start")
    second = await harness.start_app()  # the webhook now points at the second replica
    await bea.send("/start")
    await bea.press(bea.messages[0], MenuCallback().pack())
    await first.stop()
    await second.stop()
    harness.apps.clear()
    await harness.start_app()
    await bea.send("/start")
    assert len(bea.messages) == count

    # Unblock (the card's buttons outlive the restart): she is greeted again.
    await ada.click("Unblock")
    assert ada.last.text == "Unblock Bea?"
    await ada.click("Yes, unblock")
    assert ada.last.text.startswith("Bea is unblocked.")
    await bea.send("/start")
    # greeted again (as new, or as one who returns: the core's greetings decide)
    assert greeting.startswith("Welcome, Bea.")
    assert re.match(r"Welcome( back)?, Bea\.", bea.last.text), bea.last.text

    # Promote: the card gives the reason; her menu is the admin's.
    await ada.click("Make administrator")
    assert ada.last.text == "Make Bea an administrator?"
    await ada.click("Yes, make administrator")
    card = ada.last.text
    assert card.startswith("Bea is now an administrator.")
    day = format_date(harness.clock.now(), "en")
    assert f"Role: administrator\n— administrator, added by Ada on {day}\nNot blocked." in card
    assert ada.last.buttons[-2:] == [["Remove administrator"], ["New search", "Main menu"]]
    await bea.send("/start")
    assert bea.last.buttons == ADMIN_MENU

    # Demote.
    await ada.click("Remove administrator")
    assert ada.last.text == "Remove Bea from the administrators?"
    await ada.click("Yes, remove")
    card = ada.last.text
    assert card.startswith("Bea is no longer an administrator.")
    assert "Role: guest\n" in card  # everyone's role, which no plugin names
    await bea.send("/start")
    assert bea.last.buttons == []

    # The audit log on the card: the four actions, newest first, with the admin's name.
    assert card.endswith(
        "Latest actions\n"
        f"{when} (UTC) — Ada: removed from the administrators\n"
        f"{when} (UTC) — Ada: made administrator\n"
        f"{when} (UTC) — Ada: unblocked\n"
        f"{when} (UTC) — Ada: blocked"
    )


@pytest.mark.lucien(entry_points=ENTRY_POINTS, plugins=PLUGINS)
async def test_what_the_card_refuses(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="en")
    eli = harness.admin("Eli", language_code="en")
    bea = harness.user("Bea")
    await harness.start_app()
    for actor in (eli, bea):
        await actor.send("/start")
    ctx = harness.ctx
    await ctx.users.drain()

    # An admin from ADMIN_IDS: no action offered, and a forged one refused.
    card = await open_card(ada, eli)
    assert "Role: administrator\n— administrator through ADMIN_IDS\n" in card
    assert ["Block"] not in ada.last.buttons
    query = await forge_click(harness, ada, f"uact:block:{eli.id}:1")
    assert query.text == "Administrators cannot be blocked." and query.show_alert
    query = await forge_click(harness, ada, f"uact:demote:{eli.id}:1")
    assert (query.text or "").startswith("Eli is an administrator through ADMIN_IDS")
    assert not await ctx.users.is_blocked(eli.id)

    # An admin added from chat can be neither blocked nor remove themselves.
    await ada.send("/users")
    await ada.send(str(bea.id))
    await ada.click("Make administrator")
    await ada.click("Yes, make administrator")
    query = await forge_click(harness, ada, f"uact:block:{bea.id}:1")
    assert query.text == "Administrators cannot be blocked."
    await bea.send("/start")
    query = await forge_click(harness, bea, f"uact:demote:{bea.id}:1")
    assert query.text == "You cannot remove yourself as administrator."
    async with ctx.db.session() as s:
        assert await s.get(Admin, bea.id) is not None

    # A blocked user is not promoted; a second confirmation changes nothing more.
    await ada.click("Remove administrator")
    await ada.click("Yes, remove")
    await ada.click("Block")
    confirm = ada.last
    await ada.click("Yes, block")
    await ada.press(confirm, f"uact:block:{bea.id}:1")  # pressed again on the old message
    assert ada.last.text.startswith("Nothing changed: it was already so.")
    query = await forge_click(harness, ada, f"uact:promote:{bea.id}:1")
    assert query.text == "Unblock Bea before making them an administrator."
    assert [e.action for e in await ctx.audit.for_target(bea.id)] == [
        "user.block",
        "admin.demote",
        "admin.promote",
    ]

    # Someone the bot never saw, and an action that does not exist.
    query = await forge_click(harness, ada, "ucard:424242")
    assert query.text == "User 424242 has never written to the bot." and query.show_alert
    query = await forge_click(harness, ada, f"uact:erase:{bea.id}:1")
    assert query.show_alert
    assert len(await ctx.audit.for_target(bea.id)) == 3


@pytest.mark.lucien(entry_points=ENTRY_POINTS, plugins=PLUGINS)
async def test_a_long_section_is_capped_and_another_plugin_opens_the_card(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="en")
    bea = harness.user("Bea")
    Ledger.LONG.add(bea.id)
    try:
        await harness.start_app()
        await bea.send("/start")
        await harness.ctx.users.drain()
        await ada.send("/start")
        # Another plugin's "back to the card" button: the callback data ucard:<id>.
        await forge_click(harness, ada, f"ucard:{bea.id}")
        lines = ada.last.text.split("\n")
        start = lines.index("Ledger")
        assert lines[start + 1 : start + 9] == [
            *[f"Entry {i} <{bea.id}>" for i in range(1, 8)],
            "… and 5 more",
        ]
    finally:
        Ledger.LONG.discard(bea.id)


@pytest.mark.lucien(entry_points=ENTRY_POINTS, plugins=["voice", *PLUGINS])
async def test_the_card_in_lucien_s_voice(harness: Any) -> None:
    diana = harness.admin("Diana", language_code="es")
    bea = harness.user("Bea", username="bea")
    await harness.start_app()
    await bea.send("/start")
    await harness.ctx.users.drain()
    card = await open_card(diana, bea)
    assert card.startswith(f"Bea · id {bea.id}\nUsuario: @bea\nIdioma: es\nLlegó el ")
    # Times name the creator's zone (Mexico City; a January day: CST); the base role,
    # which no plugin labels, is the card's own word for it.
    assert "Llegó el 1 de enero de 2026, 6:00 (CST).\n" in card
    assert "Rol: visitante\nNo está bloqueado." in card
    assert card.endswith("Últimas acciones\nNinguna acción registrada todavía.")
    assert diana.last.buttons == [
        ["Ledger action"],
        ["Bloquear", "Nombrar custodio"],
        ["Nueva búsqueda", "Menú principal"],
    ]
    await diana.click("Bloquear")
    await diana.click("Sí, bloquear")
    assert "Bloqueado desde el 1 de enero de 2026, 6:00 (CST), por Diana." in diana.last.text
    assert diana.last.text.endswith("\n1 de enero de 2026, 6:00 (CST) — Diana: bloqueado")
