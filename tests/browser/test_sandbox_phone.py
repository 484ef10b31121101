"""The sandbox on a phone (issue 20, item 6), in Debian's Chromium at 390 x 844.

One column behind four tabs (people, chat, channels, calls). A new user is chosen from
the people tab (her Telegram id shown and copied), says /start and presses an inline
button; the admin opens the free channel's setting and names the channel by forwarding
one of its posts from the channels tab, the prompt's first way. Nothing scrolls sideways
on any tab, the console stays clean and no request leaves the page.

Screenshots go to artifacts/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any

from playwright.async_api import Page, expect

from lucien.core.testing.harness import artifacts_dir
from lucien.sandbox import Sandbox, world

from .test_sandbox_page import TIMEOUT, TOUCH_PX, height_of, say, watch_for_errors

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}
TABS = ["People", "Chat", "Channels", "Calls"]


async def eventually(check: Callable[[], bool]) -> None:
    """Wait (up to the browser timeout) until `check()` holds: the page acts on its own."""
    for _ in range(TIMEOUT // 50):
        if check():
            return
        await asyncio.sleep(0.05)
    assert check()


async def assert_no_sideways_scroll(page: Page) -> None:
    """The page is no wider than the window (the issue's measure)."""
    width, window = await page.evaluate(
        "[document.scrollingElement.scrollWidth, window.innerWidth]"
    )
    assert width <= window, f"the page is {width} px wide in a {window} px window"


def outside_requests(page: Page, base: str) -> list[str]:
    """Requests to anywhere but the sandbox (the favicon included); fills as the page runs."""
    seen: list[str] = []
    page.on(
        "request",
        lambda req: (
            seen.append(req.url)
            if not req.url.startswith((base, "data:", "blob:", "about:"))
            else None
        ),
    )
    return seen


async def phone_page(browser: Any, sandbox: Sandbox) -> tuple[Page, list[str], list[str]]:
    """A phone's page on the sandbox, the clipboard allowed; its errors and outside calls."""
    context = await browser.new_context(**PHONE)
    await context.grant_permissions(["clipboard-read", "clipboard-write"], origin=sandbox.url)
    page = await context.new_page()
    errors = watch_for_errors(page)
    outside = outside_requests(page, sandbox.url)
    expect.set_options(timeout=TIMEOUT)
    await page.goto(sandbox.url)
    return page, errors, outside


async def test_phone_choose_a_person_send_and_press_a_button(
    browser: Any, sandbox: Sandbox
) -> None:
    page, errors, outside = await phone_page(browser, sandbox)

    # Four tabs, the chat first; nothing sideways.
    await expect(page.locator(".tabs .tab")).to_have_text(TABS)
    await expect(page.locator(".col.chat")).to_be_visible()
    await assert_no_sideways_scroll(page)

    # The people tab: each person with their Telegram id, which one tap copies.
    await page.locator('[data-tab="people"]').tap()
    await expect(page.locator(".col.chat")).to_be_hidden()
    person = page.locator(".person").filter(has=page.locator(f'[data-actor-id="{world.NEW_ID}"]'))
    await expect(person.locator(".uid")).to_have_text(f"id {world.NEW_ID}")
    await person.locator(".copy").tap()
    await expect(page.locator(".toast", has_text="Copied New user's Telegram id")).to_be_visible()
    assert await page.evaluate("navigator.clipboard.readText()") == str(world.NEW_ID)
    assert await height_of(page, ".person .copy") >= TOUCH_PX
    await assert_no_sideways_scroll(page)
    await page.screenshot(path=str(artifacts_dir() / "sandbox-390-people.png"))

    # Choosing her opens her chat; she says /start and presses an inline button.
    await person.locator(".actor").tap()
    await expect(page.locator(".col.chat")).to_be_visible()
    await expect(page.locator("#chat-sub")).to_contain_text(f"you are New user · id {world.NEW_ID}")
    await say(page, "/start")
    await expect(page.locator(".msg.in .bubble").first).to_contain_text("New user")
    await page.locator(".kb-btn", has_text="The vestibule").tap()
    new_user = sandbox.actors[world.NEW_ID]
    await eventually(lambda: [q.answered for q in new_user.callback_answers] == [True])
    # The vestibule's screen is shown, in view, with its door into the channel.
    await expect(page.locator(".msg.in .bubble").last).to_contain_text("vestibule")
    await expect(page.locator(".msg.in").last).to_be_in_viewport()
    await assert_no_sideways_scroll(page)
    await page.screenshot(path=str(artifacts_dir() / "sandbox-390-chat.png"))

    # The channels tab: each channel's id; the calls tab: the calls, and nothing else.
    await page.locator('[data-tab="world"]').tap()
    free = page.locator(".channel.free")
    await expect(free.locator(".channel-id")).to_have_text(f"id {world.FREE_CHANNEL_ID}")
    await expect(page.locator(".calls-card")).to_be_hidden()
    await assert_no_sideways_scroll(page)
    await page.screenshot(path=str(artifacts_dir() / "sandbox-390-channels.png"))
    await page.locator('[data-tab="calls"]').tap()
    await expect(page.locator(".channels-card")).to_be_hidden()
    await expect(
        page.locator("#calls .method", has_text="answerCallbackQuery").first
    ).to_be_visible()
    await assert_no_sideways_scroll(page)
    await page.screenshot(path=str(artifacts_dir() / "sandbox-390-calls.png"))
    assert errors == [], errors
    assert outside == [], outside


async def test_phone_admin_names_a_channel_by_forwarding_its_post(
    browser: Any, sandbox: Sandbox
) -> None:
    status, sent = await sandbox.emulator.execute(
        sandbox.emulator.bot,
        "sendMessage",
        {"chat_id": world.FREE_CHANNEL_ID, "text": "Bienvenidos al vestíbulo"},
    )
    assert status == 200, sent
    version = await sandbox.ctx.config.version("free", "channel_id")
    page, errors, _ = await phone_page(browser, sandbox)

    # Diana opens the free channel's setting: forward a post of the channel, it says.
    await page.locator('[data-tab="people"]').tap()
    await page.locator(f'[data-actor-id="{world.ADMIN_ID}"]').tap()
    await say(page, "/config")
    await page.locator(".kb-btn", has_text=re.compile(r"^Canal gratuito$")).last.tap()
    await expect(page.locator(".msg.in .bubble").last).to_contain_text("Reenvíeme")

    # The channels tab: "Forward to the bot" under the post; back in the chat, the bot
    # has the channel.
    await page.locator('[data-tab="world"]').tap()
    post = page.locator('[data-channel-posts="free"] .msg', has_text="Bienvenidos al vestíbulo")
    await expect(post).to_be_visible()
    await assert_no_sideways_scroll(page)
    await post.locator("[data-forward]").tap()
    await expect(page.locator(".col.chat")).to_be_visible()
    await expect(page.locator(".msg.out .bubble").last).to_contain_text("Bienvenidos al vestíbulo")
    await expect(page.locator(".msg.in .bubble").last).to_contain_text("Diana · Vestíbulo (Free)")
    [forward] = [
        m
        for m in sandbox.actors[world.ADMIN_ID].chat_with().messages.values()
        if m.forward_origin is not None
    ]
    assert forward.forward_origin is not None
    assert forward.forward_origin["chat"]["id"] == world.FREE_CHANNEL_ID
    assert await sandbox.ctx.config.version("free", "channel_id") == version + 1
    await assert_no_sideways_scroll(page)
    await page.screenshot(path=str(artifacts_dir() / "sandbox-390-forward.png"))
    assert errors == [], errors
