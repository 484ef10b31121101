"""Browser tests: Debian's Chromium driven by Playwright (browser downloads do not work here).

A missing Chromium is a failure, not a skip: CI installs it (`.ci/run`), and a skipped
browser test would hide a web chat that nobody checked.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from lucien.sandbox import Sandbox

#: Without the background-networking flags Chromium keeps dialling out, which floods a
#: closed network with connection attempts.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium_path() -> str:
    """The system Chromium, or a failure that says how to install it."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail(
            "Chromium is not installed: the browser tests need Debian's package "
            "(apt-get update && apt-get install -y chromium; .ci/run does it)",
            pytrace=False,
        )
    return path


@pytest.fixture
async def sandbox(tmp_path: Path) -> AsyncIterator[Sandbox]:
    """The whole sandbox in this event loop, on free ports, with a fresh database."""
    box = Sandbox(port=0, db_path=str(tmp_path / "sandbox.db"), reset=True)
    await box.start()
    try:
        yield box
    finally:
        await box.stop()


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    """A headless Chromium (Playwright's async API, since the tests are async)."""
    executable = chromium_path()
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        launched = await p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()
