"""With only a third-party plugin enabled, the built-in plugin still answers everything
in plain words: no raw message key ever reaches a user."""

from __future__ import annotations

from importlib.metadata import EntryPoint

import pytest
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from lucien.core.builtin.messages import MESSAGES
from lucien.core.testing.harness import BotHarness

KEYS = {m.key for m in MESSAGES}


def _no_raw_key(text: str | None) -> None:
    assert text
    assert text not in KEYS
    assert not any(k in text for k in KEYS if "." in k)


@pytest.mark.parametrize("db_kind", ["sqlite"])
async def test_greeter_alone_start_link_and_stale_button(
    greeter_entry_points: list[EntryPoint], database_url: str
) -> None:
    async with BotHarness(
        database_url=database_url, entry_points=greeter_entry_points, plugins=["greeter"]
    ) as h:
        app = await h.start_app()
        enabled = {r.name for r in app.ctx.registry.enabled() if not r.builtin}
        assert enabled == {"greeter"}  # and the always-on built-in plugins
        ana = h.user("Ana", language_code="en")

        await ana.send("/start XYZ")
        _no_raw_key(ana.last.text)
        assert ana.last.text == "I do not recognise that link. Here is your menu."
        assert ana.last.buttons == [["Main menu"]]
        await ana.click("Main menu")
        _no_raw_key(ana.last.text)
        assert ana.last.text == "Main menu. Choose an option."

        await ana.send("/greet")
        assert ana.last.text == "Greetings from a third-party plugin, Ana."

        await app.ctx.bot.send_message(
            ana.id,
            "an old screen",
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[[InlineKeyboardButton(text="Old", callback_data="vip:x")]]
            ),
        )
        await h.emulator.wait_idle()
        query = await ana.click("Old")
        _no_raw_key(query.text)
        assert query.text == "This menu is out of date. Here is the current one."
