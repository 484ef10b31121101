"""The admin's view of people (issue 18) in the sandbox web chat, in a real browser.

On a laptop, in Spanish: Diana finds a user by part of the name, makes him VIP for 30 days
from his card (he gets the welcome and the link), then blocks him: his /start gets one
line and the next one silence; the card's audit names Diana. On a phone, in English: Diana
makes the English user a custodian; he reads the statistics, refreshes them, and approves
every pending join request of the vestibule at once. Nothing shows escaped HTML, nothing
sticks out sideways, and the console stays clean.

Screenshots go to artifacts/ (git-ignored) for a person to look at.
"""

from __future__ import annotations

from typing import Any

from playwright.async_api import Page, expect

from lucien.core.testing.harness import artifacts_dir
from lucien.sandbox import Sandbox, world

from .test_sandbox_content import assert_readable, button, incoming
from .test_sandbox_page import say, watch_for_errors

TIMEOUT = 15_000  # ms: generous for a loaded CI machine; passing runs take far less
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


NAMES = {spec.id: spec.name for spec in world.BUILT_IN}


async def be(page: Page, actor_id: int, *, phone: bool = False) -> None:
    """Switch to a person (on a phone, through the people tab) and wait for their chat."""
    if phone:
        await page.locator('[data-tab="people"]').tap()
        await page.locator(f'[data-actor-id="{actor_id}"]').tap()
    else:
        await page.click(f'[data-actor-id="{actor_id}"]')
    await expect(page.locator("#chat-sub")).to_contain_text(f"you are {NAMES[actor_id]} ")


async def test_admin_makes_vip_then_blocks_on_a_laptop(browser: Any, sandbox: Sandbox) -> None:
    page = await browser.new_page(viewport={"width": 1280, "height": 800})
    errors = watch_for_errors(page)
    await page.goto(sandbox.url)
    expect.set_options(timeout=TIMEOUT)

    await be(page, world.NUEVO_ID)
    await say(page, "/start")
    await expect(button(page, "El vestíbulo")).to_be_visible()

    # Diana finds him by part of his name: his card, with the VIP and vestibule sections.
    await be(page, world.ADMIN_ID)
    await say(page, "/start")
    await button(page, "Usuarios").click()
    await expect(button(page, "Cancelar")).to_be_visible()
    await say(page, "nuevo")
    card = incoming(page).last
    await expect(card).to_contain_text(f"Nuevo usuario · id {world.NUEVO_ID}")
    await expect(card).to_contain_text("El Diván (VIP)")
    await expect(card).to_contain_text("El vestíbulo")

    # 30 days of VIP through the plan, confirmed.
    await button(page, "Hacer VIP").click()
    await button(page, f"{world.PLAN_NAME} (30 días)").click()
    await expect(incoming(page).last).to_contain_text("30 días")
    await button(page, "Confirmar").click()
    await expect(incoming(page).last).to_contain_text("Nuevo usuario")
    await expect(button(page, "Volver a la ficha")).to_be_visible()

    # He is led through the entry ritual, then given the link to the salon.
    await be(page, world.NUEVO_ID)
    await expect(incoming(page).filter(has_text=world.PLAN_NAME).first).to_be_visible()
    await button(page, "Continuar").click()
    await button(page, "Estoy listo").click()
    threshold = page.locator('.msg.in a.kb-btn.url[href^="https://t.me/+"]').last
    await expect(threshold).to_contain_text("Cruzar el umbral")

    # Diana blocks him from the card; the audit names her for both actions.
    await be(page, world.ADMIN_ID)
    await button(page, "Volver a la ficha").click()
    # The earlier card still has its buttons: wait for the fresh one, the last message.
    await expect(incoming(page).last).to_contain_text("Diana: hecho VIP")
    await button(page, "Bloquear").click()
    await button(page, "Sí, bloquear").click()
    card = incoming(page).last
    await expect(card).to_contain_text("Bloqueado desde")
    await expect(card).to_contain_text("Diana: bloqueado")
    await expect(card).to_contain_text("Diana: hecho VIP")
    await expect(button(page, "Desbloquear")).to_be_visible()
    await assert_readable(page, 1280)
    await page.screenshot(path=str(artifacts_dir() / "sandbox-people-card.png"))

    # His /start gets one line, the next one nothing.
    await be(page, world.NUEVO_ID)
    # His own conversation shown (the last stage's link), before counting its messages.
    await expect(page.locator(".msg.in a.kb-btn.url").last).to_contain_text("Cruzar el umbral")
    before = await incoming(page).count()
    await say(page, "/start")
    await expect(incoming(page)).to_have_count(before + 1)
    await say(page, "/start")
    await expect(page.locator(".msg.out")).to_have_count(3)  # both /start and the first
    await page.locator('[data-clock="minutes"][data-amount="1"]').click()
    await expect(incoming(page)).to_have_count(before + 1)
    await assert_readable(page, 1280)
    assert errors == [], errors


