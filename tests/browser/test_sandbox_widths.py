"""The sandbox on a laptop and a tablet-sized window (issue 20, item 6), in Chromium.

At 1400 x 900 the three columns stay and the composer takes several lines: Shift+Enter
starts a new one, the box grows with them, Enter sends them as one message. At 800 px
nothing is cut off: every control lies inside the window, the top line wraps rather than
being clipped, and the side column scrolls down to the calls. With
LUCIEN_DISABLED_PLUGINS=vip the page offers nothing of the VIP plugin's.

Screenshots go to artifacts/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, expect

from lucien.core.testing.harness import artifacts_dir
from lucien.sandbox import Sandbox, world

from .test_sandbox_page import TIMEOUT, height_of, say, watch_for_errors, width_of
from .test_sandbox_phone import assert_no_sideways_scroll, outside_requests

#: What must lie wholly inside the window at 800 px, wherever it is scrolled to.
CONTROLS = (
    ".topbar > *",
    ".actor",
    ".copy",
    "#new-actor > *",
    ".clock-buttons .btn",
    ".channel",
    ".chip",
    "#composer > *",
    ".kb-btn",
)


async def laptop(browser: Any, width: int, height: int) -> Page:
    page = await browser.new_page(viewport={"width": width, "height": height})
    expect.set_options(timeout=TIMEOUT)
    return page


async def test_laptop_three_columns_and_a_message_of_several_lines(
    browser: Any, sandbox: Sandbox
) -> None:
    page = await laptop(browser, 1400, 900)
    errors = watch_for_errors(page)
    outside = outside_requests(page, sandbox.url)
    await page.goto(f"{sandbox.url}/#actor={world.NEW_ID}")

    # Three columns side by side, no tabs.
    await expect(page.locator(".tabs")).to_be_hidden()
    boxes = []
    for column in (".col.left", ".col.chat", ".col.right"):
        await expect(page.locator(column)).to_be_visible()
        boxes.append(await page.locator(column).bounding_box())
    assert boxes[0] and boxes[1] and boxes[2]
    assert boxes[0]["x"] < boxes[1]["x"] < boxes[2]["x"]
    assert await width_of(page, ".col.chat") >= 600

    # Two lines: Shift+Enter starts the second and the box grows; Enter sends both.
    box = page.locator("#text")
    await expect(box).to_be_enabled()
    one_line = await height_of(page, "#text")
    await box.click()
    await page.keyboard.type("Primera línea")
    await page.keyboard.press("Shift+Enter")
    await page.keyboard.type("segunda línea")
    await expect(box).to_have_value("Primera línea\nsegunda línea")
    assert await height_of(page, "#text") > one_line
    await page.keyboard.press("Enter")
    sent = page.locator(".msg.out .bubble").last
    await expect(sent).to_contain_text("segunda línea")
    assert "Primera línea\nsegunda línea" in await sent.inner_text()
    [message] = [
        m for m in sandbox.actors[world.NEW_ID].chat_with().messages.values() if not m.from_bot
    ]
    assert message.text == "Primera línea\nsegunda línea"
    await expect(box).to_have_value("")
    assert await height_of(page, "#text") == one_line
    await expect(box).to_be_focused()

    # Enter alone sends a one-line message as before.
    await page.keyboard.type("/start")
    await page.keyboard.press("Enter")
    await expect(page.locator(".msg.in .bubble").last).to_contain_text("New user")
    await assert_no_sideways_scroll(page)
    await page.screenshot(path=str(artifacts_dir() / "sandbox-1400.png"))
    assert errors == [], errors
    assert outside == [], outside


async def test_800_px_nothing_cut_off(browser: Any, sandbox: Sandbox) -> None:
    page = await laptop(browser, 800, 900)
    errors = watch_for_errors(page)
    await page.goto(f"{sandbox.url}/#actor={world.ADMIN_ID}")
    await expect(page.locator(".tabs")).to_be_hidden()
    await say(page, "/start")
    await expect(page.locator(".kb-btn", has_text="Configuración")).to_be_visible()

    # The top line is whole: it wraps rather than ending in an ellipsis.
    note = page.locator(".topnote")
    assert await note.evaluate("n => n.scrollWidth <= n.clientWidth")
    assert await note.evaluate("n => getComputedStyle(n).textOverflow") != "ellipsis"

    # Every control inside the window, wherever the side column is scrolled.
    for where in ("top", "bottom"):
        if where == "bottom":
            await page.locator(".calls-card").scroll_into_view_if_needed()
            await expect(page.locator(".calls-card")).to_be_in_viewport()
            await expect(page.locator("#calls .method").first).to_be_visible()
        for selector in CONTROLS:
            for element in await page.locator(selector).all():
                if not await element.is_visible():
                    continue
                found = await element.bounding_box()
                if found is None and not await element.is_visible():
                    continue  # re-drawn by the page's refresh meanwhile (a detached node)
                assert found is not None, selector
                assert found["x"] >= 0 and found["x"] + found["width"] <= 800, (selector, found)
        await assert_no_sideways_scroll(page)
        await page.screenshot(path=str(artifacts_dir() / f"sandbox-800-{where}.png"))
    assert errors == [], errors


@pytest.fixture
async def sandbox_without_vip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Sandbox]:
    """The sandbox with LUCIEN_DISABLED_PLUGINS=vip in its environment."""
    monkeypatch.setenv("LUCIEN_DISABLED_PLUGINS", "vip")
    box = Sandbox(port=0, db_path=str(tmp_path / "sandbox.db"), reset=True)
    await box.start()
    try:
        yield box
    finally:
        await box.stop()


async def test_without_the_vip_plugin_no_vip_menu_or_settings(
    browser: Any, sandbox_without_vip: Sandbox
) -> None:
    sandbox = sandbox_without_vip
    page = await laptop(browser, 1400, 900)
    errors = watch_for_errors(page)
    await page.goto(f"{sandbox.url}/#actor={world.ADMIN_ID}")
    vip_word = re.compile(r"\bVIP\b")

    # The page: no /vip or /vipadmin shortcut, no VIP badge, only the free channel.
    await expect(page.locator(".chip", has_text="/config")).to_be_visible()
    await expect(page.locator('.chip[data-text="/vip"]')).to_be_hidden()
    await expect(page.locator('.chip[data-text="/vipadmin"]')).to_be_hidden()
    await expect(page.locator(".badge.vip")).to_have_count(0)
    await expect(page.locator(".channel.free")).to_be_visible()
    await expect(page.locator(".channel.vip")).to_have_count(0)

    # Diana's menu and her settings: nothing of the VIP plugin's.
    await say(page, "/start")
    await expect(page.locator(".kb-btn", has_text="Configuración")).to_be_visible()
    await expect(page.locator(".kb-btn", has_text=vip_word)).to_have_count(0)
    await say(page, "/config")
    await expect(page.locator(".kb-btn", has_text=re.compile(r"^Canal gratuito$"))).to_be_visible()
    await expect(page.locator(".kb-btn", has_text=re.compile("canal VIP", re.I))).to_have_count(0)
    await expect(page.locator(".kb-btn", has_text="Administración VIP")).to_have_count(0)
    await page.screenshot(path=str(artifacts_dir() / "sandbox-without-vip.png"))
    await assert_no_sideways_scroll(page)
    assert errors == [], errors
