"""The VIP prompts as their users live them: editing a plan shows what is being edited and
the values in force; a Cancel left on a form that ended (plan saved, invitations made, or
another form open) is answered with an alert and loses its buttons, changing nothing; the
member's redeem prompt can be cancelled back to the menu.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select

from lucien.core.testing.emulator.state import CallbackQueryState
from lucien.plugins.vip.keyboards import VipAdmin
from lucien.plugins.vip.models import Plan, Subscription, Token
from lucien.plugins.vip.services import VipService

pytestmark = pytest.mark.lucien(plugins=["voice", "admin", "vip"])

CLOSED_ES = re.compile(r"ya (estaba cerrada|quedó cerrado)")  # vip.prompt_closed
CANCEL = VipAdmin(action="cancel").pack()
CANCELLED_ES = "Como usted disponga: no se ha cambiado nada."


def assert_closed_alert(query: CallbackQueryState) -> None:
    assert query.answered and query.show_alert
    assert query.text is not None and CLOSED_ES.search(query.text), query.text


async def plans(harness: Any) -> list[tuple[str, int, int, str]]:
    async with harness.ctx.db.session() as s:
        rows = await s.scalars(select(Plan).order_by(Plan.id))
        return [(p.name, p.days, p.price_minor, p.currency) for p in rows]


async def count(harness: Any, model: Any) -> int:
    async with harness.ctx.db.session() as s:
        return int(await s.scalar(select(func.count()).select_from(model)))


async def test_editing_a_plan_shows_the_plan_and_each_current_value(harness: Any) -> None:
    diana = harness.admin("Diana", language_code="es")
    await harness.start_app()
    await harness.ctx.service("vip", VipService).create_plan("Mensual", 30, 999, "USD")

    await diana.send("/vipadmin")
    await diana.click("Planes")
    await diana.click("Mensual")
    await diana.click("Editar")
    ask_name = diana.last
    assert "Mensual" in ask_name.text and "nuevo plan" not in ask_name.text
    assert "Ahora mismo: Mensual" in ask_name.text and ask_name.buttons == [["Cancelar"]]

    await diana.send("Mensual plus")
    ask_days = diana.last
    assert "Mensual" in ask_days.text and "Ahora mismo: 30 días" in ask_days.text
    await diana.send("nunca")
    refused = diana.last
    assert "«nunca» no es una duración válida" in refused.text
    await diana.send("45")
    ask_price = diana.last
    assert re.search(r"Ahora mismo: .*9[.,]99", ask_price.text), ask_price.text
    await diana.send("12 EUR")
    assert "Mensual plus" in diana.last.text and "45 días" in diana.last.text
    assert await plans(harness) == [("Mensual plus", 45, 1200, "EUR")]
    # The form ended: none of its messages still offers to cancel it.
    for message in (ask_name, ask_days, refused, ask_price):
        assert message.buttons == [], message.text

    # A Cancel pressed from a stale view of the form: an alert, the edit stands.
    query = await diana.press(ask_price, CANCEL)
    assert_closed_alert(query)
    assert not any(m.text == CANCELLED_ES for m in diana.messages)
    assert await plans(harness) == [("Mensual plus", 45, 1200, "EUR")]

    # Creating keeps creation's wording.
    await diana.send("/vipadmin")
    await diana.click("Planes")
    await diana.click("Nuevo plan")
    assert diana.last.text == "Envíeme el nombre del nuevo plan."


async def test_editing_a_plan_in_english_and_a_plan_without_price(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="en")
    await harness.start_app()
    await harness.ctx.service("vip", VipService).create_plan("Gold", 30, 0, "")
    await ada.send("/vipadmin")
    await ada.click("Plans")
    await ada.click("Gold")
    await ada.click("Edit")
    assert "Gold" in ada.last.text and "Currently: Gold" in ada.last.text
    await ada.send("Gold")
    assert "Currently: 30 days" in ada.last.text
    await ada.send("30")
    assert "Currently: no price" in ada.last.text


async def test_cancel_live_and_stale_on_the_plan_and_token_forms(harness: Any) -> None:
    diana = harness.admin("Diana", language_code="es")
    await harness.start_app()
    await harness.ctx.service("vip", VipService).create_plan("Mensual", 30, 0, "")

    # A live Cancel on the first question of an open form cancels it, and says so.
    await diana.send("/vipadmin")
    await diana.click("Planes")
    await diana.click("Nuevo plan")
    ask_name = diana.last
    await diana.send("Anual")
    ask_days = diana.last
    await diana.click("Cancelar", message=ask_name)
    # The pressed message says so in place, under the VIP menu; the other loses its Cancel.
    assert ask_name.text == CANCELLED_ES and ["Planes"] in ask_name.buttons
    assert ask_days.buttons == []
    await diana.send("365")  # no longer taken as the days of a plan
    assert await plans(harness) == [("Mensual", 30, 0, "")]

    # Invitations: a refused count, then two made; the old Cancels go, and pressed anyway
    # from a stale view they are answered, not obeyed.
    await diana.send("/vipadmin")
    await diana.click("Generar invitación")
    await diana.click("Mensual")
    ask_count = diana.last
    assert ask_count.buttons == [["Cancelar"]]
    await diana.send("0")
    refused = diana.last
    assert refused.buttons == [["Cancelar"]]
    await diana.send("2")
    assert await count(harness, Token) == 2
    assert ask_count.buttons == [] and refused.buttons == []
    for message in (ask_count, refused):
        assert_closed_alert(await diana.press(message, CANCEL))
    assert await count(harness, Token) == 2
    assert not any(m.text == CANCELLED_ES for m in diana.messages[-3:])

    # Another form open: an old Cancel left visible (the form was abandoned) leaves it open.
    await diana.send("/vipadmin")
    await diana.click("Generar invitación")
    await diana.click("Mensual")
    abandoned = diana.last
    await diana.send("/vipadmin")  # abandons it; its Cancel still shows
    await diana.click("Planes")
    await diana.click("Nuevo plan")
    query = await diana.click("Cancelar", message=abandoned)
    assert_closed_alert(query)
    assert abandoned.buttons == []
    await diana.send("Anual")
    await diana.send("365")
    await diana.send("0")
    assert await plans(harness) == [("Mensual", 30, 0, ""), ("Anual", 365, 0, "")]


async def test_the_redeem_prompt_can_be_cancelled_back_to_the_menu(harness: Any) -> None:
    ana = harness.user("Ana", language_code="es")
    await harness.start_app()
    svc = harness.ctx.service("vip", VipService)
    plan = await svc.create_plan("Mensual", 30, 0, "")
    [code] = await svc.generate_tokens(plan.id, 1, by=None)

    await ana.send("/start")
    await ana.click("Canjear invitación")
    prompt = ana.last
    assert prompt.buttons == [["Cancelar"]]
    await ana.click("Cancelar")
    # The prompt became the main menu again.
    assert ana.last is prompt
    assert ["Canjear invitación"] in prompt.buttons
    await ana.send("hola")  # no longer read as an invitation: the way to the menu
    assert ana.last is not prompt and "invitación" not in ana.last.text.lower()
    assert await count(harness, Subscription) == 0

    await ana.click("Canjear invitación")
    prompt = ana.last
    await ana.send(code)
    assert prompt.buttons == []  # redeemed: the prompt no longer offers to cancel
    async with harness.ctx.db.session() as s:
        sub = await s.scalar(select(Subscription).where(Subscription.user_id == ana.id))
    assert sub is not None
