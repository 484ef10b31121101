"""Fixtures for the data layer: real SQLite files and real, throwaway PostgreSQL databases.

Each PostgreSQL test gets a fresh database named `lucien_t_<random>`, created through the
`postgres` maintenance database and dropped afterwards, so parallel runs never collide.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import asyncpg
import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
for path in (str(ROOT), str(FIXTURES)):
    if path not in sys.path:
        sys.path.insert(0, path)

from lucien.core.plugins import PluginRegistry  # noqa: E402
from lucien.core.settings import Settings, load_settings  # noqa: E402

PG_HOST = os.environ.get("LUCIEN_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("LUCIEN_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("LUCIEN_TEST_PG_USER", "postgres")


async def create_pg_database() -> str:
    """Create a fresh database; return its name."""
    name = f"lucien_t_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database="postgres")
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return name


async def drop_pg_database(name: str) -> None:
    conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database="postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def pg_url(name: str) -> str:
    return f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"


@pytest.fixture
async def pg_database() -> AsyncIterator[str]:
    """The URL of a fresh, empty PostgreSQL database (dropped after the test)."""
    name = await create_pg_database()
    try:
        yield pg_url(name)
    finally:
        await drop_pg_database(name)


@pytest.fixture(params=["sqlite", "postgres"])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh database of each backend."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        return
    name = await create_pg_database()
    try:
        yield pg_url(name)
    finally:
        await drop_pg_database(name)


def make_settings(url: str, **overrides: Any) -> Settings:
    return load_settings(sandbox=True, database_url=url, **overrides)


def make_registry(settings: Settings, plugins: dict[str, Any]) -> PluginRegistry:
    """A registry of test plugin objects, selected like discovered ones."""
    registry = PluginRegistry(settings)
    for name, obj in plugins.items():
        registry.add(name, obj)
    registry.select()
    return registry


@pytest.fixture
def registry_for() -> Callable[..., PluginRegistry]:
    """registry_for(url, {name: plugin}, disabled=[...]) -> PluginRegistry."""

    def build(
        url: str, plugins: dict[str, Any], disabled: list[str] | None = None
    ) -> PluginRegistry:
        settings = make_settings(url, lucien_disabled_plugins=disabled or [])
        return make_registry(settings, plugins)

    return build
