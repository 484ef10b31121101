"""The admin's prompts and their Cancel buttons, as a Spanish-speaking custodian lives them.

A prompt (a setting's new value, a custodian to add) may be shown on several
messages, each with [Cancelar]. Once it ends, the buttons go from the earlier messages;
a Cancel pressed where no prompt is open (ended, abandoned, or another one open) gets an
alert that the request is already closed, loses its buttons, and changes nothing: it never
claims "nothing changed" after something was saved.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from lucien.core.testing.emulator.state import CallbackQueryState
from lucien.plugins.admin.keyboards import ConfigCallback
from lucien.plugins.admin.models import Admin

pytestmark = pytest.mark.lucien(plugins=["voice", "admin", "free"])

CLOSED = re.compile(r"ya (estaba cerrada|quedó cerrado)")  # admin.prompt_closed, es
CANCELLED = {"Cancelado. Nada ha cambiado.", "Como usted diga: lo dejo todo como estaba."}


async def wait_minutes(harness: Any) -> int:
    return int((await harness.ctx.config.get("free")).wait_minutes)


def assert_closed_alert(query: CallbackQueryState) -> None:
    assert query.answered and query.show_alert
    assert query.text is not None and CLOSED.search(query.text), query.text


@pytest.mark.lucien(redis=True)  # the prompt's message ids live in the FSM data, in Redis
async def test_a_cancel_left_on_a_saved_wait_time_does_not_undo_or_deny_it(harness: Any) -> None:
    diana = harness.admin("Diana", language_code="es")
    await harness.start_app()
    await diana.send("/start")
    await diana.click("Configuración")
    await diana.click("Tiempo de espera")
    prompt = diana.last
    assert "Ahora mismo" in prompt.text and prompt.buttons == [["Cancelar"]]

    await diana.send("abc")  # refused: still in the prompt, a new message with Cancel
    error = diana.last
    assert "«abc» no es un tiempo de espera válido" in error.text
    assert error.buttons == [["Cancelar"]] and prompt.buttons == [["Cancelar"]]

    await diana.send("15")
    done = diana.last
    assert "15 minutos" in done.text
    assert await wait_minutes(harness) == 15
    # The prompt ended: neither earlier message offers to cancel it any more.
    assert prompt.buttons == [] and error.buttons == []
    prompt_text = prompt.text

    # A client that still shows the old [Cancelar] presses it: an alert, nothing else.
    query = await diana.press(prompt, ConfigCallback(action="cancel").pack())
    assert_closed_alert(query)
    assert prompt.text == prompt_text and prompt.text not in CANCELLED
    assert not any(m.text in CANCELLED for m in diana.messages)
    assert diana.last is done
    assert await wait_minutes(harness) == 15


async def test_cancel_on_a_prompt_abandoned_or_of_another_prompt(harness: Any) -> None:
    diana = harness.admin("Diana", language_code="es")
    fred = harness.user("Fred", language_code="es")
    await harness.start_app()

    # A live Cancel still cancels, and says so.
    await diana.send("/config")
    await diana.click("Tiempo de espera")
    await diana.send("abc")
    error = diana.last
    await diana.click("Cancelar")  # on the newest message of the prompt
    assert error.text in CANCELLED
    first_prompt = diana.messages[-2]
    assert first_prompt.buttons == []  # the earlier message of that prompt lost its Cancel
    await diana.send("20")  # no longer taken as a value
    assert await wait_minutes(harness) == 5

    # The prompt is abandoned (/start), its Cancel still shows: an alert, the button goes.
    await diana.send("/config")
    await diana.click("Tiempo de espera")
    abandoned = diana.last
    await diana.send("/start")
    menu = diana.last
    query = await diana.click("Cancelar", message=abandoned)
    assert_closed_alert(query)
    assert abandoned.buttons == [] and abandoned.text not in CANCELLED
    assert diana.last is menu

    # Another prompt is open (a custodian to add): an old Cancel leaves it open.
    await diana.send("/config")
    await diana.click("Tiempo de espera")
    old = diana.last
    await diana.send("/start")
    await diana.click("Custodios")
    await diana.click("Añadir custodio")
    adding = diana.last
    query = await diana.click("Cancelar", message=old)
    assert_closed_alert(query)
    assert old.buttons == [] and adding.buttons == [["Cancelar"]]
    await diana.send(str(fred.id))
    assert str(fred.id) in diana.last.text
    async with harness.ctx.db.session() as s:
        assert await s.get(Admin, fred.id) is not None
    assert adding.buttons == []
    assert await wait_minutes(harness) == 5


async def test_a_cancel_left_on_an_added_custodian_keeps_them(harness: Any) -> None:
    diana = harness.admin("Diana", language_code="es")
    fred = harness.user("Fred", language_code="es")
    await harness.start_app()
    await diana.send("/admins")
    await diana.click("Añadir custodio")
    prompt = diana.last
    await diana.send("no-es-un-id")
    error = diana.last
    assert error.buttons == [["Cancelar"]]
    await diana.send(str(fred.id))
    assert str(fred.id) in diana.last.text
    assert prompt.buttons == [] and error.buttons == []

    for message in (prompt, error):
        query = await diana.press(message, ConfigCallback(action="cancel").pack())
        assert_closed_alert(query)
    assert not any(m.text in CANCELLED for m in diana.messages)
    async with harness.ctx.db.session() as s:
        row = await s.get(Admin, fred.id)
    assert row is not None and row.added_by == diana.id