async def test_phone_statistics_and_free_queue_in_english(browser: Any, sandbox: Sandbox) -> None:
    page = await browser.new_page(**PHONE, device_scale_factor=2)
    errors = watch_for_errors(page)
    await page.goto(sandbox.url)
    expect.set_options(timeout=TIMEOUT)

    # The English user has opened the bot; Diana makes him a custodian from his card.
    await page.locator(".empty button", has_text="Choose who you are").tap()
    await page.locator(f'[data-actor-id="{world.NEW_ID}"]').tap()
    await say(page, "/start")
    await be(page, world.ADMIN_ID, phone=True)
    await say(page, "/users")
    await say(page, str(world.NEW_ID))
    await button(page, "Nombrar custodio").tap()
    await button(page, "Sí, nombrar custodio").tap()
    await expect(incoming(page).last).to_contain_text("nombrado por Diana")

    # Two people who are not VIP ask to enter the vestibule (a VIP would enter at once).
    await page.locator('[data-tab="people"]').tap()
    await page.fill("#new-name", "Zoe")
    await page.select_option("#new-lang", "en")
    await page.locator("#new-actor button").tap()
    await expect(page.locator("#chat-sub")).to_contain_text("you are Zoe ")
    zoe = int(await page.locator(".actor.selected").get_attribute("data-actor-id") or 0)
    await be(page, world.NUEVO_ID, phone=True)
    await say(page, "/start")
    await expect(button(page, "El vestíbulo")).to_be_visible()
    for person in (world.NUEVO_ID, zoe):
        if person == zoe:
            await page.locator('[data-tab="people"]').tap()
            await page.locator(f'[data-actor-id="{zoe}"]').tap()
            await expect(page.locator("#chat-sub")).to_contain_text("you are Zoe ")
        await page.locator('[data-tab="world"]').tap()
        await page.locator('.channel.free [data-join="free"]').tap()
        request = page.locator(f'.channel.free .requests [data-user-id="{person}"]')
        await expect(request).to_be_visible()
        await page.locator('[data-tab="chat"]').tap()

    # He reads the statistics in English and refreshes them.
    await be(page, world.NEW_ID, phone=True)
    await say(page, "/stats")
    stats = incoming(page).last
    for heading in ("People", "The Divan (VIP)", "The vestibule"):
        await expect(stats).to_contain_text(heading)
    await expect(stats).to_contain_text("Custodians: 2")
    await button(page, "Refresh").tap()
    await expect(page.locator(".toast").last).to_be_visible()
    await assert_readable(page, 390)
    await page.screenshot(path=str(artifacts_dir() / "sandbox-people-stats-phone.png"))

    # The vestibule queue: approve all, confirmed; the channel has no request left.
    await button(page, "Queue of the vestibule").tap()
    await button(page, "Approve all now").tap()
    await button(page, "Yes, approve all").tap()
    await expect(incoming(page).last).to_contain_text("2 requests approved")
    await page.locator('[data-tab="world"]').tap()
    await expect(page.locator(".channel.free .requests")).to_have_count(0)
    for person in (world.NUEVO_ID, zoe):
        member = page.locator(f'.channel.free .members .member[data-user-id="{person}"]')
        await expect(member).to_contain_text("member")
    await page.locator('[data-tab="chat"]').tap()
    await assert_readable(page, 390)
    await page.screenshot(path=str(artifacts_dir() / "sandbox-people-queue-phone.png"))
    assert errors == [], errors
