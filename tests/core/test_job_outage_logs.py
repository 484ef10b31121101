"""A job failing every tick during an outage (PostgreSQL down) logs one warning when the
dependency goes, one line when it comes back with the count, and no traceback between."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from lucien.core.plugin import Job
from lucien.core.runner import BotApplication
from lucien.core.settings import Settings


def application() -> BotApplication:
    return BotApplication(Settings(_env_file=None, bot_token=None))  # type: ignore[call-arg]


def outage_job(app: BotApplication, failures: int, then: int = 3) -> Job:
    """Raises `failures` times like asyncpg behind SQLAlchemy, then succeeds `then`
    times and stops the loop."""
    ticks = {"n": 0}

    async def run(_ctx: Any) -> None:
        ticks["n"] += 1
        if ticks["n"] <= failures:
            raise OperationalError(
                "SELECT 1\n[SQL: SELECT 1]",
                None,
                ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)"),
            )
        if ticks["n"] >= failures + then:
            app._stopping = True

    return Job("free.approvals", run, 0)


def lines(caplog: pytest.LogCaptureFixture, level: int) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "lucien" and r.levelno == level]


async def test_an_outage_logs_one_warning_and_one_recovery_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = application()
    caplog.set_level(logging.INFO, logger="lucien")
    await app._job_loop(outage_job(app, failures=5))

    warnings = lines(caplog, logging.WARNING) + lines(caplog, logging.ERROR)
    assert len(warnings) == 1
    warning = warnings[0]
    assert "free.approvals" in warning.getMessage()
    assert "OperationalError" in warning.getMessage() and "\n" not in warning.getMessage()
    assert warning.exc_info is None and warning.exc_text is None  # no traceback

    recovered = [r for r in lines(caplog, logging.INFO) if "recovered" in r.getMessage()]
    assert [r.getMessage() for r in recovered] == [
        "job free.approvals recovered after 5 failed runs"
    ]
    assert all(r.exc_info is None for r in caplog.records if r.levelno >= logging.INFO)


async def test_the_traceback_is_kept_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    app = application()
    caplog.set_level(logging.DEBUG, logger="lucien")
    await app._job_loop(outage_job(app, failures=2))
    debug = [r for r in lines(caplog, logging.DEBUG) if r.exc_info is not None]
    assert len(debug) == 2 and debug[0].exc_info[0] is OperationalError  # type: ignore[index]


async def test_a_healthy_job_logs_nothing_and_each_outage_is_reported(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = application()
    caplog.set_level(logging.INFO, logger="lucien")
    await app._job_loop(outage_job(app, failures=0))
    assert caplog.records == []

    app._stopping = False
    await app._job_loop(outage_job(app, failures=1))
    app._stopping = False
    await app._job_loop(outage_job(app, failures=3))
    assert len(lines(caplog, logging.WARNING)) == 2
    assert [r.getMessage() for r in lines(caplog, logging.INFO)] == [
        "job free.approvals recovered after 1 failed runs",
        "job free.approvals recovered after 3 failed runs",
    ]
