"""Diagnostics from chat: the report, test runs of plugins' suites, live profiles.

Whole conversations through the emulator, on SQLite and PostgreSQL, asserting on what
the admin sees. Texts are the declared plain defaults (the voice plugin is off), so the
assertions read like the messages. Test runs from chat run the suites of two small
plugins shipped beside this file (`probe/`), never this suite itself: a run of the
diagnostics suite must not start another.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import pytest
from sqlalchemy import inspect, text

from lucien.plugins.diagnostics.services import diagnostics_service
from lucien.plugins.diagnostics.tests.probe import PROBE_COVERAGE

REFUSAL = "This option is only available to administrators."
PLUGINS = ["admin", "vip", "diagnostics"]
PROBES = [
    EntryPoint(name, f"lucien.plugins.diagnostics.tests.probe:{name}", "lucien.plugins")
    for name in ("probe", "failing", "crowded")
]


def _with_probes() -> list[EntryPoint]:
    """Every installed plugin plus the probes (one passing suite, one failing)."""
    return [*entry_points(group="lucien.plugins"), *PROBES]


async def _snapshot(ctx: Any) -> dict[str, tuple[int, str]]:
    """Row count and a checksum of every table of the application's own database."""
    await ctx.users.drain()  # user bookkeeping of the updates so far is written first

    def read(sync_session: Any) -> dict[str, tuple[int, str]]:
        conn = sync_session.connection()
        found: dict[str, tuple[int, str]] = {}
        for table in sorted(inspect(conn).get_table_names()):
            rows = conn.execute(text(f'SELECT * FROM "{table}"')).all()
            digest = hashlib.sha256(repr(sorted(map(repr, rows))).encode()).hexdigest()
            found[table] = (len(rows), digest)
        return found

    async with ctx.db.session() as session:
        return await session.run_sync(read)


async def _finish(harness: Any) -> None:
    """Wait for the background run or profile, then for what it sent."""
    await diagnostics_service(harness.ctx).wait_idle()
    await harness.emulator.wait_idle()


