"""The dashboard in Chromium (issue 21, item 1's "done when").

An admin sends /dashboard; the link the bot gives opens the page (the token leaves the
address bar at once), which shows the updates the test sent and the failures of a plugin
whose handler raises. The same link a second time, and a visitor without it, get 403.
At 390 px (a phone) the page is one readable column with nothing off to the side, and no
request ever leaves the bot's own address.

Screenshots go to artifacts/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, expect

from lucien.core.testing.harness import BotHarness, artifacts_dir
from lucien.plugins.dashboard.tests.helpers import ENTRY_POINTS, PLUGINS, link_in

from .test_sandbox_page import TIMEOUT, watch_for_errors
from .test_sandbox_phone import assert_no_sideways_scroll, outside_requests

STARTS, BOOMS = 5, 2


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[BotHarness]:
    """The bot on SQLite with the emulator, the dashboard and a plugin that fails on /boom
    (one backend is enough here: the conversation tests run both)."""
    box = BotHarness(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'dashboard.db'}",
        entry_points=ENTRY_POINTS,
        plugins=PLUGINS,
    )
    async with box:
        yield box


async def figure(page: Page, key: str) -> str:
    """The count in the row `key` of a table (a plugin, a method:code)."""
    return await page.locator(f'tr[data-key="{key}"] td').nth(1).inner_text()


async def test_the_link_opens_the_figures_once_and_nobody_else_gets_in(
    browser: Any, harness: BotHarness
) -> None:
    ada = harness.admin("Ada", language_code="en")
    bea = harness.user("Bea", language_code="en")
    await harness.start_app()
    base = harness.app.base_url or ""
    expect.set_options(timeout=TIMEOUT)

    await ada.send("/dashboard")
    link = link_in(ada.last)
    for _ in range(STARTS):
        await bea.send("/start")
    for _ in range(BOOMS):
        await bea.send("/boom")
    await harness.run_jobs()  # one sample into the history

    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    errors = watch_for_errors(page)
    outside = outside_requests(page, base)
    # Followed from another site, as from Telegram Web: the session must hold all the same.
    await page.set_content(f'<a id="open" href="{link}">Open</a>')
    await page.click("#open")
    await page.wait_for_url(f"{base}/dashboard")  # the token is gone from the address bar
    await expect(page.locator("h1")).to_contain_text("Dashboard")
    # The /dashboard, the /starts and the /booms: every update the test sent.
    await expect(page.locator("#day-updates")).to_have_text(str(1 + STARTS + BOOMS))
    await expect(page.locator("#day-failures")).to_have_text(str(BOOMS))
    assert await figure(page, "crashy") == str(BOOMS)
    # Status words in the page's language; times on a 24 h clock ("Updated 17:05:09").
    await expect(page.locator('#health tr[data-key="database"]')).to_contain_text("in order")
    await expect(page.locator("#status")).to_contain_text(re.compile(r"\b\d{2}:\d{2}:\d{2}$"))
    await expect(page.locator("#chart-rate svg polyline")).to_have_count(1)
    await page.screenshot(path=str(artifacts_dir() / "dashboard.png"), full_page=True)

    # A phone: one column, nothing off to the side, the figures still there.
    phone = await context.new_page()
    await phone.set_viewport_size({"width": 390, "height": 844})
    await phone.goto(f"{base}/dashboard")
    await expect(phone.locator("#day-updates")).to_have_text(str(1 + STARTS + BOOMS))
    await assert_no_sideways_scroll(phone)
    lefts = {
        round((await box.bounding_box() or {"x": -1})["x"])
        for box in await phone.locator(".card, figure, .columns section").all()
    }
    assert len(lefts) == 1, f"more than one column at 390 px: {sorted(lefts)}"
    await phone.screenshot(path=str(artifacts_dir() / "dashboard-390.png"), full_page=True)
    assert errors == [], errors
    assert outside == [], outside
    await context.close()

    # The link again, in another browser: used. And no link at all: no entry.
    stranger = await browser.new_context()
    page = await stranger.new_page()
    again = await page.goto(link)
    assert again is not None and again.status == 403
    await expect(page.locator("#forbidden")).to_contain_text("/dashboard")
    bare = await page.goto(f"{base}/dashboard")
    assert bare is not None and bare.status == 403
    await expect(page.locator("#forbidden")).to_contain_text("/dashboard")
    await page.screenshot(path=str(artifacts_dir() / "dashboard-403.png"))
    data = await page.goto(f"{base}/dashboard/data.json")
    assert data is not None and data.status == 403
    await stranger.close()
