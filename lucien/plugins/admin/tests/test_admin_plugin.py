"""The admin plugin's own suite (shipped in the package; diagnostics runs it).

Only the admin plugin is enabled, so the texts are the declared plain defaults. The full
conversation tests, with stand-ins for the vip and free plugins, are in test_admin.py.
"""

from __future__ import annotations

import re
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import pytest

pytestmark = pytest.mark.lucien(plugins=["admin"])

ADMIN_MENU = [
    ["Configuration"],
    ["Users"],
    ["Statistics"],
    ["Administrators"],
    ["Plugins"],
]


async def test_admin_and_free_user_see_their_menus(harness: Any) -> None:
    ada = harness.admin("Ada")
    fred = harness.user("Fred")
    await harness.start_app()
    await ada.send("/start")
    assert ada.last.buttons == ADMIN_MENU
    await ada.click("Plugins")
    assert "admin" in ada.last.text and "enabled" in ada.last.text
    await ada.click("Back")
    assert ada.last.text == "Admin menu. Choose an option."
    await fred.send("/start")
    assert fred.last.text == "Welcome, Fred. Choose an option from the menu below."
    assert fred.last.buttons == []


async def test_a_non_admin_is_refused_politely(harness: Any) -> None:
    await harness.start_app()
    fred = harness.user("Fred")
    for command in ("/config", "/admins", "/plugins", "/admin"):
        await fred.send(command)
        assert fred.last.text == "This option is only available to administrators."
        assert fred.last.buttons == [["Main menu"]]  # the way back the voice promises


async def test_an_admin_added_from_chat_gets_the_admin_menu(harness: Any) -> None:
    ada = harness.admin("Ada")
    fred = harness.user("Fred")
    await harness.start_app()
    await fred.send("/start")
    await ada.send("/admins")
    await ada.click("Add administrator")
    await ada.send(str(fred.id))
    await fred.send("/start")
    assert fred.last.buttons == ADMIN_MENU


# A plugin that cannot be imported: listed as failed, with the reason, among the others.
BROKEN = EntryPoint("broken", "lucien.plugins.admin.tests.no_such_module:plugin", "lucien.plugins")


@pytest.mark.lucien(
    plugins=["voice", "admin", "broken"],
    entry_points=[*entry_points(group="lucien.plugins"), BROKEN],
)
async def test_the_plugins_list_says_each_state_in_the_admins_language(harness: Any) -> None:
    diana = harness.admin("Diana", language_code="es")
    ada = harness.admin("Ada", language_code="en")
    await harness.start_app()
    version = harness.ctx.registry.records["admin"].version

    await diana.send("/plugins")
    listing = diana.last.text
    assert f"• admin {version} — en servicio" in listing
    assert f"• vip {version} — desactivado (" in listing
    assert "• broken ? — averiado (" in listing and "no_such_module" in listing
    assert not re.search(r"— (enabled|disabled|failed)\b", listing)  # (reasons are the core's)

    await ada.send("/plugins")
    listing = ada.last.text
    assert f"• admin {version} — enabled" in listing
    assert f"• vip {version} — disabled (" in listing
    assert "• broken ? — failed (" in listing
