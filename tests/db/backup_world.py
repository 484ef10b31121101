"""A seeded world for the backup tests: real conversations and service calls where they
are quick, then every table still empty filled with generated rows of awkward values
(64-bit ids, non-BMP text, microsecond UTC times, JSON null beside SQL NULL), so that
every table of every enabled plugin carries rows into the drill."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String, Table, func, insert, null, select
from sqlalchemy.types import TypeDecorator

from lucien.core.backup.schema import in_dependency_order, known_tables
from lucien.core.db.models import PluginSetting, User
from lucien.plugins.free.tests.helpers import seed_requests
from lucien.plugins.vip.tests.test_vip_stats import seed_world as seed_vip

BIG = 2**62 + 11
START = datetime(2026, 1, 1, 12, 0, 0, 123456, tzinfo=UTC)


def _base(type_: Any) -> Any:
    while isinstance(type_, TypeDecorator):
        type_ = type_.impl_instance
    return type_


def _value(table: Table, column: Any, i: int, parents: dict[str, list[Any]]) -> Any:
    """Row `i`'s value for `column`: a parent's key for a foreign key, else by type."""
    for fk in column.foreign_keys:
        keys = parents.get(fk.column.table.name) or [None]
        return keys[i % len(keys)]
    base = _base(column.type)
    if column.nullable and i == 2 and not column.primary_key:
        return None
    if isinstance(base, Boolean):
        return i % 2 == 0
    if isinstance(base, Integer):
        big = base.__class__.__name__ == "BigInteger"
        return (BIG - i if big else 2_000_000_000 - i) if column.primary_key else i * 7
    if isinstance(base, JSON):
        return [{"n": i, "text": "ñandú 🦄", "nested": [None, 1.5, True]}, JSON.NULL, "x"][i % 3]
    if isinstance(base, String):
        text = f"{table.name[:6]}-{column.name[:6]}-{i}-ñ🦄"
        return text[: base.length] if base.length else text
    if base.__class__.__name__ in ("DateTime", "DATETIME"):
        return START + timedelta(days=i, seconds=i * 37)
    raise AssertionError(f"no generator for {table.name}.{column.name} ({column.type!r})")


async def fill_empty_tables(ctx: Any, rows: int = 3) -> list[str]:
    """Generated rows in every known table that has none; the tables filled."""
    tables = known_tables(ctx.registry)
    filled: list[str] = []
    async with ctx.db.session() as s:
        names = await s.run_sync(
            lambda sync: sync.connection().dialect.get_table_names(sync.connection())
        )
        present = in_dependency_order([t for n, t in tables.items() if n in names])
        parents: dict[str, list[Any]] = {}
        for table in present:
            count = await s.scalar(select(func.count()).select_from(table))
            if not count:
                values = [
                    {c.name: _value(table, c, i, parents) for c in table.c} for i in range(rows)
                ]
                await s.execute(insert(table), values)
                filled.append(table.name)
            pk = list(table.primary_key.columns)
            if len(pk) == 1:
                parents[table.name] = list(await s.scalars(select(pk[0])))
    return filled


async def seed(harness: Any) -> list[str]:
    """The world: people talking to the bot, VIP plans/tokens/subscriptions, join requests,
    edge values in the core's tables, then generated rows wherever still empty."""
    ana = harness.user("Ana", language_code="es")
    zoe = harness.user("Zoë 👑 Ωμέγα", language_code="en")
    await ana.send("/start")
    await zoe.send("/start")
    # Their user rows are written in the background after each update: wait for them,
    # or a checksum taken now and the dump's could see different rows.
    await harness.ctx.users.drain()
    await seed_vip(harness)
    now = harness.clock.now()
    await seed_requests(
        harness,
        [
            {"chat_id": -100123, "user_id": ana.id, "requested_at": now, "due_at": now},
            {"chat_id": -100123, "user_id": BIG, "requested_at": now, "due_at": now},
        ],
    )
    async with harness.ctx.db.session() as s:
        await s.execute(
            insert(User),
            [{"id": BIG, "username": "ñandú_🦄", "first_name": "中文名字", "first_seen": START,
              "last_seen": START, "blocked_bot": True}],
        )  # fmt: skip
        await s.execute(
            insert(PluginSetting),
            [
                {"plugin": "zz", "key": "json_null", "value": JSON.NULL, "updated_at": START},
                {"plugin": "zz", "key": "deep", "value": {"€": [1, 2.5, "ü", {"a": None}]},
                 "updated_at": START},
            ],
        )  # fmt: skip
        # SQL NULL (a bare None would be written as JSON null by the JSON type)
        await s.execute(
            insert(PluginSetting).values(
                plugin="zz", key="sql_null", value=null(), updated_at=START
            )
        )
    await harness.ctx.users.drain()
    return await fill_empty_tables(harness.ctx)
