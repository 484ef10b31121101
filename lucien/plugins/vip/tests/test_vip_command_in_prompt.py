"""An admin's /vip typed into a configuration prompt (found in the sandbox walkthrough of
issue 20: "this menu is out of date"): the prompt ends and /vip does what it says. Spanish
and English, SQLite and PostgreSQL, through the emulator."""

from __future__ import annotations

from typing import Any

import pytest

from lucien.plugins.vip.tests.card_helpers import start_with_channel

pytestmark = pytest.mark.lucien(plugins=["voice", "admin", "vip"])

STALE = {"es": "ya no está al día", "en": "out of date"}
MENU = {"es": "Menú principal", "en": "Main menu"}
VIP_ADMIN = {"es": "Administración VIP", "en": "VIP administration"}
CHANNEL = {"es": "Canal VIP", "en": "VIP channel"}


@pytest.mark.parametrize("lang", ["es", "en"])
async def test_vip_inside_a_config_prompt_leaves_it_and_shows_the_vip_screen(
    harness: Any, lang: str
) -> None:
    ada = harness.admin("Ada", language_code=lang)
    channel = await start_with_channel(harness)
    await ada.send("/config")
    await ada.click(CHANNEL[lang])  # the prompt for the VIP channel is open
    await ada.send("/vip")
    assert STALE[lang] not in ada.last.text
    # An admin who is no member: the way to the VIP administration, not an invitation.
    assert ada.last.buttons == [[VIP_ADMIN[lang]], [MENU[lang]]]
    # The prompt is over: what she types next is not taken as a channel.
    await ada.send("@salon")
    assert (await harness.ctx.config.get("vip")).channel_id == channel.id
