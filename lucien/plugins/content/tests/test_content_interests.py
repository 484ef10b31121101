"""Interests end to end: "Me interesa" counted once per window with one notification per
admin (queued in the outbox with the row), the window configurable, marking attended
from the notification and from the inbox, the inbox's pages, filters and counts, "Ver
usuario" leading to the admin plugin's user card, and the pending count in the health
data and /diag.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select

from lucien.core.db.models import OutboxEntry
from lucien.plugins.content import keyboards as kb
from lucien.plugins.content.tests.helpers import (
    ATTEND,
    BACK,
    ENTRY_POINTS,
    INTERESTS,
    MINE,
    PLUGINS,
    SEE_USER,
    WANT,
    button_data,
    count_interests,
    interests,
    labels,
    seed,
    svc,
)

pytestmark = pytest.mark.lucien(entry_points=ENTRY_POINTS, plugins=PLUGINS)


def notifications(admin: Any, package: str) -> list[Any]:
    return [
        m for m in admin.messages if package in (m.text or "") and m.html and "tg://user" in m.html
    ]


async def _want(user: Any, package: str) -> None:
    await user.send("/start")
    await user.click(MINE)
    await user.click(package)
    await user.click(WANT)


async def test_an_interest_counts_once_per_window_and_reaches_every_admin(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="es")
    bruno = harness.admin("Bruno", language_code="en")
    ana = harness.user("Ana <i>", language_code="es", username="ana_k")
    await harness.start_app()
    await seed(harness, "Pack Luna", "free", price=(1000, "EUR"))
    for admin in (ada, bruno):
        await admin.send("/start")

    await _want(ana, "Pack Luna")
    assert "Pack Luna" in ana.last.text and "anotado" not in ana.last.text
    await ana.click(WANT)  # again, on the same detail: inside the window
    assert "ya estaba anotado" in ana.last.text or "Ya lo tengo presente" in ana.last.text
    [row] = await interests(harness)
    assert (row.user_id, row.username, row.attended_at) == (ana.id, "ana_k", None)

    for admin in (ada, bruno):
        [note] = notifications(admin, "Pack Luna")
        assert "Ana <i>" in note.text and "@ana_k" in note.text  # the name escaped, not markup
        assert f'href="tg://user?id={ana.id}"' in note.html
        assert note.buttons == (
            [[ATTEND, SEE_USER]] if admin is ada else [["Attended", "View user"]]
        )
    async with harness.ctx.db.session(readonly=True) as s:
        keys = sorted(
            await s.scalars(select(OutboxEntry.key).where(OutboxEntry.plugin == "content"))
        )
    assert keys == sorted(f"content.interest:{row.id}:{a.id}" for a in (ada, bruno))

    await harness.advance(minutes=4, seconds=59)
    await ana.click(WANT)
    assert await count_interests(harness) == 1
    await harness.advance(seconds=1)  # five minutes after the one that counted
    await ana.click(WANT)
    assert await count_interests(harness) == 2
    assert len(notifications(ada, "Pack Luna")) == len(notifications(bruno, "Pack Luna")) == 2

    # The window is a setting (editable from chat): no window, every press counts.
    ctx = harness.ctx
    version = await ctx.config.version("content", "interest_dedupe_minutes")
    await ctx.config.update(
        "content", "interest_dedupe_minutes", "0", expected_version=version, by=ada.id
    )
    await ana.click(WANT)
    assert await count_interests(harness) == 3


async def test_a_lead_waits_for_an_admin_who_never_opened_the_bot(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="es")
    bruno = harness.admin("Bruno", language_code="es")  # never wrote to the bot
    ana = harness.user("Ana", language_code="es")
    await harness.start_app()
    await seed(harness, "Pack Luna", "free")
    await seed(harness, "Pack Sol", "free")
    await ada.send("/start")

    # Two leads: Telegram refuses to write to Bruno, so his notifications wait.
    await _want(ana, "Pack Luna")
    await ana.click(BACK)
    await ana.click("Pack Sol")
    await ana.click(WANT)
    assert len(notifications(ada, "Pack Luna")) == len(notifications(ada, "Pack Sol")) == 1
    assert bruno.messages == []
    luna, sol = await interests(harness)
    async with harness.ctx.db.session(readonly=True) as s:
        waiting = (
            await s.scalars(select(OutboxEntry).where(OutboxEntry.key.like(f"%:{bruno.id}")))
        ).all()
    assert {(r.status, "initiate" in (r.last_error or "")) for r in waiting} == {("pending", True)}

    # Ada attends Sol: Bruno's notification of it is no longer worth sending.
    [note] = notifications(ada, "Pack Sol")
    await ada.click(ATTEND, message=note)

    # Bruno opens the bot; the next tries reach him with the lead still pending only.
    await bruno.send("/start")
    await harness.advance(minutes=10)
    [late] = notifications(bruno, "Pack Luna")
    assert late.buttons == [[ATTEND, SEE_USER]]
    assert notifications(bruno, "Pack Sol") == []
    await bruno.click(ATTEND, message=late)
    assert [r.attended_by for r in await interests(harness)] == [bruno.id, ada.id]
    assert (luna.id, sol.id) == tuple(r.id for r in await interests(harness))


async def test_attended_from_the_notification_then_under_attended_in_the_inbox(
    harness: Any,
) -> None:
    ada = harness.admin("Ada", language_code="es")
    bruno = harness.admin("Bruno", language_code="es")
    ana = harness.user("Ana", language_code="es", username="ana_k")
    await harness.start_app()
    await seed(harness, "Pack Sol", "free")
    for admin in (ada, bruno):
        await admin.send("/start")
    await _want(ana, "Pack Sol")

    # Ada marks it attended from her notification: the same words, then who attended it;
    # "Ver usuario" stays.
    [note] = notifications(ada, "Pack Sol")
    before = note.text
    answer = await ada.click(ATTEND, message=note)
    assert not answer.show_alert
    assert note.text.startswith(before + "\n\nAtendido por Ada")
    assert note.buttons == [[SEE_USER]]
    [row] = await interests(harness)
    assert (row.attended_by, row.attended_by_name) == (ada.id, "Ada")
    # Bruno, a moment later, is told who did it; the row keeps Ada.
    [late] = notifications(bruno, "Pack Sol")
    answer = await bruno.click(ATTEND, message=late)
    assert answer.show_alert and "Ya lo atendió Ada" in (answer.text or "")
    assert (await interests(harness))[0].attended_by == ada.id

    # The inbox: nothing pending; under "Atendidos", Ana's interest with Ada's name.
    await ada.send("/start")
    await ada.click(INTERESTS)
    assert "0 intereses pendientes" in ada.last.text or "0 por atender" in ada.last.text
    await ada.click("Atendidos")
    assert "1 interés atendido" in ada.last.text
    assert "Ana (@ana_k) — Pack Sol — atendido por Ada" in ada.last.text

    # "Ver usuario" on the attended notification, and "Ver a Ana" in the list, open the
    # admin plugin's card of Ana (test_content_sections: the same without that plugin).
    assert button_data(note, SEE_USER) == f"ucard:{ana.id}"
    assert button_data(ada.last, "Ver a Ana") == f"ucard:{ana.id}"


async def test_the_inbox_pages_filters_and_counts(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="es")
    await harness.start_app()
    await ada.send("/start")  # to be written to: each interest tells her
    luna = await seed(harness, "Pack Luna", "free")
    oro = await seed(harness, "Pack Oro", "premium")
    service = svc(harness)

    async def markup(admin: Any, interest: Any) -> Any:
        return await kb.notification(harness.ctx, admin, interest)

    # Eleven people, one a minute: seven in Luna, four in Oro.
    for n in range(11):
        person = SimpleNamespace(id=9_000 + n, first_name=f"P{n:02d}", username=None)
        package = luna if n < 7 else oro
        await service.interests.record(person, package.id, "all", markup)
        await harness.advance(minutes=1)

    await ada.send("/start")
    await ada.click(INTERESTS)
    text = ada.last.text
    assert "11 intereses pendientes" in text or "11 por atender" in text
    assert "Página 1 de 2" in text
    # Newest first.
    assert text.index("P10") < text.index("P09") < text.index("P03")
    assert "P02" not in text
    assert "Siguiente »" in labels(ada.last)
    await ada.click("Siguiente »")
    assert "P00" in ada.last.text and "P10" not in ada.last.text

    # The filters and the totals read apart (es, and en below).
    assert {"Filtrar por paquete", "Filtrar por categoría", "Totales por paquete"} <= set(
        labels(ada.last)
    )
    await ada.click("Filtrar por paquete")
    await ada.click("Pack Oro")
    text = ada.last.text
    assert "Solo Pack Oro" in text
    assert "4 intereses pendientes" in text or "4 por atender" in text
    assert "P06" not in text and all(f"P{n:02d}" in text for n in range(7, 11))
    await ada.click("Quitar el filtro")
    await ada.click("Filtrar por categoría")
    await ada.click("Contenido free")
    assert "Solo contenido free" in ada.last.text and "P10" not in ada.last.text

    # Attended from the list: asked first (nothing marked), then confirmed; the list
    # follows, the counts too.
    await ada.click("✓ P06 · Pack Luna")
    assert "P06" in ada.last.text and "atendido" in ada.last.text.split("\n")[0]
    assert ["✓ Sí, atendido", "Aún no"] in ada.last.buttons
    assert (await interests(harness))[6].attended_at is None
    await ada.click("Aún no")
    assert "✓ P06 · Pack Luna" in labels(ada.last) and "✓ Sí, atendido" not in labels(ada.last)
    await ada.click("✓ P06 · Pack Luna")
    await ada.click("✓ Sí, atendido")
    assert "P06" not in ada.last.text
    assert (await interests(harness))[6].attended_by == ada.id
    await ada.click("Totales por paquete")
    counts = ada.last.text
    assert "Pack Luna: 6 pendientes, 7 en total" in counts
    assert "Pack Oro: 4 pendientes, 4 en total" in counts
    assert counts.index("Pack Luna") < counts.index("Pack Oro")  # most pending first


@pytest.mark.lucien(entry_points=ENTRY_POINTS, plugins=[*PLUGINS, "diagnostics"])
async def test_pending_interests_in_the_health_data_and_diag(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="en")
    ana = harness.user("Ana", language_code="es")
    await harness.start_app()
    await seed(harness, "Pack Luna", "free")
    await ada.send("/start")
    await _want(ana, "Pack Luna")

    assert await svc(harness).health_data() == {
        "pending_interests": 1,
        "active_packages": 1,
        "inactive_packages": 0,
    }
    await ada.send("/start")
    await ada.click("Interests")
    assert {"Filter by package", "Filter by category", "Totals per package"} <= set(
        labels(ada.last)
    )
    await ada.send("/diag")
    assert "interests waiting: 1" in ada.last.text


async def test_long_names_make_short_labels_and_whole_lines(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="es")
    await harness.start_app()
    await ada.send("/start")
    name = "Colección completa de retratos en blanco y negro, edición de invierno"[:64]
    package = await seed(harness, name, "free")
    person = SimpleNamespace(
        id=9_100, first_name="Maximiliano Alejandro de la Santísima Trinidad", username="maxi"
    )

    async def markup(admin: Any, interest: Any) -> Any:
        return await kb.notification(harness.ctx, admin, interest)

    await svc(harness).interests.record(person, package.id, "all", markup)
    await ada.send("/start")
    await ada.click(INTERESTS)
    # Every label fits a line (about 32 characters); the names are cut with an ellipsis
    # and written whole in the message.
    assert all(len(label) <= 34 for label in labels(ada.last)), labels(ada.last)
    attend = next(label for label in labels(ada.last) if label.startswith("✓"))
    assert attend.startswith("✓ Maximiliano") and "…" in attend
    assert any(label.startswith("Ver a Maximiliano") for label in labels(ada.last))
    assert person.first_name in ada.last.text and name in ada.last.text

    await ada.click("Filtrar por paquete")
    [label] = [item for item in labels(ada.last) if item.startswith("Colección")]
    assert len(label) <= 34 and label.endswith("…")
