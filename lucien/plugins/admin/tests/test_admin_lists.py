"""The custodians and the plugins, as lists that never outgrow one message: the custodians
a page at a time (Siguiente » / « Anterior, edited in place, each with its Retirar), the
plugins with their states and the core's reasons in the admin's language (SQLite and
PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest

from lucien.plugins.admin.services import admin_service
from lucien.plugins.admin.tests.helpers import seed_people

pytestmark = pytest.mark.lucien(plugins=["voice", "admin"])


async def test_twenty_five_custodians_are_listed_a_page_at_a_time(harness: Any) -> None:
    diana = harness.admin("Diana", language_code="es")
    await harness.start_app()
    await diana.send("/start")
    await harness.ctx.users.drain()  # her name is known from her first message
    names = [f"Custodio {i:02d}" for i in range(1, 25)]
    ids = await seed_people(harness.ctx, names, first_id=7_000_000)
    for uid in ids:
        await admin_service(harness.ctx).add(uid, by=diana.id)

    await diana.send("/admins")
    screen = diana.last
    assert screen.text.startswith("Custodios de la casa\n• Diana (")
    assert screen.text.endswith("Página 1 de 3")
    assert screen.text.count("\n• ") == 10  # Diana and nine more
    assert screen.buttons[0] == ["Añadir custodio"]
    assert ["Siguiente »"] in screen.buttons and ["« Anterior"] not in screen.buttons
    await diana.click("Siguiente »")
    await diana.click("Siguiente »")
    assert diana.last is screen  # edited in place
    assert screen.text.endswith("Página 3 de 3")
    assert "• Custodio 24 (" in screen.text and "Custodio 09" not in screen.text
    assert ["Retirar a Custodio 24"] in screen.buttons
    assert ["« Anterior"] in screen.buttons and ["Siguiente »"] not in screen.buttons

    await diana.click("Retirar a Custodio 24")
    assert "ya no es custodio" in diana.last.text
    assert not await admin_service(harness.ctx).is_admin(ids[-1])
    assert [c for c in harness.emulator.calls if c.status == 400] == []


async def test_the_plugins_screen_says_states_and_reasons_in_spanish(harness: Any) -> None:
    diana = harness.admin("Diana", language_code="es")
    await harness.start_app()
    await diana.send("/plugins")
    text = diana.last.text
    assert "• admin " in text and "— en servicio" in text
    assert "— desactivado (no figura en LUCIEN_PLUGINS)" in text
    assert "not in" not in text and "enabled" not in text and "disabled" not in text
