"""Pytest fixtures for conversation tests (registered through the `pytest11` entry point).

Fixtures: `clock` (a FakeClock), `database_url` (SQLite and PostgreSQL, as a parameter
when a test asks for `any_database_url`), `harness` (a started emulator with a bot
account; call `await harness.start_app()`), and `bot_app` (harness with the app started).
Markers: `@pytest.mark.lucien(admin_ids=[...], plugins=[...], redis=True, limits="on")`.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from lucien.core.clock import FakeClock
from lucien.core.testing.databases import temporary_database

REDIS_TEST_URL = os.environ.get("LUCIEN_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "lucien(**options): options for the bot harness")


def _options(request: pytest.FixtureRequest) -> dict[str, Any]:
    marker = request.node.get_closest_marker("lucien")
    return dict(marker.kwargs) if marker else {}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def _db_kinds() -> list[str]:
    # LUCIEN_TEST_DB narrows the backends (diagnostics runs suites on SQLite only, never
    # near production); the tests are then not generated rather than skipped.
    forced = os.environ.get("LUCIEN_TEST_DB")
    return [forced] if forced in ("sqlite", "postgres") else ["sqlite", "postgres"]


@pytest.fixture(params=_db_kinds())
def db_kind(request: pytest.FixtureRequest) -> str:
    """Both backends: a test using it runs once on SQLite and once on PostgreSQL."""
    return str(request.param)


@pytest.fixture
async def database_url(db_kind: str, tmp_path: Path) -> AsyncIterator[str]:
    async with temporary_database(db_kind, tmp_path) as url:
        yield url


@pytest.fixture
async def harness(
    request: pytest.FixtureRequest, database_url: str, clock: FakeClock
) -> AsyncIterator[Any]:
    from lucien.core.testing.harness import BotHarness

    options = _options(request)
    redis = options.pop("redis", False)
    h = BotHarness(
        database_url=database_url,
        clock=clock,
        redis_url=REDIS_TEST_URL if redis else None,
        **options,
    )
    async with h:
        yield h


@pytest.fixture
async def bot_app(harness: Any) -> Any:
    await harness.start_app()
    return harness
