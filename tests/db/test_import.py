"""import-sqlite: a generated SQLite file with edge values into a fresh PostgreSQL."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import lucien_test_alpha
import pytest
from conftest import make_registry, make_settings
from sqlalchemy import select, text

from lucien.core.db import Database, migrate
from lucien.core.db.importer import ImportFailed, import_sqlite
from lucien.core.db.models import PluginSettingChange, User

BIG = 2**40 + 7
HUGE = 2**62 + 1


def _fill(path: Path, bad: bool = False) -> None:
    """Raw rows, written the way SQLite holds them (0/1, naive text datetimes, JSON text)."""
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            "INSERT INTO users (id, username, first_name, language_code, first_seen, last_seen,"
            " blocked_bot) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    BIG,
                    "ñandú_🦄",
                    "Zoë 👑 Ωμέγα",
                    "es",
                    "2024-02-29 23:59:59.123456",
                    "2024-03-01 00:00:00.000000",
                    1,
                ),
                (5, None, None, None, "2020-01-01 00:00:00", "2020-01-01T12:30:00", 0),
                (
                    HUGE,
                    "x" * 64,
                    "中文名字",
                    "zh-hans",
                    "1999-12-31 23:59:59",
                    "2038-01-19 03:14:08",
                    7 if bad else 0,
                ),
            ],
        )
        conn.executemany(
            "INSERT INTO plugin_settings (id, plugin, key, value, version, updated_by, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    3,
                    "vip",
                    "price",
                    '{"amount": 9.99, "currency": "€", "tags": ["a", "ü"]}',
                    2,
                    BIG,
                    "2025-01-01 00:00:00.000000",
                ),
                (9, "free", "wait", None, 1, None, "2025-06-30 10:00:00"),
            ],
        )
        conn.executemany(
            "INSERT INTO plugin_setting_changes (id, plugin, key, old_value, new_value, version,"
            " changed_by, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    i,
                    "vip",
                    "price",
                    None if i == 1 else "1",
                    str(i),
                    i,
                    BIG,
                    f"2025-01-0{i} 08:00:00",
                )
                for i in range(1, 6)
            ],
        )
        conn.executemany(
            "INSERT INTO alpha_items (id, user_id, name, active, created_at, data, note)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (2**33, BIG, "🎉 fiesta", 0, None, '[1, 2, {"a": null}]', None),
                (1, None, "plain", 1, "2024-05-05 05:05:05.5", "null", "n"),
            ],
        )
    conn.close()


async def _source(tmp_path: Path, bad: bool = False) -> Path:
    path = tmp_path / "source.db"
    settings = make_settings(f"sqlite+aiosqlite:///{path}")
    await migrate.upgrade_all(
        settings, make_registry(settings, {"alpha": lucien_test_alpha.make()})
    )
    _fill(path, bad)
    return path


async def _tables(url: str) -> set[str]:
    db = Database(make_settings(url).database)
    try:
        async with db.session() as s:
            rows = await s.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            )
            return {r[0] for r in rows}
    finally:
        await db.dispose()


async def test_import_copies_edge_values_and_checksums_match(
    tmp_path: Path, pg_database: str
) -> None:
    source = await _source(tmp_path)
    settings = make_settings(pg_database)
    registry = make_registry(settings, {"alpha": lucien_test_alpha.make()})

    report = await import_sqlite(settings, registry, source)
    counts = {t.table: (t.rows_read, t.rows_written) for t in report.tables}
    assert counts["users"] == (3, 3)
    assert counts["plugin_setting_changes"] == (5, 5)
    assert counts["alpha_items"] == (2, 2)
    assert all(t.matches and t.source_checksum for t in report.tables)
    assert "users" in report.format()

    db = Database(settings.database)
    try:
        async with db.session() as s:
            big = await s.get(User, BIG)
            assert big.username == "ñandú_🦄" and big.first_name == "Zoë 👑 Ωμέγα"
            assert big.blocked_bot is True
            assert big.first_seen == datetime(2024, 2, 29, 23, 59, 59, 123456, tzinfo=UTC)
            empty = await s.get(User, 5)
            assert empty.username is None and empty.blocked_bot is False
            assert (await s.get(User, HUGE)).first_name == "中文名字"
            value = (
                await s.execute(text("SELECT value FROM plugin_settings WHERE id = 3"))
            ).scalar()
            assert value == {"amount": 9.99, "currency": "€", "tags": ["a", "ü"]}
            null = await s.execute(text("SELECT value IS NULL FROM plugin_settings WHERE id = 9"))
            assert null.scalar() is True

        # A second run changes nothing.
        again = await import_sqlite(settings, registry, source)
        assert again.noop
        assert all(t.rows_written == 0 and t.matches for t in again.tables)

        # Sequences were reset past the kept ids.
        async with db.session() as s:
            s.add(PluginSettingChange(plugin="vip", key="k", version=1))
        async with db.session() as s:
            ids = (await s.execute(select(PluginSettingChange.id))).scalars().all()
            assert max(ids) == 6
    finally:
        await db.dispose()


async def test_dry_run_writes_nothing(tmp_path: Path, pg_database: str) -> None:
    source = await _source(tmp_path)
    settings = make_settings(pg_database)
    registry = make_registry(settings, {"alpha": lucien_test_alpha.make()})
    report = await import_sqlite(settings, registry, source, dry_run=True)
    assert report.dry_run and all(t.matches for t in report.tables)
    assert {t.table: t.rows_read for t in report.tables}["users"] == 3
    assert await _tables(pg_database) == set()  # not even the migrations stayed


async def test_bad_row_stops_and_rolls_back(tmp_path: Path, pg_database: str) -> None:
    source = await _source(tmp_path, bad=True)
    settings = make_settings(pg_database)
    registry = make_registry(settings, {"alpha": lucien_test_alpha.make()})
    with pytest.raises(ImportFailed) as info:
        await import_sqlite(settings, registry, source)
    assert info.value.table == "users"
    assert info.value.key == {"id": HUGE}
    assert "blocked_bot" in info.value.reason and "boolean" in info.value.reason
    assert await _tables(pg_database) == set()


async def test_non_empty_target_needs_truncate(tmp_path: Path, pg_database: str) -> None:
    source = await _source(tmp_path)
    settings = make_settings(pg_database)
    registry = make_registry(settings, {"alpha": lucien_test_alpha.make()})
    await migrate.upgrade_all(settings, registry)
    db = Database(settings.database)
    try:
        async with db.session() as s:
            s.add(User(id=42, username="someone"))
    finally:
        await db.dispose()
    with pytest.raises(ImportFailed, match="not empty"):
        await import_sqlite(settings, registry, source)
    report = await import_sqlite(settings, registry, source, truncate=True)
    assert report.truncated and all(t.matches for t in report.tables)
    assert (await import_sqlite(settings, registry, source)).noop


async def test_sqlite_target_is_refused(tmp_path: Path) -> None:
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path / 't.db'}")
    with pytest.raises(ImportFailed, match="PostgreSQL"):
        await import_sqlite(settings, None, tmp_path / "nothing.db")
