"""A command typed into a prompt leaves it and does what it says (issue 20): never taken
as the value the prompt asked for, whatever plugin's prompt it is."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.lucien(plugins=["admin", "voice", "vip", "free"])


async def test_a_command_inside_a_settings_prompt_leaves_it(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="en")
    await harness.start_app()
    await ada.send("/config")
    await ada.click("Wait time")
    prompt = ada.last
    await ada.send("/vip")  # changes her mind: the VIP screen, not a wait time
    assert "/vip" not in (ada.last.text or "")
    assert ada.last.message_id != prompt.message_id
    settings = await harness.ctx.config.get("free")
    before = settings.wait_minutes
    await ada.send("12")  # no prompt is open any more: not saved as the wait
    assert (await harness.ctx.config.get("free")).wait_minutes == before
    assert ada.last.buttons  # answered (the menu's way back), never silence


async def test_menu_and_start_inside_a_prompt_leave_it_too(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="en")
    await harness.start_app()
    for command in ("/menu", "/start"):
        await ada.send("/config")
        await ada.click("Wait time")
        await ada.send(command)
        await ada.send("7")
        assert (await harness.ctx.config.get("free")).wait_minutes != 7
