"""Engine settings, the unit of work and the column types, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from conftest import make_settings
from sqlalchemy import select, text
from sqlalchemy.exc import StatementError

from lucien.core.db import Database, migrate
from lucien.core.db.models import PluginSetting, PluginSettingChange, User


async def _migrated(url: str) -> Database:
    settings = make_settings(url)
    await migrate.upgrade_all(settings, None)
    return Database(settings.database)


async def test_sqlite_pragmas(tmp_path) -> None:
    db = Database(make_settings(f"sqlite+aiosqlite:///{tmp_path / 'p.db'}").database)
    try:
        async with db.engine.connect() as conn:
            assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
            assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
            assert (await conn.execute(text("PRAGMA busy_timeout"))).scalar() == 5000
        assert db.is_sqlite and not db.is_postgres
        assert 0 <= await db.ping() < 1
    finally:
        await db.dispose()


async def test_postgres_pool(pg_database: str) -> None:
    db = Database(make_settings(pg_database).database)
    try:
        assert db.is_postgres
        assert db.engine.pool._pre_ping
        assert db.engine.pool.size() == 5
        assert 0 <= await db.ping() < 1
    finally:
        await db.dispose()


async def test_types_and_unit_of_work(db_url: str) -> None:
    db = await _migrated(db_url)
    paris = timezone(timedelta(hours=2))
    try:
        async with db.session() as s:
            s.add(
                User(id=2**40, username="🦄", first_seen=datetime(2026, 5, 1, 14, 0, tzinfo=paris))
            )
        async with db.session() as s:
            user = await s.get(User, 2**40)
            # Aware UTC back on both backends, whatever zone went in.
            assert user.first_seen == datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
            assert user.first_seen.tzinfo is not None and user.first_seen.utcoffset() == timedelta(
                0
            )
            assert user.last_seen.tzinfo is not None  # server default, still aware
            assert user.blocked_bot is False
        # Errors roll the unit of work back.
        with pytest.raises(RuntimeError):
            async with db.session() as s:
                s.add(User(id=7))
                await s.flush()
                raise RuntimeError("boom")
        async with db.session() as s:
            assert await s.get(User, 7) is None
        # Naive datetimes are refused.
        with pytest.raises(StatementError, match="naive"):
            async with db.session() as s:
                s.add(User(id=8, first_seen=datetime(2026, 1, 1)))
        # Autoincrement ids and optimistic versions.
        async with db.session() as s:
            setting = PluginSetting(plugin="vip", key="price", value={"eur": 5}, updated_by=2**40)
            s.add(setting)
            s.add(PluginSettingChange(plugin="vip", key="price", new_value={"eur": 5}, version=1))
        async with db.session() as s:
            setting = (await s.execute(select(PluginSetting))).scalar_one()
            assert setting.version == 1 and setting.id >= 1
            setting.value = {"eur": 6}
        async with db.session() as s:
            assert (await s.execute(select(PluginSetting.version))).scalar_one() == 2
    finally:
        await db.dispose()
