"""The diagnostics plugin's own suite: what a test run may see, and how results are read.

Shipped in the package, so `/run_tests diagnostics` checks on a deployed bot that test
runs cannot reach production resources.
"""

from __future__ import annotations

from pathlib import Path

from lucien.core.testing.suites import SuiteResult, parse_junit, sanitized_env

PRODUCTION = {
    "DATABASE_URL": "postgresql://prod/db",
    "REDIS_URL": "redis://prod:6379/0",
    "BOT_TOKEN": "123:secret",
    "TELEGRAM_API_URL": "https://api.telegram.org",
    "WEBHOOK_SECRET": "s",
    "PGPASSWORD": "p",
    "LUCIEN_TEST_PG_URL": "postgresql://admin@prod/postgres",
    "PATH": "/usr/bin",
}


def test_a_run_never_sees_production_resources() -> None:
    env = sanitized_env(PRODUCTION)
    assert env["PATH"] == "/usr/bin"
    assert env["LUCIEN_TEST_DB"] == "sqlite"
    assert env["DATABASE_URL"].startswith("sqlite+aiosqlite:///./")
    for name in ("REDIS_URL", "BOT_TOKEN", "TELEGRAM_API_URL", "WEBHOOK_SECRET", "PGPASSWORD",
                 "LUCIEN_TEST_PG_URL"):  # fmt: skip
        assert name not in env
    assert "prod" not in " ".join(env.values())


def test_postgres_only_when_allowed() -> None:
    env = sanitized_env(PRODUCTION, allow_postgres=True)
    assert env["LUCIEN_TEST_PG_URL"] == PRODUCTION["LUCIEN_TEST_PG_URL"]
    assert "LUCIEN_TEST_DB" not in env


def test_junit_results_are_counted_and_failures_named(tmp_path: Path) -> None:
    xml = tmp_path / "report.xml"
    xml.write_text(
        '<testsuites><testsuite name="pytest">'
        '<testcase classname="pkg.test_a" name="test_ok" time="0.1"/>'
        '<testcase classname="pkg.test_a" name="test_skip"><skipped message="no"/></testcase>'
        '<testcase classname="pkg.test_a" name="test_bad">'
        '<failure message="AssertionError: nope">long trace</failure></testcase>'
        "</testsuite></testsuites>"
    )
    result = SuiteResult("p", "path")
    parse_junit(xml, result)
    assert (result.passed, result.failed, result.skipped) == (1, 1, 1)
    assert result.failures[0].name == "test_a::test_bad"
    assert result.failures[0].reason == "AssertionError: nope"
