"""The sandbox web chat in a real browser, on a laptop and on a phone.

On a laptop (1280x800) a new user meets Lucien, asks to enter the free channel, the clock
moves past the wait and the door opens; the admin sees the admin menu. On a phone (390x844)
the chat gets the whole width and the other panels sit behind tabs. Either way the console
stays clean (no script error, no failed or 4xx/5xx request, favicon included).

Screenshots go to artifacts/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.async_api import Page, expect

from lucien.core.testing.harness import artifacts_dir
from lucien.sandbox import Sandbox, world

TIMEOUT = 15_000  # ms: generous for a loaded CI machine; passing runs take far less


#: Apple's and Google's guidance both put a comfortable touch target at 44-48 px.
TOUCH_PX = 44


async def say(page: Page, text: str) -> None:
    await page.fill("#text", text)
    await page.click("#send")


def watch_for_errors(page: Page) -> list[str]:
    """What a person would see in the browser's console: script errors, console.error
    lines (Chromium logs every 404 there, /favicon.ico included), failed requests and
    responses with an error status. The list fills while the page runs."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    page.on(
        "console",
        lambda msg: (
            errors.append(f"console: {msg.text} {msg.location}") if msg.type == "error" else None
        ),
    )
    page.on("requestfailed", lambda req: errors.append(f"failed: {req.url} {req.failure}"))
    page.on(
        "response",
        lambda resp: (
            errors.append(f"HTTP {resp.status}: {resp.url}") if resp.status >= 400 else None
        ),
    )
    return errors


async def width_of(page: Page, selector: str) -> float:
    box = await page.locator(selector).bounding_box()
    assert box is not None, f"{selector} is not displayed"
    return float(box["width"])


async def height_of(page: Page, selector: str) -> float:
    box = await page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not displayed"
    return float(box["height"])


async def test_new_user_free_channel_and_admin_menu(browser: Any, sandbox: Sandbox) -> None:
    page = await browser.new_page(viewport={"width": 1280, "height": 800})
    errors = watch_for_errors(page)
    await page.goto(sandbox.url)
    expect.set_options(timeout=TIMEOUT)

    # Three columns, all on screen, and no tabs: the phone layout stays out of the way.
    await expect(page.locator(".tabs")).to_be_hidden()
    for column in (".col.left", ".col.chat", ".col.right"):
        await expect(page.locator(column)).to_be_visible()
    assert await width_of(page, ".col.chat") >= 600

    # The demo world is there: four people, two channels, Valeria already in the salon.
    await expect(page.locator("#actors .actor")).to_have_count(4)
    vip_members = page.locator(f'.channel.vip .members .member[data-user-id="{world.VIP_ID}"]')
    await expect(vip_members).to_contain_text("member")

    # A new user says /start: Lucien's greeting and the main menu with the free door.
    await page.click(f'[data-actor-id="{world.NEW_ID}"]')
    await say(page, "/start")
    greeting = page.locator(".msg.in .bubble").first
    await expect(greeting).to_contain_text("Lucien")
    await expect(greeting).to_contain_text("New user")
    await page.locator(".kb-btn", has_text="The vestibule").click()
    free_menu = page.locator(".msg.in .bubble", has_text="Requests are approved after").or_(
        page.locator(".msg.in .bubble", has_text="the door opens")
    )
    await expect(free_menu).to_be_visible()

    # Asking to join through the button under Lucien's message (the link is not written
    # out in the text as well): a join request, and the wait.
    await (
        page.locator(".msg.in", has_text=re.compile("Requests are approved after|the door opens"))
        .locator('a.kb-btn.url[href^="https://t.me/+"]', has_text="Ask to enter")
        .last.click()
    )
    pending = page.locator(f'.channel.free .requests [data-user-id="{world.NEW_ID}"]')
    await expect(pending).to_be_visible()
    await expect(page.locator(".msg.in .bubble").last).to_contain_text("10 minutes")

    # The clock moves past the wait: the bot approves, she is a member and is welcomed.
    await page.click('[data-clock="minutes"][data-amount="11"]')
    member = page.locator(f'.channel.free .members .member[data-user-id="{world.NEW_ID}"]')
    await expect(member).to_contain_text("member")
    await expect(pending).to_have_count(0)
    await expect(page.locator(".msg.in .bubble").last).to_contain_text("vestibule")
    await expect(page.locator("#calls .method", has_text="approveChatJoinRequest")).to_have_count(1)
    await page.screenshot(path=str(artifacts_dir() / "sandbox.png"))

    # The admin sees the admin menu.
    await page.click(f'[data-actor-id="{world.ADMIN_ID}"]')
    await say(page, "/start")
    for label in ("Configuración", "Administración VIP"):
        await expect(page.locator(".kb-btn", has_text=label)).to_be_visible()
    await page.screenshot(path=str(artifacts_dir() / "sandbox-admin.png"))
    assert await page.evaluate("document.documentElement.scrollWidth") <= 1280
    assert errors == [], errors


async def test_phone_chat_first_other_panels_behind_tabs(browser: Any, sandbox: Sandbox) -> None:
    page = await browser.new_page(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    errors = watch_for_errors(page)
    await page.goto(sandbox.url)
    expect.set_options(timeout=TIMEOUT)

    # The chat comes first and takes the width; the people list is one tap away.
    await expect(page.locator(".col.chat")).to_be_visible()
    await expect(page.locator(".col.left")).to_be_hidden()
    await page.locator(".empty button", has_text="Choose who you are").tap()
    await expect(page.locator("#actors .actor")).to_have_count(4)
    await page.screenshot(path=str(artifacts_dir() / "sandbox-phone-people.png"))

    # Picking the new user opens her chat; /start brings the greeting and the menu.
    await page.locator(f'[data-actor-id="{world.NEW_ID}"]').tap()
    await expect(page.locator(".col.chat")).to_be_visible()
    await expect(page.locator(".col.left")).to_be_hidden()
    await say(page, "/start")
    greeting = page.locator(".msg.in .bubble").first
    await expect(greeting).to_contain_text("Lucien")
    await expect(greeting).to_contain_text("New user")
    vestibule = page.locator(".kb-btn", has_text="The vestibule")
    assert await height_of(page, ".kb-btn") >= TOUCH_PX
    await vestibule.tap()
    free_menu = page.locator(".msg.in .bubble", has_text="Requests are approved after").or_(
        page.locator(".msg.in .bubble", has_text="the door opens")
    )
    await expect(free_menu).to_be_visible()
    await expect(page.locator(".msg.in .bubble").last).to_be_in_viewport()

    # Wide enough to read, touch-sized controls, nothing sticking out sideways.
    assert await width_of(page, ".col.chat") >= 300
    for control in ("#text", "#send"):
        assert await height_of(page, control) >= TOUCH_PX, control
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390
    assert await page.evaluate("document.querySelector('.topbar').scrollWidth") <= 390
    await page.screenshot(path=str(artifacts_dir() / "sandbox-phone.png"))

    # The channels tab, then the calls tab: the Bot API calls the bot just made.
    await page.locator('[data-tab="world"]').tap()
    await expect(page.locator(".col.chat")).to_be_hidden()
    await expect(page.locator(".channel.free")).to_be_visible()
    await page.locator('[data-tab="calls"]').tap()
    await expect(page.locator(".channel.free")).to_be_hidden()
    await expect(page.locator("#calls .method", has_text="sendMessage").first).to_be_visible()
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390
    await page.screenshot(path=str(artifacts_dir() / "sandbox-phone-world.png"))
    await page.locator('[data-tab="chat"]').tap()
    await expect(page.locator("#text")).to_be_visible()
    assert errors == [], errors
