"""/profile tells what the database did during the profiled window: how many SQL
statements ran and the slowest of them (normalized, escaped), in the admin's language.

Through the emulator on SQLite and PostgreSQL: a member asks for the VIP menu again and
again while an admin profiles, and the test runs one deliberately slow statement (a
recursive count) in the window, which must come first among the slowest. The caption's
count is checked against the statements the query counter saw in the same time.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from sqlalchemy import text

from lucien.plugins.diagnostics.services import diagnostics_service

pytestmark = pytest.mark.lucien(plugins=["voice", "admin", "vip", "diagnostics"])

# Slow on both backends (a few tens of milliseconds), and with a '<' the caption must
# escape. Its shape is what the report shows: values replaced by '?'.
SLOW = (
    "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 100000) "
    "SELECT count(*) FROM n"
)
SLOW_SHAPE = "WITH RECURSIVE n(x) AS (SELECT ? UNION ALL SELECT x + ? FROM n WHERE x < ?)"
COUNT = re.compile(
    r"(\d+) SQL statements?|consulted (\d+) times?|(\d+) consultas? SQL|consultado (\d+) veces"
)


def shown_count(caption: str) -> int:
    found = COUNT.search(caption)
    assert found, caption
    return int(next(g for g in found.groups() if g))


async def profile_while(harness: Any, admin: Any, seconds: str, busy: Any = None) -> Any:
    """`/profile seconds` from `admin`; `busy()` runs again and again until the report
    is sent. The report's message."""
    await admin.send(f"/profile {seconds}")
    profiling = asyncio.ensure_future(diagnostics_service(harness.ctx).wait_idle())
    while busy is not None and not profiling.done():
        await busy()
    await profiling
    await harness.emulator.wait_idle()
    assert admin.last.document is not None and admin.last.document.filename.endswith(".html")
    return admin.last


async def test_the_report_counts_statements_and_names_the_slowest(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="en")
    bea = harness.admin("Bea", language_code="es")
    fred = harness.user("Fred", language_code="en")
    await harness.start_app(flood_burst=0)
    for actor in (ada, bea, fred):
        await actor.send("/start")
    slow_ran = 0

    async def slow_statement() -> None:
        nonlocal slow_ran
        async with harness.ctx.db.session(readonly=True) as session:
            assert await session.scalar(text(SLOW)) == 100000
        slow_ran += 1

    async def busy() -> None:
        await fred.send("/vip")  # three statements each (ritual, membership, ever a member)
        if not slow_ran:
            await slow_statement()

    async with harness.count_queries() as counted:
        report = await profile_while(harness, ada, "1", busy)
    caption, html = report.text or "", report.html or ""
    assert caption.startswith("Profile ready (1 s).") or caption.startswith("The profile is")
    # Every statement of the window is one the counter saw, or the test's own slow one.
    shown = shown_count(caption)
    assert 3 < shown <= counted.count + slow_ran, (caption, counted.report())
    bullets = [line for line in caption.split("\n") if line.startswith("• ")]
    assert 1 < len(bullets) <= 3, caption
    # The slowest first, normalized, once; its '<' escaped in what the bot sent.
    assert bullets[0].endswith(f"(1 run): {SLOW_SHAPE} SELECT count(*) FROM n"), caption
    assert "x &lt; ?" in html and "<code>WITH RECURSIVE" in html
    assert re.match(r"• \d+(\.\d)? ms \(1 run\)", bullets[0]), bullets[0]
    # Fred's VIP menu is among the slowest shapes, column lists shortened.
    assert any("runs): SELECT … FROM vip_" in line for line in bullets[1:]), caption

    # In Spanish, with a window where nothing but the slow statement runs.
    slow_ran = 0
    report = await profile_while(harness, bea, "0.5", slow_statement)
    caption = report.text or ""
    assert re.match(r"(El perfil está|Perfil) listo \(0[.,]5 s\)", caption), caption
    # Only the slow statement ran (the first or last may fall just outside the window).
    shown = shown_count(caption)
    assert slow_ran - 2 <= shown <= slow_ran, (caption, slow_ran)
    [bullet] = [line for line in caption.split("\n") if line.startswith("• ")]
    times = "vez" if shown == 1 else "veces"
    assert re.match(rf"• \d+(,\d)? ms \({shown} {times}\): WITH RECURSIVE", bullet), bullet

    # A window in which the database was not asked anything says so.
    report = await profile_while(harness, ada, "0.1")
    assert report.text.endswith("\nMeanwhile, the house did not consult its records once.")
