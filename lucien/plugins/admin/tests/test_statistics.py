"""The statistics screen (issue 18): every enabled plugin's section and the admin plugin's
own, cached for a minute, recomputed by Refresh, in a fixed number of statements however
many users there are; a disabled or failing plugin simply has no section. Plain defaults
(no voice: English, dates in UTC); one test with the voice, in Spanish and the creator's
timezone.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import pytest

from lucien.core.formatting import format_datetime
from lucien.plugins.admin.services import admin_service
from lucien.plugins.admin.tests.helpers import (
    ENTRY_POINTS,
    counting_statements,
    days_ago,
    ledger,
    seed_people,
)

PLUGINS = ["admin", "ledger", "broken"]

# Both backends through the db_kind fixture (SQLite only in the chat runner).


def screen(when: str, users: int, active: int, admins: int, computed: int | None) -> str:
    text = (
        f"Statistics as of {when} (UTC)\n\n"
        f"People\nUsers: {users}\nActive in the last 7 days: {active}\nAdministrators: {admins}"
    )
    return text if computed is None else f"{text}\n\nLedger figures\nComputed: {computed}"


@pytest.mark.lucien(entry_points=ENTRY_POINTS, plugins=PLUGINS)
async def test_the_screen_shows_each_plugins_figures_cached_until_refreshed(
    harness: Any,
) -> None:
    ada = harness.admin("Ada", language_code="en")
    bea = harness.user("Bea")
    await harness.start_app()
    ctx = harness.ctx
    ledger.computed = 0
    await bea.send("/start")
    await ada.send("/start")
    await ctx.users.drain()
    # A seeded world: four people last seen ten days ago, one yesterday; Bea an admin.
    await seed_people(
        ctx, ["Old 1", "Old 2", "Old 3", "Old 4"], first_id=700, last_seen=days_ago(ctx, 10)
    )
    await seed_people(ctx, ["Recent"], first_id=800, last_seen=days_ago(ctx, 1))
    await admin_service(ctx).add(bea.id, by=ada.id)
    when = format_datetime(harness.clock.now(), "en")

    await ada.click("Statistics")
    assert ada.last.text == screen(when, users=7, active=3, admins=2, computed=1)
    assert ada.last.buttons == [["Ledger list"], ["Refresh"], ["Back"]]

    # Within the minute the same figures, even after someone new arrives.
    cid = harness.user("Cid")
    await cid.send("/start")
    await ctx.users.drain()
    await ada.send("/stats")
    assert ada.last.text == screen(when, users=7, active=3, admins=2, computed=1)

    # Refresh recomputes (and says so).
    query = await ada.click("Refresh")
    assert query.text == "Figures refreshed."
    assert ada.last.text == screen(when, users=8, active=4, admins=2, computed=2)
    await ada.click("Back")
    assert ada.last.text == "Admin menu. Choose an option."


@pytest.mark.lucien(entry_points=ENTRY_POINTS, plugins=["admin"])
async def test_a_disabled_plugin_contributes_nothing(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="en")
    await harness.start_app()
    await ada.send("/start")
    await harness.ctx.users.drain()
    await ada.send("/stats")
    when = format_datetime(harness.clock.now(), "en")
    assert ada.last.text == screen(when, users=1, active=1, admins=1, computed=None)
    assert ada.last.buttons == [["Refresh"], ["Back"]]


@pytest.mark.lucien(entry_points=ENTRY_POINTS, plugins=PLUGINS)
async def test_ten_thousand_users_cost_no_more_statements_than_ten(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="en")
    await harness.start_app()
    ctx = harness.ctx
    await ada.send("/stats")
    await ctx.users.drain()
    await seed_people(ctx, [f"P{i}" for i in range(9)], first_id=10_000)

    with counting_statements(ctx) as few:
        await ada.click("Refresh")
    assert "Users: 10\n" in ada.last.text
    await seed_people(ctx, [f"P{i}" for i in range(9_990)], first_id=20_000)
    with counting_statements(ctx) as many:
        await ada.click("Refresh")
    assert "Users: 10000\n" in ada.last.text or "Users: 10,000\n" in ada.last.text
    assert few, "the refresh must have asked the database"
    assert len(many) <= len(few), many


@pytest.mark.lucien(entry_points=ENTRY_POINTS, plugins=["voice", *PLUGINS], redis=True)
async def test_each_language_has_its_screen_and_dates_in_the_creators_timezone(
    harness: Any,
) -> None:
    diana = harness.admin("Diana", language_code="es")
    ada = harness.admin("Ada", language_code="en")
    await harness.start_app()
    for admin in (diana, ada):
        await admin.send("/start")
    await harness.ctx.users.drain()
    ledger.computed = 0
    await diana.send("/stats")
    spanish = diana.last.text
    zone = ZoneInfo("America/Mexico_City")  # the voice's default timezone
    # The zone named (a January day: CST); a date is not "a las" (that is for an hour).
    assert f"{format_datetime(harness.clock.now(), 'es', zone)} (CST)" in spanish
    assert " a las " not in spanish
    assert "Usuarios: 2" in spanish and "Custodios: 2" in spanish
    assert diana.last.buttons == [["Ledger list"], ["Actualizar"], ["« Volver"]]

    await ada.send("/stats")
    assert f"{format_datetime(harness.clock.now(), 'en', zone)} (CST)" in ada.last.text
    assert "Users: 2" in ada.last.text and "Computed: 2" in ada.last.text
    # Each language computed once; a second replica shares them.
    await harness.start_app()
    await diana.send("/stats")
    assert diana.last.text == spanish


@pytest.mark.lucien(plugins=["admin", "content"])
async def test_a_real_plugins_section_joins_the_screen(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="en")
    await harness.start_app()
    await ada.send("/stats")
    text = ada.last.text
    assert text.startswith("Statistics as of ")
    assert "\n\nPeople\nUsers: " in text
    assert "\n\nContent\nPending interests: 0 " in text  # its own bold title, kept as is
    assert "\n\n<b>Content</b>\nPending" in ada.last.html  # not bolded twice
    assert ada.last.buttons == [["Interests"], ["Refresh"], ["Back"]]
