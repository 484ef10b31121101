"""The shared upsert, on both backends: insert, refresh, skip, and what it refuses."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from conftest import make_settings
from sqlalchemy import select

from lucien.core.db import Database, dialect_insert, migrate, upsert
from lucien.core.db.models import PluginSetting, User

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
T1 = datetime(2026, 5, 2, 12, 0, tzinfo=UTC)


async def test_upsert_updates_named_columns_or_does_nothing(db_url: str) -> None:
    settings = make_settings(db_url)
    await migrate.upgrade_all(settings, None)
    db = Database(settings.database)
    row = {"id": 42, "username": "ana", "first_name": "Ana", "first_seen": T0, "last_seen": T0}
    try:
        async with db.session() as s:
            assert (await s.execute(upsert(s, User, row, conflict=[User.id]))).rowcount == 1
        # DO NOTHING leaves the row alone and says so.
        async with db.session() as s:
            again = await s.execute(upsert(s, User, {**row, "username": "x"}, conflict=["id"]))
            assert again.rowcount == 0
        # DO UPDATE from the inserted values, for the columns named only.
        async with db.session() as s:
            await s.execute(
                upsert(
                    db,
                    User,
                    {**row, "username": "ana2", "first_seen": T1, "last_seen": T1},
                    conflict=[User.id],
                    update=["username", "last_seen"],
                )
            )
        async with db.session(readonly=True) as s:
            user = await s.get(User, 42)
            assert user is not None
            assert (user.username, user.first_seen, user.last_seen) == ("ana2", T0, T1)
        # Explicit values, several rows at once, a composite key.
        values = [
            {"plugin": "p", "key": k, "value": v, "version": 1, "updated_at": T0}
            for k, v in (("a", 1), ("b", 2))
        ]
        async with db.session() as s:
            await s.execute(upsert(s, PluginSetting, values, conflict=["plugin", "key"]))
            await s.execute(
                upsert(
                    s,
                    PluginSetting,
                    values[0],
                    conflict=["plugin", "key"],
                    update={"value": 10, "version": PluginSetting.version + 1},
                )
            )
        async with db.session(readonly=True) as s:
            rows = (
                await s.execute(
                    select(PluginSetting.key, PluginSetting.value, PluginSetting.version).order_by(
                        PluginSetting.key
                    )
                )
            ).all()
            assert [tuple(r) for r in rows] == [("a", 10, 2), ("b", 2, 1)]
    finally:
        await db.dispose()


def test_dialect_is_read_from_any_bind() -> None:
    assert type(dialect_insert("sqlite", User)).__module__.startswith("sqlalchemy.dialects.sqlite")
    pg = dialect_insert("postgresql", User)
    assert type(pg).__module__.startswith("sqlalchemy.dialects.postgresql")
    with pytest.raises(ValueError, match="mysql"):
        dialect_insert("mysql", User)
    with pytest.raises(ValueError, match="empty"):
        upsert("sqlite", User, {"id": 1}, conflict=["id"], update=[])
    with pytest.raises(TypeError):
        upsert(object(), User, {"id": 1}, conflict=["id"])
