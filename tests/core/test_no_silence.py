"""Nothing a user sends in private goes unanswered (issue 20, item 4): an unknown command
and a message outside every prompt get a line and the way to the menu."""

from __future__ import annotations

from typing import Any

import pytest

from lucien.core.testing.harness import BotHarness

pytestmark = [
    pytest.mark.lucien(plugins=["voice", "admin", "vip", "free", "content"]),
    pytest.mark.parametrize("db_kind", ["sqlite"], indirect=True),
]


@pytest.mark.parametrize("language", ["es", "en"])
async def test_unknown_command_and_free_text_are_answered_with_the_menu(
    harness: BotHarness, language: str
) -> None:
    await harness.start_app()
    ana: Any = harness.user("Ana", language_code=language)
    await ana.send("/start")
    for text in ("/frobnicate", "hello there", "¿qué tal?"):
        before = len(ana.messages)
        await ana.send(text)
        assert len(ana.messages) == before + 1, text
        reply = ana.last
        assert reply.text and "{" not in reply.text
        assert len(reply.buttons) == 1  # the way to the menu
    await ana.click(ana.last.buttons[0][0])
    assert "Ana" in ana.last.text  # the menu, in her name
