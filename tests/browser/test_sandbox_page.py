"""The sandbox web chat in a real browser: a new user meets Lucien, asks to enter the free
channel, the clock moves past the wait and the door opens; the admin sees the admin menu.

Screenshots go to artifacts/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

from typing import Any

from playwright.async_api import Page, expect

from lucien.core.testing.harness import artifacts_dir
from lucien.sandbox import Sandbox, world

TIMEOUT = 15_000  # ms: generous for a loaded CI machine; passing runs take far less


async def say(page: Page, text: str) -> None:
    await page.fill("#text", text)
    await page.click("#send")


async def test_new_user_free_channel_and_admin_menu(browser: Any, sandbox: Sandbox) -> None:
    page = await browser.new_page(viewport={"width": 1366, "height": 768})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await page.goto(sandbox.url)
    expect.set_options(timeout=TIMEOUT)

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

    # Asking to join through the link in Lucien's message: a join request, and the wait.
    await free_menu.locator('a[href^="https://t.me/+"]').click()
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
    assert errors == [], errors
