"""The engine and the unit of work.

One `Database` per process. Services open a unit of work with `async with db.session()`:
it commits when the block ends normally and rolls back when it raises, so no service
forgets either.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from lucien.core.settings import DatabaseTarget

SQLITE_BUSY_TIMEOUT_MS = 5000


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own transaction handling only BEGINs before DML, so DDL would autocommit
    # and a failed migration would leave half a schema. Turn it off and BEGIN ourselves
    # (the recipe from SQLAlchemy's SQLite dialect documentation).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        # WAL lets readers work while one writer writes; memory databases cannot use it.
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()


def _sqlite_on_begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN")


def create_engine(target: DatabaseTarget, *, echo: bool = False, **kwargs: Any) -> AsyncEngine:
    """An AsyncEngine configured for the target's backend (see module docstring)."""
    url = make_url(target.url)
    if target.is_sqlite:
        engine = create_async_engine(
            url,
            echo=echo,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, **target.connect_args},
            **kwargs,
        )
        event.listen(engine.sync_engine, "connect", _sqlite_on_connect)
        event.listen(engine.sync_engine, "begin", _sqlite_on_begin)
        return engine
    options: dict[str, Any] = {
        # Railway and friends drop idle connections; pre-ping replaces them transparently.
        "pool_pre_ping": True,
        "pool_size": 5,
        "max_overflow": 10,
        "pool_timeout": 30,
        # Recycle before typical proxy idle timeouts.
        "pool_recycle": 1800,
    }
    if "poolclass" in kwargs:
        # A NullPool (migrations, scripts) takes no sizing arguments.
        options = {"pool_pre_ping": True}
    options.update(kwargs)
    return create_async_engine(url, echo=echo, connect_args=dict(target.connect_args), **options)


class Database:
    """The process's engine and session factory."""

    def __init__(self, target: DatabaseTarget, *, echo: bool = False) -> None:
        self.target = target
        self.engine: AsyncEngine = create_engine(target, echo=echo)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_postgres(self) -> bool:
        return self.target.is_postgres

    @property
    def is_sqlite(self) -> bool:
        return self.target.is_sqlite

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A unit of work: commits on success, rolls back on error."""
        async with self.sessionmaker() as session:
            try:
                yield session
            except BaseException:
                await session.rollback()
                raise
            else:
                await session.commit()

    async def ping(self) -> float:
        """Round-trip a `SELECT 1`; returns the latency in seconds."""
        started = time.perf_counter()
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return time.perf_counter() - started

    async def dispose(self) -> None:
        """Close every pooled connection (at shutdown)."""
        await self.engine.dispose()
