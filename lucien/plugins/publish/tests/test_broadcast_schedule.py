"""Scheduled broadcasts: a time in the creator's timezone (named), wrong and past times
refused with the way to write one, the scheduled list with Change the time and Cancel, and
the broadcast going out at its time exactly once with two replicas (SQLite and
PostgreSQL). The FakeClock starts at 12:00 UTC, 6:00 in Mexico City (the default zone)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from lucien.plugins.publish.tests.helpers import ENTRY_POINTS, PLUGINS, broadcasts, message

pytestmark = pytest.mark.lucien(entry_points=ENTRY_POINTS, plugins=PLUGINS)


async def _scheduled(admin: Any, text: str, when: str) -> None:
    """A broadcast to everyone scheduled from chat, in Spanish."""
    await admin.send("/broadcast")
    await admin.send(text)
    await admin.click("Todos")
    await admin.click("Programar")
    await admin.send(when)


async def test_a_broadcast_scheduled_for_21_goes_out_at_21_once_with_two_replicas(
    harness: Any,
) -> None:
    admin = harness.admin("Ada", language_code="en")
    await harness.start_app()
    await harness.start_app()  # a second replica runs the same jobs
    rita = harness.user("Rita", language_code="en")
    await rita.send("/start")
    await harness.ctx.users.drain()

    await admin.send("/broadcast")
    await admin.send("Evening news")
    await admin.click("Everyone")
    await admin.click("Schedule")
    assert admin.last.text == (
        "When? Send me the time (CST): 21:00, 24/12 21:00 or 2026-12-24 21:00."
    )
    assert admin.last.buttons == [["Cancel"]]
    await admin.send("at nine-ish")
    assert admin.last.text.startswith("I do not recognise that time.")
    await admin.send("2025-12-24 21:00")
    assert admin.last.text.startswith("That time has already passed.")
    await admin.send("21:00")
    assert admin.last.text.startswith("Scheduled for January 1, 2026")
    assert "9:00" in admin.last.text and "(CST), to everyone." in admin.last.text
    [row] = await broadcasts(harness)
    assert row.status == "scheduled"
    assert row.scheduled_at == datetime(2026, 1, 2, 3, 0, tzinfo=UTC)  # 21:00 CST in UTC

    await harness.advance(hours=14, minutes=59)  # 20:59 CST
    assert rita.last.text != "Evening news"
    await harness.advance(minutes=1)  # 21:00: both replicas' jobs run
    await harness.run_jobs()
    assert [m.text for m in rita.messages].count("Evening news") == 1
    # The admin hears how it went, in a message of its own (the schedule had no progress).
    assert any(
        (m.text or "").startswith("Broadcast to everyone finished: 2 of 2 sent")
        for m in admin.messages
    )
    await harness.advance(minutes=5)
    assert [m.text for m in rita.messages].count("Evening news") == 1


async def test_the_scheduled_list_moves_and_cancels(harness: Any) -> None:
    admin = harness.admin("Ada", language_code="es")
    await harness.start_app()
    rita = harness.user("Rita", language_code="es")
    await rita.send("/start")
    await harness.ctx.users.drain()
    await _scheduled(admin, "Primera", "21:00")
    await _scheduled(admin, "Segunda", "24/12 20:30")

    await admin.send("/scheduled")
    listing = admin.last
    assert listing.text == "Lo que espera su hora:"
    assert [row[0] for row in listing.buttons[:2]] == [
        "01/01 21:00 · todos",
        "24/12 20:30 · todos",
    ]
    await admin.click("01/01 21:00 · todos")
    assert "Difusión para todos" in listing.text and "(CST)" in listing.text
    await admin.click("Cambiar la hora")
    assert "¿Cuándo?" in admin.last.text
    await admin.send("22:15")
    assert admin.last.text.startswith("Cambiado al")
    [first, second] = await broadcasts(harness)
    assert first.scheduled_at == datetime(2026, 1, 2, 4, 15, tzinfo=UTC)

    # The second is cancelled from the list; its old buttons then say it is gone.
    await admin.send("/scheduled")
    listing = admin.last
    await admin.click("24/12 20:30 · todos", message=listing)
    item = admin.last
    await admin.click("Cancelarlo", message=item)
    assert item.text.startswith("Cancelado: no saldrá.")
    query = await admin.press(item, f"pubs:b:{second.id}:drop")
    assert query.text == "Eso ya salió o fue cancelado."
    [first, second] = await broadcasts(harness)
    assert second.status == "cancelled"

    await harness.advance(days=1)
    await harness.run_jobs()
    assert [m.text for m in rita.messages].count("Primera") == 1
    assert all(m.text != "Segunda" for m in rita.messages)
    assert message(admin, listing.message_id) is not None
