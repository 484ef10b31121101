"""The built-in plugin: /start and the menus of every declared role, the fallbacks, and
the contract checks that keep one bad plugin from stopping the others."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from importlib.metadata import EntryPoint, entry_points

import pytest
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from lucien.core.builtin.tests import fixture_plugins

HERE = "lucien.core.builtin.tests.fixture_plugins"


def _with(*names: str) -> list[EntryPoint]:
    """The installed plugins plus fixture plugins, found by entry point like any other."""
    extra = [EntryPoint(n, f"{HERE}:{n}", "lucien.plugins") for n in names]
    return [*entry_points(group="lucien.plugins"), *extra]


@pytest.fixture
def moderators() -> Iterator[set[int]]:
    """The moderator fixture plugin's users, emptied whatever the test's outcome."""
    yield fixture_plugins.MODERATORS
    fixture_plugins.MODERATORS.clear()


@pytest.mark.lucien(entry_points=_with("moderator"))
async def test_a_plugin_adds_a_role_between_admin_and_vip_with_its_own_menu(
    harness, moderators
) -> None:
    admin = harness.admin("Ada", language_code="en")
    mod = harness.user("Mona", language_code="en")
    guest = harness.user("Gus", language_code="en")
    moderators.add(mod.id)
    app = await harness.start_app()
    assert app.ctx.roles.names[:3] == ["admin", "moderator", "vip"]

    await mod.send("/start")
    assert mod.last.buttons[0] == ["Reports"]  # order 10: first; other plugins may add more
    await mod.send("/mod")
    assert mod.last.text == "Moderation tools at your service."

    # Ranked above moderators, admins pass `RoleFilter(at_least="moderator")` too...
    await admin.send("/mod")
    assert admin.last.text == "Moderation tools at your service."
    # ...and keep their own menu, without the moderator's button.
    await admin.send("/start")
    assert ["Reports"] not in admin.last.buttons
    # Any declared role is an audience for a broadcast, named when nobody labels it.
    await admin.click("Broadcast")
    await admin.send("Hello, moderators")
    assert ["Role: moderator"] in admin.last.buttons
    await admin.click("Cancel")

    # Everyone else: the base role's menu, and /mod is not theirs.
    await guest.send("/start")
    assert ["Reports"] not in guest.last.buttons
    before = len(guest.messages)
    await guest.send("/mod")
    assert all(m.text != "Moderation tools at your service." for m in guest.messages[before:])

    # The main-menu button brings the moderator back to their own header.
    await mod.send("/mod")
    bot = harness.ctx.bot
    menu = await harness.ctx.voice.button("button.menu", user=None)
    await bot.send_message(
        mod.id,
        "x",
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text=menu, callback_data="menu:main")]]
        ),
    )
    await harness.emulator.wait_idle()
    await mod.click(menu)
    assert mod.last.text.startswith("Moderator menu")
    assert mod.last.buttons[0] == ["Reports"]


@pytest.mark.lucien(entry_points=_with("misspelled", "wrongarg", "unmarked"))
async def test_bad_hooks_fail_their_plugin_only_naming_the_hook(harness, caplog) -> None:
    caplog.set_level(logging.ERROR, logger="lucien.plugins")
    ana = harness.user("Ana", language_code="en")
    app = await harness.start_app()
    records = app.ctx.registry.records

    assert records["misspelled"].state == "failed"
    assert "lucien_router is not a Lucien hook" in records["misspelled"].reason
    assert "did you mean lucien_routers?" in records["misspelled"].reason
    assert records["wrongarg"].state == "failed"
    assert "lucien_routers" in records["wrongarg"].reason
    assert "context" in records["wrongarg"].reason
    assert records["unmarked"].state == "failed"
    assert "lucien_routers" in records["unmarked"].reason
    assert "@hookimpl" in records["unmarked"].reason
    assert "plugin wrongarg failed" in caplog.text

    # The others load and answer.
    assert {r.name for r in app.ctx.registry.enabled()} >= {"core", "admin", "vip", "free"}
    await ana.send("/start")
    assert ana.last.buttons  # the free menu, assembled from the plugins that loaded


async def test_a_stale_button_and_an_unknown_link_are_answered(bot_app) -> None:
    ana = bot_app.user("Ana", language_code="en")
    await ana.send("/start")
    await bot_app.ctx.bot.send_message(
        ana.id,
        "old",
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="Old", callback_data="gone:1")]]
        ),
    )
    await bot_app.emulator.wait_idle()
    query = await ana.click("Old")
    assert query.text and query.show_alert
    assert "menu.stale" not in query.text

    await ana.send("/start NOPE-123")
    assert "start.unknown_link" not in ana.last.text
    assert len(ana.last.buttons) == 1
    await ana.click(ana.last.buttons[0][0])
    assert ana.last.buttons  # the menu


async def test_hook_tracing_logs_every_call_through_pluggy(harness, caplog) -> None:
    caplog.set_level(logging.INFO, logger="lucien.plugins")
    await harness.start_app(lucien_trace_hooks=True)
    traced = [r.getMessage() for r in caplog.records if r.getMessage().startswith("hook ")]
    assert any(m.startswith("hook lucien_routers -> core") for m in traced)
    assert any(m.startswith("hook lucien_roles <- admin") for m in traced)
