"""Packages after the wizard: deactivation seen by the users of two replicas (the cached
lists invalidated across them) and the old button answered politely; the users' pages;
editing a field, reordering, previewing, reactivating.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from lucien.plugins.content.tests.helpers import (
    BACK,
    ENTRY_POINTS,
    MINE,
    PACKAGES,
    PLUGINS,
    WANT,
    count_interests,
    labels,
    packages,
    route_to,
    seed,
    svc,
)

pytestmark = pytest.mark.lucien(entry_points=ENTRY_POINTS, plugins=PLUGINS)


async def _until_gone_from(app: Any, harness: Any, name: str) -> None:
    """Wait for a replica's cached free list to lose `name` (the invalidation travels by
    Redis pub/sub). Its local copy lives as long as the namespace's TTL (300 s), so only
    the invalidation can make it go within this bound."""
    started = time.monotonic()
    while name in [p.name for p in await svc(harness, app).packages.visible("free")]:
        assert time.monotonic() - started < 10, f"{name} still cached on the other replica"
        await asyncio.sleep(0.02)


@pytest.mark.lucien(entry_points=ENTRY_POINTS, plugins=PLUGINS, redis=True)
async def test_deactivating_removes_a_package_on_both_replicas(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="es")
    ana = harness.user("Ana", language_code="es")
    first = await harness.start_app()
    second = await harness.start_app()
    await seed(harness, "Pack Luna", "free")
    await seed(harness, "Pack Sol", "free")

    # Ana's list, served (and cached) by each replica in turn.
    for app in (first, second):
        await route_to(app)
        await ana.send("/start")
        await ana.click(MINE)
        assert labels(ana.last)[:2] == ["Pack Luna", "Pack Sol"]
    old_list = ana.last

    # Ada deactivates Luna through the first replica.
    await route_to(first)
    await ada.send("/start")
    await ada.click(PACKAGES)
    await ada.click("Pack Luna")
    await ada.click("Desactivar")
    assert "Pack Luna" in ada.last.text and ["Reactivar"] in ada.last.buttons
    assert [p.active for p in await packages(harness)] == [False, True]

    # The second replica drops its cached list; Ana's next look there lacks Luna.
    await _until_gone_from(second, harness, "Pack Luna")
    await route_to(second)
    await ana.send("/start")
    await ana.click(MINE)
    assert labels(ana.last)[0] == "Pack Sol" and "Pack Luna" not in labels(ana.last)

    # The button on her old list: a polite line and the list as it is now.
    answer = await ana.click("Pack Luna", message=old_list)
    assert answer.show_alert
    assert "ya no está disponible" in (answer.text or "") or "se ha retirado" in (answer.text or "")
    assert "Pack Luna" not in labels(old_list)
    # ... and "Me interesa" on a detail opened before Sol went too: the same line, no row.
    await ana.click("Pack Sol")
    detail = ana.last
    await svc(harness, first).packages.set_active((await packages(harness))[1].id, False)
    answer = await ana.click(WANT, message=detail)
    assert answer.show_alert and "Pack Sol" not in labels(ana.last)
    assert await count_interests(harness) == 0


async def test_users_page_through_many_packages(harness: Any) -> None:
    ana = harness.user("Ana", language_code="es")
    await harness.start_app()
    for n in range(10):
        await seed(harness, f"Pack {n:02d}", "free")
    await ana.send("/start")
    await ana.click(MINE)
    assert "10 paquetes" in ana.last.text and "1 de 2" in ana.last.text
    assert labels(ana.last)[:8] == [f"Pack {n:02d}" for n in range(8)]
    assert "Siguiente »" in labels(ana.last)
    await ana.click("Siguiente »")
    assert labels(ana.last)[:2] == ["Pack 08", "Pack 09"] and "2 de 2" in ana.last.text
    await ana.click("Pack 09")
    await ana.click(BACK)
    assert labels(ana.last)[:2] == ["Pack 08", "Pack 09"]  # back to the page it came from


async def test_edit_reorder_preview_and_reactivate(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="es")
    ana = harness.user("Ana", language_code="es")
    await harness.start_app()
    await seed(harness, "Pack Luna", "free", price=(500, "EUR"))
    await seed(harness, "Pack Sol", "free")

    await ada.send("/start")
    await ada.click(PACKAGES)
    await ada.click("Pack Sol")
    await ada.click("Editar")
    assert ada.last.buttons[:5] == [
        ["Nombre"],
        ["Descripción"],
        ["Categoría"],
        ["Precio"],
        ["Archivo"],
    ]
    await ada.click("Nombre")
    assert "Pack Sol" in ada.last.text and ada.last.buttons == [["Volver", "Cancelar"]]
    await ada.send("")  # nothing: re-asked
    await ada.send("x" * 70)
    assert "entre 1 y 64 caracteres" in ada.last.text
    await ada.send("Pack <Sol>")
    assert "Pack <Sol>" in ada.last.text  # shown as typed, escaped
    await ada.click("Ver el paquete")
    await ada.click("Editar")
    await ada.click("Precio")
    await ada.send("12 usd")
    await ada.click("Ver el paquete")
    await ada.click("Editar")
    await ada.click("Archivo")
    await ada.send_document("catalogo.pdf", b"%PDF")
    sol = (await packages(harness))[1]
    assert (sol.name, sol.price_minor, sol.currency, sol.media_kind) == (
        "Pack <Sol>",
        1200,
        "USD",
        "document",
    )

    # Back from an edit returns to the package; nothing changes.
    await ada.click("Ver el paquete")
    await ada.click("Editar")
    await ada.click("Descripción")
    await ada.click(BACK)
    assert ["Editar", "Vista previa"] in ada.last.buttons

    # Preview: the document with the detail as caption, as Ana would see it.
    await ada.click("Vista previa")
    preview = ada.last
    assert preview.document is not None and "12,00\xa0US$" in preview.text
    assert preview.buttons == [[WANT], [BACK]]
    answer = await ada.click(WANT, message=preview)
    assert answer.show_alert and "vista previa" in (answer.text or "")
    assert await count_interests(harness) == 0

    # Sol up: first in Ana's list.
    await ada.click(BACK, message=preview)
    await ada.click("Subir")
    assert labels(ada.last)[:2] == ["Pack <Sol>", "Pack Luna"]
    await ana.send("/start")
    await ana.click(MINE)
    assert labels(ana.last)[:2] == ["Pack <Sol>", "Pack Luna"]

    # Deactivated then reactivated: back in the list.
    await ada.click("Pack Luna")
    await ada.click("Desactivar")
    await ada.click("Todos los paquetes")
    assert "Pack Luna (inactivo)" in labels(ada.last)
    await ada.click("Pack Luna (inactivo)")
    await ada.click("Reactivar")
    await ana.send("/start")
    await ana.click(MINE)
    assert labels(ana.last)[:2] == ["Pack <Sol>", "Pack Luna"]


async def test_reordering_says_where_the_package_is_now(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="es")
    await harness.start_app()
    for name in ("Pack Luna", "Pack Sol", "Pack Mar"):
        await seed(harness, name, "free")
    await ada.send("/start")
    await ada.click(PACKAGES)

    # Sol up: the list it returns to says so, with its place.
    await ada.click("Pack Sol")
    await ada.click("Subir")
    assert "Pack Sol" in ada.last.text and "1 de 3" in ada.last.text
    assert labels(ada.last)[:3] == ["Pack Sol", "Pack Luna", "Pack Mar"]
    # Up again, from the top: told it already is first; the order stays.
    await ada.click("Pack Sol")
    await ada.click("Subir")
    assert "Pack Sol" in ada.last.text and "primer" in ada.last.text
    assert labels(ada.last)[:3] == ["Pack Sol", "Pack Luna", "Pack Mar"]
    # Luna down, then Luna (now last) down again.
    await ada.click("Pack Luna")
    await ada.click("Bajar")
    assert "Pack Luna" in ada.last.text and "3 de 3" in ada.last.text
    await ada.click("Pack Luna")
    await ada.click("Bajar")
    assert "Pack Luna" in ada.last.text and "último" in ada.last.text
    assert labels(ada.last)[:3] == ["Pack Sol", "Pack Mar", "Pack Luna"]
    assert [p.position for p in await packages(harness)] == [3, 1, 2]


async def test_the_admins_price_wording(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="es")
    await harness.start_app()
    await seed(harness, "Pack Luna", "free", price=(1250, "USD"))
    await seed(harness, "Pack Sol", "free")
    await ada.send("/start")
    await ada.click(PACKAGES)

    # The detail, opened again and again: the admins' plain label, never the users' "Su
    # precio" (the voice varies the users' lines from one time to the next).
    for _ in range(3):
        await ada.click("Pack Luna")
        assert "Precio: 12,50\xa0US$" in ada.last.text and "Su precio" not in ada.last.text
        await ada.click("Todos los paquetes")

    # The edit's question names the price in force once: "Ahora: 12,50 US$".
    await ada.click("Pack Luna")
    await ada.click("Editar")
    await ada.click("Precio")
    assert "Ahora: 12,50\xa0US$" in ada.last.text
    assert ada.last.text.lower().count("precio") == 1  # "Nuevo precio para ...", no label
    await ada.click("Cancelar")
    await ada.click("Todos los paquetes")
    await ada.click("Pack Sol")
    await ada.click("Editar")
    await ada.click("Precio")
    assert ada.last.text.endswith("Ahora: a consultar")
