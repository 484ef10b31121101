"""Throwaway databases for tests: a SQLite file or a fresh PostgreSQL database.

PostgreSQL is used for real: each test database is created on the server named by
`LUCIEN_TEST_PG_URL` (default: the local server, user postgres) and dropped afterwards,
so parallel runs and the production database are never touched.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg

DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def pg_admin_url() -> str:
    return os.environ.get("LUCIEN_TEST_PG_URL", DEFAULT_PG_URL)


@asynccontextmanager
async def temporary_postgres() -> AsyncIterator[str]:
    """Create a uniquely named database; yield its URL; drop it."""
    admin = pg_admin_url()
    name = f"lucien_t_{secrets.token_hex(6)}"
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base = admin.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


@asynccontextmanager
async def temporary_database(kind: str, directory: Path) -> AsyncIterator[str]:
    """A database URL of `kind` ("sqlite" or "postgres") that disappears afterwards."""
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{directory / f'lucien-{secrets.token_hex(4)}.db'}"
    elif kind == "postgres":
        async with temporary_postgres() as url:
            yield url
    else:
        raise ValueError(f"unknown database kind {kind!r}")
