"""The admins' creation wizard, as a conversation: five validated steps with Back and
Cancel at each, a photo kept by its file id, a second wizard cancelled midway, a restart
in the middle; then who sees the package (free users the free content, VIPs the VIP
content and premium).
"""

from __future__ import annotations

from typing import Any

import pytest

from lucien.plugins.content.tests.helpers import (
    BACK,
    ENTRY_POINTS,
    MINE,
    PACKAGES,
    PLUGINS,
    PREMIUM,
    VIP_USERS,
    labels,
    packages,
    send_photo,
)

pytestmark = pytest.mark.lucien(entry_points=ENTRY_POINTS, plugins=PLUGINS)

DESCRIPTION = "Veinte fotos <b>inéditas</b> & un vídeo"


@pytest.fixture(autouse=True)
def _no_vips() -> Any:
    VIP_USERS.clear()
    yield
    VIP_USERS.clear()


async def test_a_package_with_a_photo_through_the_wizard_then_who_sees_it(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="es")
    ana = harness.user("Ana", language_code="es")
    vera = harness.user("Vera", language_code="es")
    VIP_USERS.add(vera.id)
    await harness.start_app()

    await ada.send("/start")
    assert [PACKAGES] in ada.last.buttons and ["Intereses"] in ada.last.buttons
    await ada.click(PACKAGES)
    assert "Aún no hay paquetes" in ada.last.text or "vacía" in ada.last.text
    await ada.click("Nuevo paquete")
    assert "paso 1 de 5" in ada.last.text
    assert ada.last.buttons == [["Volver", "Cancelar"]]

    # Step 1: too long a name is re-asked; step 2; Back to step 2 from step 3.
    await ada.send("x" * 65)
    assert "entre 1 y 64 caracteres" in ada.last.text
    await ada.send("  Sesión   de fotos ")
    assert "Paso 2 de 5" in ada.last.text
    await ada.send(DESCRIPTION)
    assert "Paso 3 de 5" in ada.last.text
    assert ada.last.buttons == [
        ["Contenido free"],
        ["Contenido VIP"],
        ["VIP premium"],
        ["Volver", "Cancelar"],
    ]
    await ada.click(BACK)
    assert "Paso 2 de 5" in ada.last.text
    await ada.send(DESCRIPTION)
    await ada.send("premium")  # the category is chosen with the buttons
    assert "Elija la categoría con los botones" in ada.last.text
    await ada.click("VIP premium")
    assert "Paso 4 de 5" in ada.last.text and ["A consultar"] in ada.last.buttons
    await ada.send("barato")
    assert "«barato»" in ada.last.text and "Paso 5" not in ada.last.text
    await ada.send("15,5 eur")
    assert "Paso 5 de 5" in ada.last.text and ["Sin archivo"] in ada.last.buttons
    assert "15,50\xa0€" in ada.last.text  # the price said back as users will read it
    await ada.send("una foto")
    assert "Eso no es una foto" in ada.last.text
    file_id = await send_photo(harness, ada)
    assert "Sesión de fotos" in ada.last.text and "VIP premium" in ada.last.text

    [row] = await packages(harness)
    assert (row.name, row.description, row.category) == ("Sesión de fotos", DESCRIPTION, "premium")
    assert (row.price_minor, row.currency, row.active) == (1550, "EUR", True)
    assert (row.media_kind, row.media_file_id) == ("photo", file_id)

    # A Cancel left on an earlier question is stale: an alert, nothing else.
    first_question = next(m for m in ada.messages if "paso 1 de 5" in (m.text or ""))
    assert first_question.buttons == []  # taken away when the next question came
    stale = await ada.press(first_question, "cnta:cancel:0:0:")
    assert stale.show_alert and "cerrad" in (stale.text or "")

    # Back at the first step leaves for the list.
    await ada.click("Todos los paquetes")
    assert "Sesión de fotos" in labels(ada.last)
    await ada.click("Nuevo paquete")
    await ada.click(BACK)
    assert "Sesión de fotos" in labels(ada.last) and "Nuevo paquete" in labels(ada.last)

    # A second wizard, cancelled at its second step: nothing saved, nothing left open.
    await ada.click("Nuevo paquete")
    await ada.send("Borrador")
    assert "Paso 2 de 5" in ada.last.text
    await ada.click("Cancelar")
    assert "no se ha guardado nada" in ada.last.text or "Nada ha cambiado" in ada.last.text
    await ada.send("Una descripción que ya nadie espera")
    assert "Paso 3 de 5" not in ada.last.text  # no form took it: the house's fallback line
    assert [p.name for p in await packages(harness)] == ["Sesión de fotos"]

    # A free package, on request and without media, for the other side of the check.
    await ada.click("Todos los paquetes")
    await ada.click("Nuevo paquete")
    await ada.send("Muestra gratuita")
    await ada.send("Tres fotos de regalo.")
    await ada.click("Contenido free")
    await ada.click("A consultar")
    await ada.click("Sin archivo")
    free_row = (await packages(harness))[1]
    assert (free_row.category, free_row.price_minor, free_row.media_file_id) == ("free", None, None)

    # Ana (free) sees the free package, not the premium one.
    await ana.send("/start")
    assert [MINE] in ana.last.buttons and [PREMIUM] not in ana.last.buttons
    await ana.click(MINE)
    assert "Muestra gratuita" in labels(ana.last) and "Sesión de fotos" not in labels(ana.last)
    await ana.click("Muestra gratuita")
    assert "Tres fotos de regalo." in ana.last.text and "a consultar" in ana.last.text
    assert ana.last.buttons == [["Me interesa"], ["Volver"]]

    # Vera (VIP) sees premium: the photo, the description as typed (escaped), the price.
    await vera.send("/start")
    assert [PREMIUM] in vera.last.buttons and [MINE] not in vera.last.buttons
    await vera.click(PREMIUM)
    assert "Sesión de fotos" in labels(vera.last) and "Muestra gratuita" not in labels(vera.last)
    await vera.click("Sesión de fotos")
    detail = vera.last
    assert detail.photo_api is not None and detail.photo_api[0]["file_id"].startswith(file_id)
    assert DESCRIPTION in detail.text and "15,50\xa0€" in detail.text  # Babel's no-break space
    assert detail.buttons == [["Me interesa"], ["Volver"]]
    await vera.click(BACK)
    assert "Sesión de fotos" in labels(vera.last)


@pytest.mark.lucien(entry_points=ENTRY_POINTS, plugins=PLUGINS, redis=True)
async def test_the_wizard_survives_a_restart(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="es")
    await harness.start_app()
    await ada.send("/start")
    await ada.click(PACKAGES)
    await ada.click("Nuevo paquete")
    await ada.send("Retratos")
    await ada.send("Doce retratos en blanco y negro.")
    assert "Paso 3 de 5" in ada.last.text

    await harness.apps[0].stop()  # a deploy: the answers wait in Redis
    await harness.start_app()
    await ada.click("Contenido VIP")
    assert "Paso 4 de 5" in ada.last.text
    await ada.send("9.99 USD")
    await ada.click("Sin archivo")
    assert "Retratos" in ada.last.text
    harness.apps.pop(0)  # stopped already
    [row] = await packages(harness)
    assert (row.name, row.description, row.category) == (
        "Retratos",
        "Doce retratos en blanco y negro.",
        "vip",
    )
    assert (row.price_minor, row.currency, row.media_file_id) == (999, "USD", None)
