"""The pytest fixtures Lucien ships (`lucien.core.testing.pytest_plugin`) outside this
repository: a third-party plugin's suite in pytest-asyncio's strict mode with no
configuration of ours, and the rule for a missing PostgreSQL or Redis (skipped with a
reason when nothing is configured, an error when something is or in CI)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from lucien.core.testing import databases

pytest_plugins = ["pytester"]

THIRD_PARTY_TEST = """
import pytest


@pytest.mark.asyncio
@pytest.mark.lucien(plugins=["admin"])
async def test_a_conversation(harness):
    ana = harness.user("Ana")
    await harness.start_app()
    await ana.send("/start")
    assert ana.last.text.startswith("Welcome, Ana")
"""

PINNED_TO_POSTGRES = """
import pytest


@pytest.mark.parametrize("db_kind", ["postgres"], indirect=True)
async def test_on_postgres(database_url):
    assert database_url.startswith("postgresql")


@pytest.mark.lucien(redis=True)
async def test_with_redis(harness):
    assert harness.redis_url
"""


AUTO_INI = "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"


def _dead_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_third_party_suite_runs_with_plain_pytest_in_strict_mode(tmp_path: Path) -> None:
    """No asyncio_mode, no conftest: only the installed pytest11 plugin. Async fixtures
    requested from a strict-mode test warn (an error here) unless they are
    pytest-asyncio's own."""
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_greeting.py").write_text(THIRD_PARTY_TEST)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env["LUCIEN_TEST_DB"] = "sqlite"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "-W", "error:asyncio test:pytest.PytestDeprecationWarning", "test_greeting.py"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout


@pytest.fixture
def no_servers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Default PostgreSQL and Redis URLs where nothing answers; nothing configured."""
    monkeypatch.setattr(
        databases, "DEFAULT_PG_URL", f"postgresql://postgres@127.0.0.1:{_dead_port()}/postgres"
    )
    monkeypatch.setattr(databases, "DEFAULT_REDIS_URL", f"redis://127.0.0.1:{_dead_port()}/0")
    for name in ("CI", "LUCIEN_TEST_PG_URL", "LUCIEN_TEST_REDIS_URL", "LUCIEN_TEST_DB"):
        monkeypatch.delenv(name, raising=False)


def test_missing_servers_are_skipped_with_the_reason_when_nothing_is_configured(
    pytester: pytest.Pytester, no_servers: None
) -> None:
    pytester.makeini(AUTO_INI)
    pytester.makepyfile(PINNED_TO_POSTGRES)
    result = pytester.runpytest_inprocess("-rs", "-p", "no:cacheprovider")
    result.assert_outcomes(skipped=3)  # postgres; redis on sqlite and on postgres
    result.stdout.fnmatch_lines(
        [
            "*PostgreSQL variant skipped: LUCIEN_TEST_PG_URL is not set and no server answers*",
            "*Redis variant skipped: LUCIEN_TEST_REDIS_URL is not set and no server answers*",
        ]
    )


@pytest.mark.parametrize("configured", ["CI", "LUCIEN_TEST_PG_URL"])
def test_missing_servers_are_errors_in_ci_or_when_configured(
    pytester: pytest.Pytester,
    no_servers: None,
    monkeypatch: pytest.MonkeyPatch,
    configured: str,
) -> None:
    if configured == "CI":
        monkeypatch.setenv("CI", "true")
    else:
        monkeypatch.setenv("LUCIEN_TEST_PG_URL", databases.DEFAULT_PG_URL)
        monkeypatch.setenv("LUCIEN_TEST_REDIS_URL", databases.DEFAULT_REDIS_URL)
    pytester.makeini(AUTO_INI)
    pytester.makepyfile(PINNED_TO_POSTGRES)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    outcomes = result.parseoutcomes()
    assert "skipped" not in outcomes, result.stdout.str()
    assert outcomes.get("failed", 0) + outcomes.get("errors", 0) == 3
    result.stdout.fnmatch_lines(["*PostgreSQL at 127.0.0.1:* is unreachable*"])


def test_a_sqlite_only_run_says_why_a_postgres_only_test_did_not_run(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What `/run_tests` and `lucien test` do: SQLite only, even where PostgreSQL runs."""
    monkeypatch.setenv("LUCIEN_TEST_DB", "sqlite")
    pytester.makeini(AUTO_INI)
    pytester.makepyfile(PINNED_TO_POSTGRES.split("@pytest.mark.lucien")[0])
    result = pytester.runpytest_inprocess("-rs", "-p", "no:cacheprovider")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*PostgreSQL-only test in a SQLite-only run*"])
