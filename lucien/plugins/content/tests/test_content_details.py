"""Small things an admin notices: a person without @username has no empty brackets on
their card; the inbox's package filter marks the inactive packages; the preview of an
inactive package says users do not see it (an alert in plain text, the name as typed);
a second "Nuevo paquete" says the draft left open is discarded.
"""

from __future__ import annotations

from typing import Any

import pytest

from lucien.plugins.content.tests.helpers import (
    ENTRY_POINTS,
    INTERESTS,
    MINE,
    PACKAGES,
    PLUGINS,
    SEE_USER,
    WANT,
    WITHOUT_ADMIN,
    WITHOUT_ADMIN_PLUGINS,
    labels,
    packages,
    seed,
    svc,
)

pytestmark = pytest.mark.lucien(entry_points=ENTRY_POINTS, plugins=PLUGINS)


@pytest.mark.lucien(entry_points=WITHOUT_ADMIN, plugins=WITHOUT_ADMIN_PLUGINS)
async def test_a_person_without_username_has_no_empty_brackets(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="en")
    nuevo = harness.user("New user", language_code="en")  # no @username
    await harness.start_app()
    await seed(harness, "Pack Sol", "free")
    await ada.send("/start")
    await nuevo.send("/start")
    await nuevo.click("My content")
    await nuevo.click("Pack Sol")
    await nuevo.click("I'm interested")

    note = next(m for m in ada.messages if "Pack Sol" in (m.text or ""))
    await ada.click("View user", message=note)
    first_line = ada.last.text.split("\n")[0]
    assert first_line == "New user"  # not "New user (—)"
    assert "(—)" not in ada.last.text and "()" not in ada.last.text


async def test_the_package_filter_marks_inactive_packages(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="es")
    ana = harness.user("Ana", language_code="es")
    await harness.start_app()
    await seed(harness, "Pack Luna", "free")
    oro = await seed(harness, "Pack Oro", "free")
    await ada.send("/start")
    await ana.send("/start")
    await ana.click(MINE)
    await ana.click("Pack Oro")
    await ana.click(WANT)
    await svc(harness).packages.set_active(oro.id, False)

    await ada.send("/start")
    await ada.click(INTERESTS)
    await ada.click("Filtrar por paquete")
    assert labels(ada.last)[:2] == ["Pack Luna", "Pack Oro (inactivo)"]
    await ada.click("Pack Oro (inactivo)")
    assert "Solo Pack Oro" in ada.last.text and "Ana" in ada.last.text
    assert SEE_USER not in labels(ada.last)  # the list's own buttons, not a notification's


async def test_the_preview_of_an_inactive_package_says_it_is_hidden(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="es")
    await harness.start_app()
    await seed(harness, "Pack <Sol>", "free")
    await seed(harness, "Pack Luna", "free")
    await ada.send("/start")
    await ada.click(PACKAGES)

    # Active: the preview alone, no alert.
    await ada.click("Pack Luna")
    answer = await ada.click("Vista previa")
    assert not answer.show_alert and "Pack Luna" in ada.last.text
    await ada.click("Volver")

    # Inactive: the same preview, and an alert saying users do not see it.
    await ada.click("Todos los paquetes")
    await ada.click("Pack <Sol>")
    await ada.click("Desactivar")
    answer = await ada.click("Vista previa")
    assert "Pack <Sol>" in ada.last.text and ["Me interesa"] in ada.last.buttons
    assert answer.show_alert and "inactivo" in (answer.text or "")
    # Plain text, as Telegram shows alerts: the name as typed, no tags.
    assert "Pack <Sol>" in (answer.text or "") and "&lt;" not in (answer.text or "")
    assert "<b>" not in (answer.text or "")


async def test_a_second_new_package_says_the_draft_is_discarded(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="es")
    await harness.start_app()
    await ada.send("/start")
    await ada.click(PACKAGES)
    package_list = ada.last
    await ada.click("Nuevo paquete")
    await ada.send("Borrador")
    await ada.send("Una descripción a medias.")
    assert "Paso 3 de 5" in ada.last.text

    # "Nuevo paquete" again, on the list still above: the first draft is dropped, and
    # said so.
    await ada.click("Nuevo paquete", message=package_list)
    text = ada.last.text
    assert "«Borrador»" in text and ("descartado" in text or "Dejo a un lado" in text)
    assert "paso 1 de 5" in text
    await ada.send("Retratos")
    await ada.send("Doce retratos.")
    await ada.click("Contenido VIP")
    await ada.click("A consultar")
    await ada.click("Sin archivo")
    assert [p.name for p in await packages(harness)] == ["Retratos"]

    # A new wizard with nothing typed yet loses nothing: no such line.
    await ada.click("Todos los paquetes")
    package_list = ada.last
    await ada.click("Nuevo paquete", message=package_list)
    await ada.click("Nuevo paquete", message=package_list)
    assert "paso 1 de 5" in ada.last.text
    assert "descartado" not in ada.last.text and "Dejo a un lado" not in ada.last.text
