"""The content plugin in the sandbox web chat, in a real browser.

On a laptop, in Spanish: a Free user opens "Mi contenido" (the free package, not the VIP
ones), a package's detail, and taps "Me interesa" twice in a row: a confirmation each
time, the second saying it was already noted; the admin gets one notification, marks it
"Atendido" and the notification says who attended it. On a phone, in English: the admin
deactivates the package a user is looking at, and the user's old button answers politely
with what remains. Nothing shows escaped HTML, nothing sticks out sideways, and the
console stays clean.

Screenshots go to artifacts/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.async_api import Locator, Page, expect

from lucien.core.testing.harness import artifacts_dir
from lucien.sandbox import Sandbox, world

from .test_sandbox_page import say, watch_for_errors

TIMEOUT = 15_000  # ms: generous for a loaded CI machine; passing runs take far less
FREE_PACKAGE, VIP_PACKAGE, PREMIUM_PACKAGE = (p[0] for p in world.CONTENT_PACKAGES)
#: What a person would see if a text were escaped twice.
ESCAPED = re.compile(r"&(lt|gt|amp|quot|#\d+);")


def button(page: Page, label: str) -> Locator:
    """The newest inline button with exactly this label."""
    return page.locator(".kb-btn").filter(has_text=re.compile(f"^{re.escape(label)}$")).last


def incoming(page: Page) -> Locator:
    return page.locator(".msg.in .bubble")


async def assert_readable(page: Page, width: int) -> None:
    """No escaped entities in any bubble, and nothing wider than the window."""
    texts = await incoming(page).all_inner_texts()
    assert texts, "the bot said nothing"
    assert not [t for t in texts if ESCAPED.search(t)], texts
    assert await page.evaluate("document.documentElement.scrollWidth") <= width


async def test_free_user_interest_reaches_the_admin(browser: Any, sandbox: Sandbox) -> None:
    page = await browser.new_page(viewport={"width": 1280, "height": 800})
    errors = watch_for_errors(page)
    await page.goto(sandbox.url)
    expect.set_options(timeout=TIMEOUT)

    # The admin has opened the bot, so Lucien may write to her.
    await page.click(f'[data-actor-id="{world.ADMIN_ID}"]')
    await say(page, "/start")
    await expect(button(page, "Paquetes de contenido")).to_be_visible()

    # A Free user sees the free package only.
    await page.click(f'[data-actor-id="{world.NUEVO_ID}"]')
    await say(page, "/start")
    await button(page, "Mi contenido").click()
    await expect(button(page, FREE_PACKAGE)).to_be_visible()
    await expect(page.locator(".kb-btn", has_text=VIP_PACKAGE)).to_have_count(0)
    await expect(page.locator(".kb-btn", has_text=PREMIUM_PACKAGE)).to_have_count(0)

    # The detail: description and price, "Me interesa" and "Volver".
    await button(page, FREE_PACKAGE).click()
    detail = incoming(page).last
    await expect(detail).to_contain_text("Seis fotografías")
    await expect(detail).to_contain_text("a consultar")
    await expect(button(page, "Volver")).to_be_visible()

    # Two taps in a row: a confirmation each time, the second says it was already noted.
    want = button(page, "Me interesa")
    await want.click()
    await want.click()
    replies = incoming(page).filter(has_text=FREE_PACKAGE)
    await expect(replies).to_have_count(3)  # the detail and two confirmations
    await expect(replies.last).to_contain_text(re.compile("ya estaba anotado|Ya lo tengo"))
    await assert_readable(page, 1280)
    await page.screenshot(path=str(artifacts_dir() / "sandbox-content-free.png"))

    # The admin got one notification; "Atendido" says who attended it.
    await page.click(f'[data-actor-id="{world.ADMIN_ID}"]')
    notification = incoming(page).filter(has_text="Nuevo usuario").filter(has_text=FREE_PACKAGE)
    await expect(notification).to_have_count(1)
    await expect(button(page, "Ver usuario")).to_be_visible()
    await button(page, "Atendido").click()
    await expect(notification).to_contain_text("Atendido por Diana")
    await expect(page.locator(".toast", has_text="atendido")).to_be_visible()
    await expect(page.locator(".kb-btn", has_text=re.compile("^Atendido$"))).to_have_count(0)
    await assert_readable(page, 1280)
    await page.screenshot(path=str(artifacts_dir() / "sandbox-content-admin.png"))
    assert errors == [], errors


async def test_phone_old_button_of_a_withdrawn_package(browser: Any, sandbox: Sandbox) -> None:
    page = await browser.new_page(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    errors = watch_for_errors(page)
    await page.goto(sandbox.url)
    expect.set_options(timeout=TIMEOUT)

    # An English user opens her content and a package.
    await page.locator(".empty button", has_text="Choose who you are").tap()
    await page.locator(f'[data-actor-id="{world.NEW_ID}"]').tap()
    await say(page, "/start")
    await button(page, "My content").tap()
    await button(page, FREE_PACKAGE).tap()
    await expect(incoming(page).last).to_contain_text("on request")
    await expect(button(page, "I'm interested")).to_be_visible()
    await assert_readable(page, 390)

    # The admin withdraws it.
    await page.locator('[data-tab="people"]').tap()
    await page.locator(f'[data-actor-id="{world.ADMIN_ID}"]').tap()
    await say(page, "/start")
    await button(page, "Paquetes de contenido").tap()
    await button(page, FREE_PACKAGE).tap()
    await button(page, "Desactivar").tap()
    await expect(incoming(page).last).to_contain_text("inactivo")

    # Her old button answers politely and shows what remains (nothing, for a Free user).
    await page.locator('[data-tab="people"]').tap()
    await page.locator(f'[data-actor-id="{world.NEW_ID}"]').tap()
    await button(page, "I'm interested").tap()
    await expect(
        page.locator(".toast", has_text=re.compile("no longer available|withdrawn"))
    ).to_be_visible()
    await expect(page.locator(".kb-btn", has_text=FREE_PACKAGE)).to_have_count(0)
    await assert_readable(page, 390)
    await page.screenshot(path=str(artifacts_dir() / "sandbox-content-phone.png"))
    assert errors == [], errors
