"""Throwaway databases for tests: a SQLite file or a fresh PostgreSQL database.

PostgreSQL is used for real: each test database is created on the server named by
`LUCIEN_TEST_PG_URL` (default: the local server, user postgres) and dropped afterwards,
so parallel runs and the production database are never touched.

`service_problem` says whether a server a test needs (PostgreSQL, Redis) can be reached,
and whether its absence is a skip or an error: the shipped fixtures use it so that a
plugin's suite runs with plain `pytest` on a laptop without PostgreSQL, yet never skips
in CI.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg

PG_URL_VAR = "LUCIEN_TEST_PG_URL"
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_URL_VAR = "LUCIEN_TEST_REDIS_URL"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
# How long a reachability probe waits: a local server answers in microseconds, and a
# missing one is refused at once; only a filtered port makes this wait.
PROBE_TIMEOUT = 2.0
_DEFAULT_PORTS = {"postgresql": 5432, "postgres": 5432, "redis": 6379, "rediss": 6379}


def pg_admin_url() -> str:
    return os.environ.get(PG_URL_VAR, DEFAULT_PG_URL)


def redis_test_url() -> str:
    return os.environ.get(REDIS_URL_VAR, DEFAULT_REDIS_URL)


def in_ci() -> bool:
    """True when the `CI` variable is set (CI services set it to `true` or `1`)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@lru_cache(maxsize=16)
def reachable(url: str) -> bool:
    """Whether something accepts TCP connections at the URL's host and port (cached)."""
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    port = parts.port or _DEFAULT_PORTS.get(parts.scheme.split("+")[0], 0)
    try:
        with socket.create_connection((host, port), timeout=PROBE_TIMEOUT):
            return True
    except OSError:
        return False


@dataclass(frozen=True)
class ServiceProblem:
    """Why a test cannot have its server: `skip` when nobody asked for it, else an error."""

    reason: str
    skip: bool


def service_problem(service: str, url: str, variable: str) -> ServiceProblem | None:
    """None when `url` answers; otherwise whether the test should skip or fail, and why.

    A skip only when nothing was configured: `variable` unset, the default local server
    absent, and not in CI. A configured server that does not answer, or any missing
    server in CI, is an error: a skip there would hide a missing service.
    """
    if reachable(url):
        return None
    where = urlsplit(url).netloc.rsplit("@", 1)[-1]  # host:port, never the credentials
    if in_ci():
        return ServiceProblem(f"{service} at {where} is unreachable and CI is set", skip=False)
    if variable in os.environ:
        return ServiceProblem(f"{service} at {where} ({variable}) is unreachable", skip=False)
    return ServiceProblem(
        f"{service} variant skipped: {variable} is not set and no server answers at "
        f"{where} (set {variable} to run it)",
        skip=True,
    )


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
