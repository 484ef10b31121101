"""Every column type a plugin may use survives a backup: written by `encoder`, read back
by `decoder`, into a real table on SQLite and PostgreSQL, with equal checksums."""

from __future__ import annotations

import enum
import gzip
import json
import uuid
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Enum,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    Time,
    Uuid,
    insert,
    null,
)
from sqlalchemy.pool import NullPool

from lucien.core.backup.dump import read_table
from lucien.core.backup.format import BackupError, decoder, encoder, row_text
from lucien.core.db.engine import create_engine
from lucien.core.db.types import BigIntId, UTCDateTime
from lucien.core.settings import normalize_database_url
from lucien.core.testing.databases import temporary_database


class Mood(enum.Enum):
    calm = "c"
    stormy = "s"


def make(name: str, metadata: MetaData) -> Table:
    return Table(
        name,
        metadata,
        Column("id", BigIntId, primary_key=True, autoincrement=False),
        Column("big", BigInteger),
        Column("small", Integer),
        Column("flag", Boolean),
        Column("price", Numeric(12, 4)),
        Column("ratio", Float),
        Column("at", UTCDateTime),
        Column("naive", DateTime()),
        Column("day", Date),
        Column("clock", Time),
        Column("blob", LargeBinary),
        Column("uid", Uuid),
        Column("mood", Enum(Mood)),
        Column("doc", JSON, nullable=True),
        Column("name", String(40)),
        Column("body", Text),
    )


ROWS = [
    {
        "id": 2**63 - 1,
        "big": -(2**63),
        "small": -(2**31),
        "flag": True,
        "price": Decimal("12345678.9001"),
        "ratio": 0.1 + 0.2,
        "at": datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=-5))),
        "naive": datetime(1999, 12, 31, 23, 59, 59),
        "day": date(2038, 1, 19),
        "clock": time(3, 14, 7, 500),
        "blob": bytes(range(256)),
        "uid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "mood": Mood.stormy,
        "doc": {"b": [1, 2.5, None, True], "a": "ü🦄", "nested": {"z": None}},
        "name": "Zoë 👑 Ωμέγα",
        "body": 'line\nbreak\ttab \\ backslash "quote"',
    },
    {"id": 1, "flag": False, "doc": JSON.NULL, "price": Decimal("0"), "ratio": -0.0},
    {"id": 2, "doc": null()},
]


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
async def test_every_type_round_trips(kind: str, tmp_path: Path) -> None:
    metadata = MetaData()
    source, copy = make("source_values", metadata), make("copy_values", metadata)
    async with temporary_database(kind, tmp_path) as url:
        engine = create_engine(normalize_database_url(url), poolclass=NullPool)
        try:
            async with engine.begin() as conn:
                await conn.run_sync(metadata.create_all)
                for row in ROWS:  # one by one: null() is an expression, not a value
                    await conn.execute(insert(source).values(**row))
            columns = [c.name for c in source.c]
            async with engine.begin() as conn:
                written = await read_table(conn, source, columns, tmp_path / "t.jsonl.gz")

            with gzip.open(tmp_path / "t.jsonl.gz", "rt", encoding="utf-8") as lines:
                encoded = [json.loads(line) for line in lines]
            decoders = [decoder(source.c[name].type) for name in columns]
            restored = [
                {
                    n: None if v is None else d(v)
                    for n, v, d in zip(columns, values, decoders, strict=True)
                }
                for values in encoded
            ]
            target = Table("copy_values", MetaData(), *[
                Column(c.name, JSON(none_as_null=True) if isinstance(c.type, JSON) else c.type)
                for c in copy.c
            ])  # fmt: skip
            async with engine.begin() as conn:
                await conn.execute(insert(target), restored)
                again = await read_table(conn, copy, columns, None)
        finally:
            await engine.dispose()
    assert written.rows == 3
    assert again.checksum == written.checksum
    by_id = {values[0]: dict(zip(columns, values, strict=True)) for values in encoded}
    first = by_id[2**63 - 1]
    assert first["at"] == "2024-03-01T04:59:59.999999+00:00"  # UTC, microseconds kept
    assert first["price"] == "12345678.9001" and first["mood"] == "stormy"
    assert first["doc"] == '{"a":"ü🦄","b":[1,2.5,null,true],"nested":{"z":null}}'
    assert by_id[1]["doc"] == "null" and by_id[2]["doc"] is None  # JSON null, SQL NULL
    assert row_text(["ü", 1]) == '["ü",1]'


def test_an_unknown_value_is_refused_by_name() -> None:
    with pytest.raises(BackupError, match="cannot write a object value"):
        encoder(String())(object())
    assert encoder(UTCDateTime())(datetime(2026, 1, 1, tzinfo=UTC)) == "2026-01-01T00:00:00+00:00"
