"""SQLite under concurrency: read-then-write sessions never see "database is locked".

A deferred SQLite transaction that reads and then writes cannot upgrade to a writer once
another connection committed after its read (SQLITE_BUSY at once, whatever the busy
timeout). Write sessions therefore BEGIN IMMEDIATE; read-only sessions stay deferred.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from conftest import make_settings
from sqlalchemy import Column, Integer, MetaData, String, Table, select, text, update
from sqlalchemy.exc import OperationalError

from lucien.core.db import Database

metadata = MetaData()
counters = Table(
    "counters",
    metadata,
    Column("name", String(20), primary_key=True),
    Column("value", Integer, nullable=False),
)
SESSIONS = 20


async def _database(path: Path) -> Database:
    db = Database(make_settings(f"sqlite+aiosqlite:///{path}").database)
    async with db.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        await conn.execute(counters.insert().values(name="hits", value=0))
    return db


async def _read_then_write(db: Database) -> None:
    async with db.session() as s:
        value = await s.scalar(select(counters.c.value).where(counters.c.name == "hits"))
        # Let the other sessions run between the read and the write, as real code does
        # when it awaits anything in between.
        await asyncio.sleep(0)
        await s.execute(
            update(counters).where(counters.c.name == "hits").values(value=(value or 0) + 1)
        )


@pytest.mark.parametrize("run", range(3))
async def test_concurrent_read_then_write_sessions(tmp_path: Path, run: int) -> None:
    db = await _database(tmp_path / f"c{run}.db")
    try:
        results = await asyncio.gather(
            *(_read_then_write(db) for _ in range(SESSIONS)), return_exceptions=True
        )
        errors = [r for r in results if isinstance(r, BaseException)]
        assert errors == []
        async with db.session(readonly=True) as s:
            # No update lost either: each session read the value the previous one wrote.
            assert await s.scalar(select(counters.c.value)) == SESSIONS
    finally:
        await db.dispose()


async def test_readonly_session_reads_beside_a_writer_and_cannot_write(tmp_path: Path) -> None:
    db = await _database(tmp_path / "r.db")
    try:
        async with db.session() as writer:
            await writer.execute(update(counters).values(value=5))
            # WAL: a reader is not blocked by the open write transaction and sees the
            # last committed value.
            async with db.session(readonly=True) as reader:
                assert await reader.scalar(select(counters.c.value)) == 0
        async with db.session(readonly=True) as reader:
            assert await reader.scalar(select(counters.c.value)) == 5
        with pytest.raises(OperationalError, match="readonly"):
            async with db.session(readonly=True) as reader:
                await reader.execute(update(counters).values(value=6))
        # The connection went back to the pool writable again.
        async with db.session() as writer:
            await writer.execute(update(counters).values(value=7))
        async with db.engine.connect() as conn:
            assert (await conn.execute(text("PRAGMA query_only"))).scalar() == 0
            assert (await conn.execute(select(counters.c.value))).scalar() == 7
    finally:
        await db.dispose()


async def test_nested_write_session_is_refused_at_once(tmp_path: Path) -> None:
    db = await _database(tmp_path / "n.db")
    try:
        with pytest.raises(RuntimeError, match="nested write session"):
            async with db.session() as outer:
                await outer.execute(update(counters).values(value=1))
                async with db.session() as inner:
                    await inner.execute(update(counters).values(value=2))
        async with db.session(readonly=True) as s:
            assert await s.scalar(select(counters.c.value)) == 0
    finally:
        await db.dispose()
