"""Diagnostics from chat: the report, test runs of plugins' suites, live profiles.

Whole conversations through the emulator, on SQLite and PostgreSQL, asserting on what
the admin sees. Texts are the declared plain defaults (the voice plugin is off), so the
assertions read like the messages.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import subprocess
import sys
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text

from lucien.plugins.diagnostics.services import diagnostics_service

FIXTURES = Path(__file__).parents[1] / "fixtures"
REFUSAL = "This option is only available to administrators."
PLUGINS = ["admin", "vip", "diagnostics"]


def _with_failing_plugin() -> list[EntryPoint]:
    """Every installed plugin plus the fixture whose suite fails on purpose."""
    failing = EntryPoint(
        "failing", "tests.fixtures.failing_plugin.lucien_failing:plugin", "lucien.plugins"
    )
    return [*entry_points(group="lucien.plugins"), failing]


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
    assert "latency_ms" in report
    assert "pending updates, last error: none" in report  # the /diag update itself is one
    for plugin in ("admin", "vip", "diagnostics"):
        assert f"- {plugin} " in report and "enabled" in report
    assert "- free " in report and "disabled" in report
    assert "- vip: " in report and "0 pending" in report  # its branch, at head
    assert "- role:" in report  # a cache namespace with its hit rate
    assert "- vip.expiry: every" in report
    assert f"- vip.channel_id ({channel.id}): missing can_restrict_members" in report


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
    assert not harness.emulator.calls_of("sendDocument")


@pytest.mark.lucien(plugins=[*PLUGINS, "failing"])
async def test_a_failing_test_is_named_in_chat(harness: Any) -> None:
    harness.entry_points = _with_failing_plugin()
    ada = harness.admin("Ada")
    await harness.start_app()
    await ada.send("/run_tests failing")
    await _finish(harness)
    summary = next(m for m in ada.messages if m.text and "Test run finished" in m.text)
    assert "Tests of failing: 1 failed, 2 passed" in summary.text
    assert "failing: test_failing::test_deliberately_fails: AssertionError" in summary.text
    report = ada.last
    assert report.document is not None and report.document.filename.endswith(".txt")
    body = report.document.data.decode()
    assert "FAILED failing: test_failing::test_deliberately_fails" in body
    assert "this test fails on purpose" in body


@pytest.mark.lucien(plugins=PLUGINS)
async def test_unknown_plugin(harness: Any) -> None:
    ada = harness.admin("Ada")
    await harness.start_app()
    await ada.send("/run_tests nobody")
    assert ada.last.text == "There is no plugin named nobody."


@pytest.mark.lucien(plugins=PLUGINS, redis=True)
async def test_a_run_leaves_production_untouched_and_is_one_at_a_time(harness: Any) -> None:
    """The admin plugin's suite (which starts whole bots on databases of its own) runs
    while the app's database is watched; a second run and a non-admin are turned away."""
    ada = harness.admin("Ada")
    fred = harness.user("Fred")
    await harness.start_app()
    await ada.send("/start")
    await fred.send("/start")
    before = await _snapshot(harness.ctx)
    assert before, "the application's database has tables"

    await ada.send("/run_tests admin")
    progress = ada.last
    assert progress.text == "Running the tests of admin..."
    await ada.send("/run_tests")
    assert ada.last.text == "A test run is already in progress. Please wait for it to finish."
    await fred.send("/run_tests")
    assert fred.last.text == REFUSAL
    await _finish(harness)

    final = next(m for m in ada.messages if m.message_id == progress.message_id)
    assert final.edit_date is not None  # the progress message was edited in place
    assert "Tests of admin: all 3 passed" in final.text
    assert "Test run finished: everything passed." in final.text
    assert ada.last.document is not None
    assert await _snapshot(harness.ctx) == before
    # The lock was released: the next run starts (the diagnostics suite collects nothing).
    await ada.send("/run_tests diagnostics")
    assert ada.last.text == "Running the tests of diagnostics..."
    await _finish(harness)


@pytest.mark.lucien(plugins=PLUGINS)
async def test_profile_returns_html_naming_the_handlers_that_ran(harness: Any) -> None:
    ada = harness.admin("Ada")
    fred = harness.user("Fred")
    await harness.start_app()
    await ada.send("/profile 2")
    assert ada.last.text == "Profiling for 2 s..."
    profiling = asyncio.ensure_future(diagnostics_service(harness.ctx).wait_idle())
    served = 0
    while not profiling.done():  # the bot keeps serving while it is being profiled
        await fred.send("/start")
        served += 1
    await profiling
    await harness.emulator.wait_idle()
    assert served > 1 and fred.last.text.startswith("Welcome, Fred")
    document = ada.last.document
    assert document is not None and document.filename.endswith(".html")
    html = document.data.decode()
    assert "start\\u0000" in html and "lucien/plugins/admin/handlers.py" in html
    assert ada.last.text == "Profile ready (2 s)."


# ----------------------------------------------------------------------------- command line


def _cli_env(extra_path: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "LUCIEN_TEST"))}
    env.pop("BOT_TOKEN", None)
    if extra_path is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(extra_path), env.get("PYTHONPATH")]))
    return env


@pytest.fixture(scope="module")
def failing_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The failing fixture plugin installed with pip as a distribution of its own."""
    source = tmp_path_factory.mktemp("failing-src") / "failing_plugin"
    shutil.copytree(FIXTURES / "failing_plugin", source)  # pip builds in place: not in the repo
    target = tmp_path_factory.mktemp("failing-site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--target", str(target), str(source)],
        check=True, timeout=300,
    )  # fmt: skip
    return target


def test_lucien_test_names_the_failing_test(failing_site: Path, tmp_path: Path) -> None:
    lucien = Path(sys.executable).parent / "lucien"
    done = subprocess.run(
        [str(lucien), "test", "failing", "--timeout", "120"],
        cwd=tmp_path, env=_cli_env(failing_site), capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert "failing  failed  2" in done.stdout
    assert "FAILED failing: test_failing::test_deliberately_fails" in done.stdout


def test_lucien_profile_writes_an_html_report(tmp_path: Path) -> None:
    lucien = Path(sys.executable).parent / "lucien"
    output = tmp_path / "profile.html"
    done = subprocess.run(
        [str(lucien), "profile", "--seconds", "1", "--output", str(output)],
        cwd=tmp_path, env=_cli_env(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "lucien/plugins/admin/handlers.py" in output.read_text()
