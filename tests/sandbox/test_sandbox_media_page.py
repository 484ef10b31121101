"""The web chat on a phone (390 px): a photo attached with the composer's text as its
caption, and a channel post whose button the chosen person presses, in a real browser.

Chromium and the fixtures are the browser tests' own (tests/browser/conftest.py): a
missing Chromium is a failure there, and so here.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from typing import Any

from playwright.async_api import expect

from lucien.sandbox import Sandbox, world
from tests.browser.conftest import browser, sandbox
from tests.browser.test_sandbox_page import TIMEOUT, watch_for_errors

__all__ = ["browser", "sandbox"]  # fixtures, used by name


def tiny_png(width: int = 60, height: int = 40) -> bytes:
    """A real PNG (the page shows it in place; fake bytes would show nothing)."""
    rows = b"".join(b"\x00" + bytes([190, 120, 60]) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


async def test_phone_attaches_a_photo_and_presses_a_channel_button(
    browser: Any, sandbox: Sandbox, tmp_path: Path
) -> None:
    page = await browser.new_page(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    errors = watch_for_errors(page)
    expect.set_options(timeout=TIMEOUT)
    await page.goto(f"{sandbox.url}/#actor={world.NEW_ID}")

    # Attach, write the caption, send: the photo is shown in place with its caption.
    picture = tmp_path / "gato.png"
    picture.write_bytes(tiny_png())
    await expect(page.locator("#attach")).to_be_enabled()
    await page.set_input_files("#file", str(picture))
    await expect(page.locator("#attachment")).to_contain_text("gato.png")
    await page.fill("#text", "Mi gato")
    await page.locator("#send").tap()
    sent = page.locator(".msg.out .bubble", has_text="Mi gato")
    await expect(sent.locator("img.media")).to_be_visible()
    await expect(page.locator("#attachment")).to_be_hidden()
    await expect(page.locator("#text")).to_have_value("")
    [photo] = [m for m in sandbox.actors[world.NEW_ID].chat_with().messages.values() if m.photo]
    assert (photo.caption, photo.file) == ("Mi gato", ("gato.png", picture.read_bytes()))
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390

    # The bot posts in the VIP channel; the new user (not a member) presses its button.
    keyboard = {"inline_keyboard": [[{"text": "Me gusta", "callback_data": "react:like"}]]}
    status, _ = await sandbox.emulator.execute(
        sandbox.emulator.bot,
        "sendMessage",
        {"chat_id": world.VIP_CHANNEL_ID, "text": "Nueva sesión", "reply_markup": keyboard},
    )
    assert status == 200
    await page.locator('[data-tab="world"]').tap()
    post = page.locator('[data-channel-posts="vip"] .msg', has_text="Nueva sesión")
    await expect(post).to_be_visible()
    await post.locator(".kb-btn", has_text="Me gusta").tap()
    await expect(page.locator(".toast.alert")).to_be_visible()  # the bot's answer
    [query] = [q for q in sandbox.emulator.callback_queries.values() if q.data == "react:like"]
    assert (query.user_id, query.chat_id, query.answered) == (
        world.NEW_ID,
        world.VIP_CHANNEL_ID,
        True,
    )
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390
    assert errors == [], errors
