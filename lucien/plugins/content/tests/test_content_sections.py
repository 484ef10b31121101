"""The content plugin's parts of the admins' screens: the statistics section's figures for
a seeded world, in as many statements for 10,000 interests as for 10; the user card's
section (the user's interests, newest first, capped, names escaped); and "Ver usuario"
when the admin plugin (owner of the user card) is disabled: what the house knows.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from aiogram.types import User
from sqlalchemy import event, insert

from lucien.core.plugin import Section
from lucien.plugins.content.models import ContentInterest
from lucien.plugins.content.tests.helpers import (
    ENTRY_POINTS,
    INTERESTS,
    MINE,
    PLUGINS,
    SEE_USER,
    WANT,
    WITHOUT_ADMIN,
    WITHOUT_ADMIN_PLUGINS,
    button_data,
    seed,
    svc,
)

pytestmark = pytest.mark.lucien(entry_points=ENTRY_POINTS, plugins=PLUGINS)


def viewer(actor: Any, language: str = "es") -> User:
    """The admin looking at the screen, as aiogram hands them to the hooks."""
    return User(id=actor.id, is_bot=False, first_name="Ada", language_code=language)


async def content_section(harness: Any, hook: str, **kwargs: Any) -> Section | None:
    """The content plugin's answer to `hook` (raising, if it raises)."""
    ctx = harness.ctx
    record = ctx.registry.get("content")
    assert record is not None and record.enabled
    section: Section | None = await ctx.registry.call_plugin(record, hook, ctx=ctx, **kwargs)
    return section


async def _interest_rows(harness: Any, rows: list[dict[str, Any]]) -> None:
    async with harness.ctx.db.session() as s:
        await s.execute(insert(ContentInterest), rows)


def _row(
    package_id: int, user_id: int, created: datetime, attended: datetime | None = None
) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "first_name": f"U{user_id}",
        "package_id": package_id,
        "created_at": created,
        "attended_at": attended,
        "attended_by": 1 if attended else None,
        "attended_by_name": "Ada" if attended else None,
    }


async def test_the_statistics_section_for_a_seeded_world(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="es")
    await harness.start_app()
    service = svc(harness)
    luna = await seed(harness, "Pack Luna", "free")
    await seed(harness, "Pack Sol", "vip")
    await seed(harness, "Pack Oro", "premium")
    for name in ("Pack Viejo", "Pack Roto"):
        old = await seed(harness, name, "free")
        await service.packages.set_active(old.id, False)
    now = harness.clock.now()

    def ago(days: float) -> datetime:
        return now - timedelta(days=days)

    await _interest_rows(
        harness,
        [
            # Pending: 5 in all, 2 arrived within 7 days, 3 within 30.
            _row(luna.id, 101, ago(1)),
            _row(luna.id, 102, ago(6.9)),
            _row(luna.id, 103, ago(10)),
            _row(luna.id, 104, ago(40)),
            _row(luna.id, 105, ago(100)),
            # Attended: 4 in all, 1 attended within 7 days, 3 within 30 (whenever they came).
            _row(luna.id, 106, ago(50), ago(2)),
            _row(luna.id, 107, ago(60), ago(20)),
            _row(luna.id, 108, ago(29), ago(25)),
            _row(luna.id, 109, ago(90), ago(45)),
        ],
    )

    section = await content_section(harness, "lucien_statistics", viewer=viewer(ada))
    assert section is not None
    assert section.title == "<b>Contenido</b>"
    assert section.lines == (
        "Intereses por atender: <b>5</b> (2 llegados en los últimos 7 días, 3 en los últimos 30)",
        "Intereses atendidos: <b>4</b> (1 en los últimos 7 días, 3 en los últimos 30)",
        "Paquetes: 3 a la vista, 2 en reserva",
    )
    [inbox] = section.buttons
    assert (inbox.text, inbox.callback_data) == ("Intereses", "cnti:show:pending:0:0::0:")

    # In English for an admin who speaks it.
    english = await content_section(harness, "lucien_statistics", viewer=viewer(ada, "en"))
    assert english is not None
    assert english.lines[2] == "Packages: 3 on display, 2 held back"


