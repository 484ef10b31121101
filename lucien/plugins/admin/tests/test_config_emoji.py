"""Settings of kind "emoji" (the publish plugin's reaction sets per channel) edited from the
configuration screens: emoji separated by spaces, commas or nothing at all; what is wrong
said in the admin's language, the set kept until a valid one comes (SQLite and
PostgreSQL); and how typed text is cut into emoji."""

from __future__ import annotations

from importlib.metadata import EntryPoint
from typing import Any

import pytest

from lucien.plugins.admin.services.emoji import graphemes, is_emoji, split_emoji


def _ep(name: str, value: str) -> EntryPoint:
    return EntryPoint(name, value, "lucien.plugins")


ENTRY_POINTS = [
    _ep("admin", "lucien.plugins.admin:plugin"),
    _ep("voice", "lucien.plugins.voice:plugin"),
    _ep("publish", "lucien.plugins.publish:plugin"),
]
pytestmark = pytest.mark.lucien(entry_points=ENTRY_POINTS, plugins=["admin", "voice", "publish"])


async def _reactions(harness: Any, key: str) -> list[str]:
    return list(getattr(await harness.ctx.config.get("publish"), key))


async def test_the_divans_reactions_are_edited_in_english(harness: Any) -> None:
    admin = harness.admin("Ada", language_code="en")
    await harness.start_app()
    await admin.send("/config")
    labels = [row[0] for row in admin.last.buttons]
    assert "Reactions (the Divan)" in labels and "Reactions (the vestibule)" in labels

    await admin.click("Reactions (the Divan)")
    assert admin.last.text == (
        "Send me the reaction emoji for this channel, from 1 to 8, separated by spaces. "
        "Now: 🔥 ❤️ 😍"
    )
    refusals = [
        ("lovely", "'lovely' is not an emoji. Send emoji only, separated by spaces."),
        ("🔥 ok", "'ok' is not an emoji. Send emoji only, separated by spaces."),
        ("🔥 ❤️ 🔥", "🔥 appears twice; each emoji only once."),
        ("😀😁😂🤣😃😄😅😆😉", "At most 8 emoji, if you please; I count 9."),
        (" , ", "I need at least one emoji."),
    ]
    for typed, said in refusals:
        await admin.send(typed)
        assert admin.last.text == said, typed
        assert admin.last.buttons == [["Cancel"]]  # still asking
    assert await _reactions(harness, "reactions_vip") == ["🔥", "❤️", "😍"]

    await admin.send("💋,🖤👑 👍🏽")  # commas, nothing, a space: all the same
    assert admin.last.text == "Reactions saved: 💋 🖤 👑 👍🏽"
    assert await _reactions(harness, "reactions_vip") == ["💋", "🖤", "👑", "👍🏽"]
    assert await _reactions(harness, "reactions_free") == ["🔥", "❤️", "😍"]


async def test_the_vestibules_reactions_are_edited_in_spanish(harness: Any) -> None:
    admin = harness.admin("Ada", language_code="es")
    await harness.start_app()
    await admin.send("/config")
    await admin.click("Reacciones del vestíbulo")
    assert admin.last.text.endswith("Ahora mismo: 🔥 ❤️ 😍")
    await admin.send("hola")
    assert admin.last.text == "«hola» no es un emoji. Envíe solo emoji, separados por espacios."
    await admin.send("✨✨")
    assert admin.last.text == "✨ aparece dos veces; cada emoji, una sola vez."
    await admin.send("✨ 🌙")
    assert admin.last.text == "Reacciones guardadas: ✨ 🌙"
    assert await _reactions(harness, "reactions_free") == ["✨", "🌙"]


def test_typed_text_is_cut_into_emoji() -> None:
    assert graphemes("🔥❤️😍") == ["🔥", "❤️", "😍"]
    assert graphemes("👍🏽👨‍👩‍👧🇪🇸🇲🇽") == ["👍🏽", "👨‍👩‍👧", "🇪🇸", "🇲🇽"]
    assert split_emoji("🔥, ❤️;😍  ✨") == (["🔥", "❤️", "😍", "✨"], None)
    assert split_emoji("🔥 fire ❤️") == (["🔥"], "fire")
    assert split_emoji("") == ([], None)
    assert all(is_emoji(e) for e in ("❤️", "👍🏽", "👨‍👩‍👧", "🇪🇸", "©"))
    assert not any(is_emoji(e) for e in ("a", "1", "\u200d", "️"))