@pytest.mark.lucien(plugins=PLUGINS)
async def test_diag_reports_components_plugins_and_missing_channel_rights(
    harness: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    channel = harness.emulator.create_channel("Salon", bot_rights={"can_invite_users": True})
    monkeypatch.setenv("VIP_CHANNEL_ID", str(channel.id))
    ada = harness.admin("Ada")
    await harness.start_app()
    await ada.send("/diag")
    report = ada.last.text
    assert report.startswith("Health report:")
    assert f"Version {harness.app.version}" in report
    for component in ("database", "migrations", "redis", "dispatcher"):
        assert f"- {component}: pass" in report
    assert "latency (ms): " in report and "latency_ms" not in report
    assert "1 pending update, last error: none" in report  # the /diag update itself
    for plugin in ("admin", "vip", "diagnostics"):
        assert f"- {plugin} " in report and "enabled" in report
    assert "- free " in report and "disabled" in report
    assert "- vip: " in report and "0 pending" in report  # its branch, at head
    # A cache namespace by its label, with its hit rate (without the voice plugin the
    # lines are the plain English defaults, the labels in the default locale's words).
    assert "- roles de los usuarios: 0" in report
    assert "- vip.expiry: every" in report
    assert f"- VIP channel ({channel.id}): missing restricting members" in report


@pytest.mark.lucien(plugins=PLUGINS)
async def test_the_admin_menu_leads_to_diagnostics(harness: Any) -> None:
    ada = harness.admin("Ada")
    await harness.start_app()
    await ada.send("/start")
    assert ["Diagnostics"] in ada.last.buttons
    await ada.click("Diagnostics")
    assert ada.last.text == "Diagnostics. Choose an option."
    assert ada.last.buttons[:3] == [["Diagnostics report"], ["Run all tests"], ["Profile"]]
    await ada.click("Diagnostics report")
    assert ada.last.text.startswith("Health report:")
    await ada.click("Diagnostics")
    assert ada.last.text == "Diagnostics. Choose an option."


@pytest.mark.lucien(plugins=PLUGINS)
async def test_a_non_admin_is_refused_politely(harness: Any) -> None:
    fred = harness.user("Fred")
    await harness.start_app()
    for command in ("/diag", "/run_tests", "/run_tests admin", "/profile 2"):
        await fred.send(command)
        assert fred.last.text == REFUSAL
        assert fred.last.buttons == [["Main menu"]]  # refused, with the way back
    assert not harness.emulator.calls_of("sendDocument")


@pytest.mark.lucien(plugins=[*PLUGINS, "failing"])
async def test_a_failing_test_is_named_in_chat(
    harness: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The sandbox names its creator so; a suite run from chat must not inherit it.
    monkeypatch.setenv("VOICE_CREATOR_ID", "100001")
    harness.entry_points = _with_probes()
    ada = harness.admin("Ada")
    await harness.start_app()
    await ada.send("/run_tests failing")
    await _finish(harness)
    summary = next(m for m in ada.messages if m.text and "Test run finished" in m.text)
    assert "Tests of failing: 1 failed, 2 passed" in summary.text
    assert "failing: failing_suite.py::test_deliberately_fails: AssertionError" in summary.text
    report = ada.last
    assert report.document is not None and report.document.filename.endswith(".txt")
    body = report.document.data.decode()
    assert "FAILED failing: failing_suite.py::test_deliberately_fails" in body
    assert "this test fails on purpose" in body


@pytest.mark.lucien(plugins=[*PLUGINS, "crowded"])
async def test_many_failures_are_named_in_pages(harness: Any) -> None:
    """Each failing test by name with its error's first line, escaped, in messages under
    Telegram's limit; those past the chat's share are counted (all are in the report)."""
    harness.entry_points = _with_probes()
    ada = harness.admin("Ada")
    await harness.start_app()
    await ada.send("/run_tests crowded")
    await _finish(harness)
    pages = [m.text for m in ada.messages if m.text and m.document is None]
    assert len(pages) >= 2 and all(len(page) <= 4096 for page in pages)
    shown = "\n".join(pages)
    assert "Tests of crowded: 24 failed, 0 passed" in shown
    for n in range(20):
        line = f"crowded: crowded_suite.py::test_fails_with_markup[{n}]: AssertionError: "
        assert line + f"<b>broken</b> & {n:02d} x" in shown  # the markup as written
    assert "test_fails_with_markup[20]" not in shown and "second line" not in shown
    assert "and 4 more failures, in the report." in shown
    assert "Test run finished with failures" in pages[-1]
    body = ada.last.document.data.decode()
    assert "test_fails_with_markup[23]" in body


@pytest.mark.lucien(plugins=[*PLUGINS, "probe"])
async def test_a_run_reports_the_coverage_of_the_plugins_package(harness: Any) -> None:
    """The figure is the run's own: the probe's suite runs 17 of its package's 20
    statements, so anything else (a constant, another package's figure) fails here."""
    harness.entry_points = _with_probes()
    ada = harness.admin("Ada")
    await harness.start_app()
    await ada.send("/run_tests probe")
    await _finish(harness)
    summary = next(m for m in ada.messages if m.text and "Test run finished" in m.text)
    line = next(row for row in summary.text.splitlines() if row.startswith("Tests of probe"))
    assert line.startswith("Tests of probe: all 2 passed in ")
    figure = re.search(r"coverage (\d+(?:[.,]\d+)?) ?%", line)
    assert figure is not None, line
    assert float(figure.group(1).replace(",", ".")) == float(PROBE_COVERAGE)
    table = ada.last.document.data.decode()  # the report's table has it too
    assert re.search(rf"^probe +passed +2 +0 +0 +{re.escape(PROBE_COVERAGE)}%", table, re.M)


@pytest.mark.lucien(plugins=PLUGINS)
async def test_unknown_plugin(harness: Any) -> None:
    ada = harness.admin("Ada")
    await harness.start_app()
    await ada.send("/run_tests nobody")
    assert ada.last.text == "There is no plugin named nobody."


@pytest.mark.lucien(plugins=[*PLUGINS, "probe"], redis=True)
async def test_a_run_leaves_production_untouched_and_is_one_at_a_time(harness: Any) -> None:
    """The probe's suite (which starts a whole bot on a database of its own) runs while
    the app's database is watched; a second run and a non-admin are turned away."""
    harness.entry_points = _with_probes()
    ada = harness.admin("Ada")
    fred = harness.user("Fred")
    await harness.start_app()
    await ada.send("/start")
    await fred.send("/start")
    before = await _snapshot(harness.ctx)
    assert before, "the application's database has tables"

    await ada.send("/run_tests probe")
    progress = ada.last
    assert progress.text == "Running the tests of probe..."
    await ada.send("/run_tests")
    assert ada.last.text == "A test run is already in progress. Please wait for it to finish."
    await fred.send("/run_tests")
    assert fred.last.text == REFUSAL
    await _finish(harness)

    final = next(m for m in ada.messages if m.message_id == progress.message_id)
    assert final.edit_date is not None  # the progress message was edited in place
    assert "Tests of probe: all 2 passed" in final.text
    assert "Test run finished: everything passed." in final.text
    assert ada.last.document is not None
    assert await _snapshot(harness.ctx) == before
    # The lock was released: the next run starts.
    await ada.send("/run_tests failing")
    assert ada.last.text == "Running the tests of failing..."
    await _finish(harness)


@pytest.mark.lucien(plugins=PLUGINS)
async def test_profile_returns_html_naming_the_handlers_that_ran(harness: Any) -> None:
    ada = harness.admin("Ada")
    fred = harness.user("Fred")
    # Fred sends /start for two real seconds while the test clock stands still.
    await harness.start_app(flood_burst=0)
    await ada.send("/profile 2")
    assert ada.last.text == "Profiling for 2 s..."
    profiling = asyncio.ensure_future(diagnostics_service(harness.ctx).wait_idle())
    served = 0
    while not profiling.done():  # the bot keeps serving while it is being profiled
        await fred.send("/start")
        served += 1
    await profiling
    await harness.emulator.wait_idle()
    # (the first /start greets him as new, the next ones as returning)
    assert served > 1 and re.match(r"Welcome( back)?, Fred\.", fred.last.text)
    document = ada.last.document
    assert document is not None and document.filename.endswith(".html")
    html = document.data.decode()
    assert "start\\u0000" in html and "lucien/core/builtin/handlers.py" in html
    # then what the database did meanwhile (test_diagnostics_profile.py reads it closely)
    assert ada.last.text.startswith("Profile ready (2 s).\n")
    assert re.search(r"\n\d+ SQL statements?, slowest:\n• ", ada.last.text), ada.last.text
