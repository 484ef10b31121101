"""Column types every table uses, so both backends store and return the same values.

* `BigIntId`: Telegram ids exceed 2^31, so they are BIGINT. On SQLite it is rendered as
  INTEGER (already 64-bit there) so that an integer primary key stays the rowid alias and
  autoincrements like PostgreSQL's identity columns.
* `UTCDateTime`: timezone-aware UTC in, timezone-aware UTC out. PostgreSQL stores
  `timestamptz`; SQLite has no time zones, so the value is stored as naive UTC text and the
  UTC zone is put back on the way out.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Dialect, Integer
from sqlalchemy.types import TypeDecorator, TypeEngine


class BigIntId(TypeDecorator[int]):
    """A 64-bit integer (Telegram user/chat ids, surrogate keys)."""

    impl = BigInteger
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        # SQLite only autoincrements a column declared exactly INTEGER PRIMARY KEY.
        if dialect.name == "sqlite":
            return dialect.type_descriptor(Integer())
        return dialect.type_descriptor(BigInteger())


class UTCDateTime(TypeDecorator[datetime]):
    """A point in time, always timezone-aware UTC in Python.

    Naive datetimes are refused on write: they are almost always `datetime.utcnow()` or
    local time by mistake, and guessing would silently shift data.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"UTCDateTime expects a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: use an aware UTC datetime")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            # Stored as naive UTC text; one format keeps string ordering == time ordering.
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # a raw value that bypassed the SQLite type processor
            value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
