"""The admin screens over the real vip, free and voice plugins (all installed plugins)."""

from __future__ import annotations

from typing import Any


async def test_configuration_lists_the_real_plugins_settings(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="en")
    await harness.start_app()
    await ada.send("/config")
    labels = [row[0] for row in ada.last.buttons]
    for label in ("VIP channel", "Free channel", "Wait time", "Social links", "Timezone"):
        assert label in labels, labels
    await ada.click("Social links")
    await ada.send("https://instagram.com/x\n@x_tiktok")
    assert await _get(harness, "free", "social_links") == ["https://instagram.com/x", "@x_tiktok"]
    await ada.send("/config")
    await ada.click("Wait time")
    await ada.send("99999")
    assert await _get(harness, "free", "wait_minutes") == 5
    await ada.send("15")
    assert await _get(harness, "free", "wait_minutes") == 15


async def _get(harness: Any, plugin: str, key: str) -> Any:
    return getattr(await harness.ctx.config.get(plugin), key)


async def test_a_start_link_nobody_claims_is_answered_with_the_way_to_the_menu(
    harness: Any,
) -> None:
    """t.me/bot?start=<anything>: a VIP token goes to the vip plugin; anything else (an old,
    mistyped or foreign link) gets a line in the voice and the menu, never silence."""
    from lucien.plugins.voice.services import load_catalogue

    ana = harness.user("Ana", language_code="en")
    await harness.start_app()
    await ana.send("/start promo-2026")
    lines = {v.text for v in load_catalogue().variants("en", "start.unknown_link")}
    assert ana.last.text in lines
    assert ana.last.buttons == [["Main menu"]]
    await ana.click("Main menu")
    assert ana.last.buttons  # the free user's main menu, edited in place
    assert ana.last.text not in lines

    await ana.send("/start VIP-notarealtoken")  # still the vip plugin's, not the fallback
    assert ana.last.text not in lines
