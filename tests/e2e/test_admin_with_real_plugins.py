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
