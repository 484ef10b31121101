"""Pytest fixtures for conversation tests (registered through the `pytest11` entry point).

Fixtures: `clock` (a FakeClock), `db_kind` and `database_url` (every test using them runs
once on SQLite and once on PostgreSQL), `harness` (a started emulator with a bot account;
call `await harness.start_app()`), and `bot_app` (harness with the app started).
Markers: `@pytest.mark.lucien(admin_ids=[...], plugins=[...], redis=True, limits="on")`.

The async fixtures are pytest-asyncio's, so they work in its strict mode too: a
third-party plugin's repository runs its suite with plain `pytest` (its async tests
marked `@pytest.mark.asyncio`, or `asyncio_mode = auto` in its configuration).

Servers: the PostgreSQL variant uses `LUCIEN_TEST_PG_URL` (default: the local server) and
`redis=True` uses `LUCIEN_TEST_REDIS_URL` (default: the local server). When the variable
is unset and the default server is absent, the test is skipped with that reason; when
the variable is set, or `CI` is, an unreachable server is an error. `LUCIEN_TEST_DB=sqlite`
(the runner behind `/run_tests` and `lucien test`) runs SQLite only.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from lucien.core.clock import FakeClock
from lucien.core.testing.databases import (
    PG_URL_VAR,
    REDIS_URL_VAR,
    pg_admin_url,
    redis_test_url,
    service_problem,
    temporary_database,
)

SQLITE_ONLY = "sqlite"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "lucien(**options): options for the bot harness")


def _options(request: pytest.FixtureRequest) -> dict[str, Any]:
    marker = request.node.get_closest_marker("lucien")
    return dict(marker.kwargs) if marker else {}


def _require(service: str, url: str, variable: str) -> None:
    """Skip or fail the test when its server is missing (see `service_problem`)."""
    problem = service_problem(service, url, variable)
    if problem is None:
        return
    if problem.skip:
        pytest.skip(problem.reason)
    pytest.fail(problem.reason, pytrace=False)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def _db_kinds() -> list[str]:
    # LUCIEN_TEST_DB narrows the backends (diagnostics runs suites on SQLite only, never
    # near production); the tests are then not generated rather than skipped.
    forced = os.environ.get("LUCIEN_TEST_DB")
    return [forced] if forced in (SQLITE_ONLY, "postgres") else [SQLITE_ONLY, "postgres"]


@pytest.fixture(params=_db_kinds())
def db_kind(request: pytest.FixtureRequest) -> str:
    """Both backends: a test using it runs once on SQLite and once on PostgreSQL."""
    return str(request.param)


@pytest_asyncio.fixture
async def database_url(db_kind: str, tmp_path: Path) -> AsyncIterator[str]:
    """A throwaway database of `db_kind`, dropped after the test."""
    if db_kind == "postgres":
        if os.environ.get("LUCIEN_TEST_DB") == SQLITE_ONLY:
            # A test pinned to PostgreSQL (a race SQLite would serialise) in a run that
            # was asked for SQLite only: CI's full run covers it.
            pytest.skip("PostgreSQL-only test in a SQLite-only run (LUCIEN_TEST_DB=sqlite)")
        _require("PostgreSQL", pg_admin_url(), PG_URL_VAR)
    async with temporary_database(db_kind, tmp_path) as url:
        yield url


@pytest_asyncio.fixture
async def harness(
    request: pytest.FixtureRequest, database_url: str, clock: FakeClock
) -> AsyncIterator[Any]:
    """The emulator with a bot account and no app yet (`await harness.start_app()`)."""
    from lucien.core.testing.harness import BotHarness

    options = _options(request)
    redis = options.pop("redis", False)
    if redis:
        _require("Redis", redis_test_url(), REDIS_URL_VAR)
    h = BotHarness(
        database_url=database_url,
        clock=clock,
        redis_url=redis_test_url() if redis else None,
        **options,
    )
    async with h:
        yield h


@pytest_asyncio.fixture
async def bot_app(harness: Any) -> Any:
    """The harness with one app started."""
    await harness.start_app()
    return harness
