"""The engine and the unit of work.

One `Database` per process. Services open a unit of work with `async with db.session()`:
it commits when the block ends normally and rolls back when it raises, so no service
forgets either.

Sessions write by default; `db.session(readonly=True)` is for blocks that only read.
On PostgreSQL both are the same transaction. On SQLite they differ (see `_sqlite_on_begin`):
a write session takes the database's single write lock at BEGIN (`BEGIN IMMEDIATE`), so a
session that reads then writes waits its turn instead of failing with "database is
locked"; a read-only session stays deferred, reads beside the writer (WAL), and is
refused any write (`PRAGMA query_only`), so a mislabelled session fails in tests.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from lucien.core.settings import DatabaseTarget

SQLITE_BUSY_TIMEOUT_MS = 5000
# Execution option marking a connection's transactions read-only (deferred BEGIN, no
# writes) on SQLite; PostgreSQL ignores it.
READONLY = "lucien_readonly"


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


def _sqlite_on_begin(conn: Connection) -> None:
    # A deferred transaction that has read cannot become a writer once another connection
    # committed after its read: SQLite answers SQLITE_BUSY at once, the busy timeout does
    # not apply. Writers therefore take the write lock up front (waiting up to the busy
    # timeout for it); readers stay deferred so they never wait for a writer.
    readonly = bool(conn.get_execution_options().get(READONLY))
    # query_only lives on the pooled connection: switch it only when the kind changes.
    if conn.info.get(READONLY, False) != readonly:
        conn.exec_driver_sql(f"PRAGMA query_only = {'ON' if readonly else 'OFF'}")
        conn.info[READONLY] = readonly
    conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


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


def readonly(engine: AsyncEngine) -> AsyncEngine:
    """The same engine and pool, whose transactions only read (deferred on SQLite)."""
    return engine.execution_options(**{READONLY: True})


# The write sessions open in this context, with the task that opened each: on SQLite a
# write session opened inside another one of the same task would wait for itself.
_open_writes: ContextVar[tuple[tuple[asyncio.Task[Any] | None, AsyncSession], ...]] = ContextVar(
    "lucien_open_writes", default=()
)


class Database:
    """The process's engine and session factories."""

    def __init__(self, target: DatabaseTarget, *, echo: bool = False) -> None:
        self.target = target
        self.engine: AsyncEngine = create_engine(target, echo=echo)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        self.readonly_sessionmaker = async_sessionmaker(
            readonly(self.engine), expire_on_commit=False
        )
        # Called after each committed write session: the runner notes it as an effect of
        # the update being handled (`lucien.core.effects`), which then is not retried.
        self.after_commit: Callable[[], None] | None = None

    @property
    def is_postgres(self) -> bool:
        return self.target.is_postgres

    @property
    def is_sqlite(self) -> bool:
        return self.target.is_sqlite

    @asynccontextmanager
    async def session(self, *, readonly: bool = False) -> AsyncIterator[AsyncSession]:
        """A unit of work: commits on success, rolls back on error.

        `readonly=True` for a block that only reads: on SQLite it does not queue behind
        writers, and any write in it fails ("attempt to write a readonly database").
        """
        if readonly:
            async with self.readonly_sessionmaker() as session:
                async with _unit_of_work(session):
                    yield session
            return
        task = asyncio.current_task()
        if self.is_sqlite:
            self._refuse_nested_write(task)
        async with self.sessionmaker() as session:
            token = _open_writes.set((*_open_writes.get(), (task, session)))
            try:
                async with _unit_of_work(session):
                    yield session
            finally:
                _open_writes.reset(token)
            if self.after_commit is not None:
                self.after_commit()

    def _refuse_nested_write(self, task: asyncio.Task[Any] | None) -> None:
        # Fail now with the reason rather than after the busy timeout with "locked".
        for owner, outer in _open_writes.get():
            if owner is task and outer.bind is self.engine and outer.in_transaction():
                raise RuntimeError(
                    "nested write session on SQLite: the outer session of this task holds "
                    "the write lock, so the inner one would wait for it until the busy "
                    "timeout. Use the outer session, open the inner one after the outer "
                    "block, or mark a session that only reads readonly=True."
                )

    async def ping(self) -> float:
        """Round-trip a `SELECT 1`; returns the latency in seconds."""
        started = time.perf_counter()
        async with readonly(self.engine).connect() as conn:
            await conn.execute(text("SELECT 1"))
        return time.perf_counter() - started

    async def dispose(self) -> None:
        """Close every pooled connection (at shutdown)."""
        await self.engine.dispose()


@asynccontextmanager
async def _unit_of_work(session: AsyncSession) -> AsyncIterator[None]:
    try:
        yield
    except BaseException:
        await session.rollback()
        raise
    else:
        await session.commit()