async def test_the_statistics_cost_as_many_statements_for_10000_interests_as_for_10(
    harness: Any,
) -> None:
    ada = harness.admin("Ada", language_code="es")
    await harness.start_app()
    luna = await seed(harness, "Pack Luna", "free")
    now = harness.clock.now()
    await _interest_rows(harness, [_row(luna.id, 1000 + n, now) for n in range(10)])
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        # The plugin's own statements: the voice's settings come from the core's cache,
        # whose local copy expires on the wall clock, so they may or may not be read.
        if "content_" in statement:
            statements.append(statement)

    async def measured() -> tuple[int, Section]:
        statements.clear()
        engine = harness.ctx.db.engine.sync_engine
        event.listen(engine, "before_cursor_execute", count)
        try:
            section = await content_section(harness, "lucien_statistics", viewer=viewer(ada))
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert section is not None
        return len(statements), section

    await content_section(harness, "lucien_statistics", viewer=viewer(ada))  # caches warm
    few, section = await measured()
    assert "por atender: <b>10</b>" in section.lines[0]
    assert few == 2, statements  # one aggregate per table

    half = now - timedelta(days=20)
    await _interest_rows(
        harness,
        [_row(luna.id, 2000 + n, half, now if n % 2 else None) for n in range(9_990)],
    )
    many, section = await measured()
    assert many == few, statements
    assert section.lines[:2] == (
        "Intereses por atender: <b>5005</b> (10 llegados en los últimos 7 días, 5005 en los "
        "últimos 30)",
        "Intereses atendidos: <b>4995</b> (4995 en los últimos 7 días, 4995 en los últimos 30)",
    )


async def test_the_user_card_section_lists_the_users_interests(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="es")
    await harness.start_app()
    await ada.send("/start")
    sol = await seed(harness, "Pack <Sol>", "free")
    luna = await seed(harness, "Pack Luna", "free")
    service = svc(harness)
    ana = SimpleNamespace(id=7001, first_name="Ana", username="ana_k")
    bea = SimpleNamespace(id=7002, first_name="Bea", username=None)
    admin = SimpleNamespace(id=ada.id, first_name="Ada")

    async def no_buttons(admin: Any, interest: Any) -> None:
        return None

    # Ana: seven interests an hour apart, alternating packages; Ada attends the 2nd and 4th.
    ids: list[int] = []
    for n in range(7):
        package = sol if n % 2 == 0 else luna
        recorded = await service.interests.record(ana, package.id, "all", no_buttons)
        assert recorded.interest_id is not None
        ids.append(recorded.interest_id)
        await harness.advance(hours=1)
    for interest_id in (ids[1], ids[3]):
        assert (await service.interests.attend(interest_id, admin)).status == "done"
    await service.interests.record(bea, luna.id, "all", no_buttons)

    section = await content_section(harness, "lucien_user_card", user_id=ana.id, viewer=viewer(ada))
    assert section is not None and not section.buttons
    assert section.title == "<b>Intereses</b> · 5 pendientes, 7 en total"
    *shown, more = section.lines
    assert more == "<i>… y 2 más; el resto le espera en «Intereses».</i>"
    # Newest first: the 7th, 6th, ... 3rd (the 4th attended by Ada); the names escaped.
    expected = ["Pack &lt;Sol&gt;", "Pack Luna"] * 2 + ["Pack &lt;Sol&gt;"]
    assert [line.split("</b>")[0].removeprefix("• <b>") for line in shown] == expected
    assert ["atendido por Ada" in line for line in shown] == [False, False, False, True, False]
    assert all("aguarda respuesta" in line for i, line in enumerate(shown) if i != 3)

    # Bea's own card shows only hers; someone without interests gets no section.
    bea_section = await content_section(
        harness, "lucien_user_card", user_id=bea.id, viewer=viewer(ada)
    )
    assert bea_section is not None and len(bea_section.lines) == 1
    assert "Pack Luna" in bea_section.lines[0]
    assert (
        await content_section(harness, "lucien_user_card", user_id=9999, viewer=viewer(ada)) is None
    )


@pytest.mark.lucien(entry_points=WITHOUT_ADMIN, plugins=WITHOUT_ADMIN_PLUGINS)
async def test_without_the_admin_plugin_ver_usuario_shows_what_the_house_knows(
    harness: Any,
) -> None:
    ada = harness.admin("Ada", language_code="es")
    ana = harness.user("Ana", language_code="es", username="ana_k")
    await harness.start_app()
    registry = harness.ctx.registry
    assert registry.get("admin") is not None and not registry.is_enabled("admin")
    await seed(harness, "Pack Sol", "free")
    await ada.send("/start")
    await ana.send("/start")
    await ana.click(MINE)
    await ana.click("Pack Sol")
    await ana.click(WANT)

    # The notification's "Ver usuario" is this plugin's own: a new message with the card.
    [note] = [
        m for m in ada.messages if "Pack Sol" in (m.text or "") and SEE_USER in str(m.buttons)
    ]
    assert not button_data(note, SEE_USER).startswith("ucard:")
    before = len(ada.messages)
    await ada.click(SEE_USER, message=note)
    assert len(ada.messages) == before + 1
    card = ada.last.text
    assert "Ana (@ana_k)" in card and str(ana.id) in card and "1 pendiente" in card
    assert f'href="tg://user?id={ana.id}"' in (ada.last.html or "")

    # From the inbox, the same card in place of the list.
    await ada.send("/start")
    await ada.click(INTERESTS)
    inbox = ada.last
    await ada.click("Ver a Ana", message=inbox)
    assert ada.last.message_id == inbox.message_id
    assert "Ana (@ana_k)" in ada.last.text and "1 en total" in ada.last.text
