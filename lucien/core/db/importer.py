"""`lucien import-sqlite`: copy a SQLite database (the laptop default) into PostgreSQL.

Everything happens in one PostgreSQL transaction, under the migration advisory lock:
migrate the target to head, copy table by table in foreign-key order in batches, read the
rows back and compare content checksums, reset sequences, commit. Any failure (a row that
cannot be converted, a constraint violation, a checksum mismatch) rolls the whole thing
back, so the target is left exactly as it was. `--dry-run` does all of it and rolls back.

Values are converted by the *target* column's type, because SQLite's are loose: 0/1 become
booleans, text datetimes become timestamptz (naive means UTC), JSON text is parsed, and
out-of-range integers or NUL characters are refused with the table, the row's key and why.

The checksum of a table is independent of row order (the sum of per-row SHA-256 values),
computed from the converted source values and from the values read back from PostgreSQL,
both rendered canonically (UTC ISO datetimes, sorted-key JSON, ...).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from datetime import time as dtime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Table,
    Time,
    Uuid,
    func,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from lucien.core.db import migrate

if TYPE_CHECKING:
    from lucien.core.plugins import PluginRegistry
    from lucien.core.settings import Settings

SKIP_TABLES = {"alembic_version"}
_MOD = 2**256


class ImportFailed(Exception):
    """The import stopped; nothing was written. Names the table and row when known."""

    def __init__(self, reason: str, table: str | None = None, key: Any = None) -> None:
        self.reason = reason
        self.table = table
        self.key = key
        where = ""
        if table:
            where = f"table {table}" + (f", row {key}" if key is not None else "") + ": "
        super().__init__(where + reason)


@dataclass
class TableReport:
    """One table's outcome."""

    table: str
    rows_read: int = 0
    rows_written: int = 0
    source_checksum: str = ""
    target_checksum: str = ""
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def matches(self) -> bool:
        return self.source_checksum == self.target_checksum


@dataclass
class ImportReport:
    """The whole import: per table, and what happened overall."""

    tables: list[TableReport] = field(default_factory=list)
    dry_run: bool = False
    noop: bool = False
    truncated: bool = False
    skipped_tables: list[str] = field(default_factory=list)
    migrated: list[tuple[str, str]] = field(default_factory=list)
    duration: float = 0.0

    def format(self) -> str:
        """A plain-text table for the terminal."""
        lines = [f"{'table':<32} {'read':>9} {'written':>9}  checksum (source = target)"]
        for t in self.tables:
            mark = "ok" if t.matches else f"MISMATCH target {t.target_checksum[:16]}"
            lines.append(
                f"{t.table:<32} {t.rows_read:>9} {t.rows_written:>9}  {t.source_checksum[:16]} {mark}"
            )
            if t.ignored_columns:
                lines.append(f"  ignored source columns: {', '.join(t.ignored_columns)}")
        if self.skipped_tables:
            lines.append(
                f"source tables not in the target (skipped): {', '.join(self.skipped_tables)}"
            )
        if self.noop:
            lines.append("target already holds exactly this data: nothing to do")
        elif self.dry_run:
            lines.append("dry run: everything was checked and rolled back; nothing was written")
        else:
            lines.append(f"imported in {self.duration:.2f}s")
        return "\n".join(lines)


# -- conversion --------------------------------------------------------------------------------

_INT_RANGES = {SmallInteger: 2**15, BigInteger: 2**63, Integer: 2**31}
_TRUE = {"1", "t", "true", "y", "yes", "on"}
_FALSE = {"0", "f", "false", "n", "no", "off"}


def _int_limit(type_: Any) -> int:
    for cls, limit in _INT_RANGES.items():  # most specific first (BigInteger is an Integer)
        if isinstance(type_, cls):
            return limit
    return 2**63


def _parse_datetime(value: Any, aware: bool) -> datetime:
    if isinstance(value, datetime):
        result = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        result = datetime.fromtimestamp(value, UTC)  # SQLite apps sometimes store epochs
    elif isinstance(value, str):
        raw = value.strip()
        if raw.endswith("Z"):
            raw = raw[:-1] + "+00:00"
        result = datetime.fromisoformat(raw)
    else:
        raise ValueError(f"not a datetime: {value!r}")
    if result.tzinfo is None:
        result = result.replace(tzinfo=UTC)  # naive means UTC (how UTCDateTime stores it)
    result = result.astimezone(UTC)
    return result if aware else result.replace(tzinfo=None)


def convert(value: Any, type_: Any) -> Any:
    """One SQLite value converted for a PostgreSQL column of `type_`; ValueError if not."""
    if value is None:
        return None
    if isinstance(type_, Boolean):
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise ValueError(f"not a boolean: {value!r}")
    if isinstance(type_, Integer):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        elif isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value.strip())
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError(f"not an integer: {value!r}")
        limit = _int_limit(type_)
        if not -limit <= value < limit:
            raise ValueError(f"{value} out of range for {type_.__class__.__name__.upper()}")
        return value
    if isinstance(type_, Float):
        return float(value)
    if isinstance(type_, Numeric):
        try:
            return Decimal(str(value))
        except InvalidOperation:
            raise ValueError(f"not a number: {value!r}") from None
    if isinstance(type_, DateTime):
        return _parse_datetime(value, bool(type_.timezone))
    if isinstance(type_, Date):
        if isinstance(value, str):
            return date.fromisoformat(value.strip()[:10])
        raise ValueError(f"not a date: {value!r}")
    if isinstance(type_, Time):
        if isinstance(value, str):
            return dtime.fromisoformat(value.strip())
        raise ValueError(f"not a time: {value!r}")
    if isinstance(type_, JSON):
        if isinstance(value, bytes):
            value = value.decode("utf-8")
        if isinstance(value, str):
            try:
                parsed = json.loads(value)
            except json.JSONDecodeError as exc:
                raise ValueError(f"invalid JSON: {exc}") from None
        else:
            parsed = value
        # JSON null and SQL NULL both read back as None; keep them one value.
        return JSON.NULL if parsed is None else parsed
    if isinstance(type_, Uuid):
        return uuid.UUID(str(value))
    if isinstance(type_, LargeBinary):
        if isinstance(value, bytes):
            return value
        raise ValueError(f"not binary data: {type(value).__name__}")
    if isinstance(type_, String):
        if isinstance(value, bytes):
            try:
                value = value.decode("utf-8")
            except UnicodeDecodeError:
                raise ValueError("text column holds bytes that are not UTF-8") from None
        elif not isinstance(value, str):
            value = str(value)
        if "\x00" in value:
            raise ValueError("NUL character (PostgreSQL text cannot hold it)")
        if type_.length is not None and len(value) > type_.length:
            raise ValueError(f"{len(value)} characters, column allows {type_.length}")
        return value
    return value


def canonical(value: Any, type_: Any) -> str:
    """A value rendered the same way whichever database it came from."""
    if value is None or value is JSON.NULL:
        return "\\N"
    if isinstance(type_, JSON):
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return (value.astimezone(UTC) if value.tzinfo else value).isoformat()
    if isinstance(value, date | dtime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    return str(value)


class Checksum:
    """Order-independent content checksum: rows are hashed and the hashes summed."""

    def __init__(self) -> None:
        self.total = 0
        self.count = 0

    def add(self, values: Iterator[str] | list[str]) -> None:
        digest = hashlib.sha256("\x1f".join(values).encode("utf-8", "surrogatepass")).digest()
        self.total = (self.total + int.from_bytes(digest, "big")) % _MOD
        self.count += 1

    def hexdigest(self) -> str:
        return f"{self.count}:{self.total:064x}"


# -- the copy ------------------------------------------------------------------------------------


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class _Plan:
    table: Table
    columns: list[str]
    key_columns: list[str]
    report: TableReport


def _open_source(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise ImportFailed(f"no such SQLite file: {path}")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise ImportFailed(f"{path} is not a SQLite database: {exc}") from None
    conn.text_factory = lambda b: b.decode("utf-8", "surrogateescape")
    return conn


def _plans(source: sqlite3.Connection, target: MetaData, report: ImportReport) -> list[_Plan]:
    source_tables = {
        row[0]
        for row in source.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    } - SKIP_TABLES
    report.skipped_tables = sorted(source_tables - set(target.tables))
    plans = []
    for table in target.sorted_tables:  # parents before children
        if table.name in SKIP_TABLES or table.name not in source_tables:
            continue
        source_cols = [r[1] for r in source.execute(f"PRAGMA table_info({_quote(table.name)})")]
        columns = [c for c in source_cols if c in table.c]
        keys = [c.name for c in table.primary_key.columns if c.name in columns]
        plans.append(
            _Plan(
                table,
                columns,
                keys,
                TableReport(
                    table.name, ignored_columns=[c for c in source_cols if c not in table.c]
                ),
            )
        )
    return plans


def _source_rows(
    source: sqlite3.Connection, plan: _Plan, batch_size: int
) -> Iterator[list[dict[str, Any]]]:
    """Converted rows in batches; raises ImportFailed naming the row that cannot convert."""
    cols = ", ".join(_quote(c) for c in plan.columns)
    cursor = source.execute(f"SELECT {cols} FROM {_quote(plan.table.name)}")
    types = [plan.table.c[c].type for c in plan.columns]
    while True:
        raw_rows = cursor.fetchmany(batch_size)
        if not raw_rows:
            return
        batch = []
        for raw in raw_rows:
            row: dict[str, Any] = {}
            for name, type_, value in zip(plan.columns, types, raw, strict=True):
                try:
                    row[name] = convert(value, type_)
                except (ValueError, TypeError, OverflowError) as exc:
                    key = {k: raw[plan.columns.index(k)] for k in plan.key_columns} or None
                    raise ImportFailed(f"column {name}: {exc}", plan.table.name, key) from None
            batch.append(row)
        yield batch


def _row_values(plan: _Plan, row: dict[str, Any] | Any) -> list[str]:
    return [canonical(row[c], plan.table.c[c].type) for c in plan.columns]


def _source_checksum(source: sqlite3.Connection, plan: _Plan, batch_size: int) -> None:
    checksum = Checksum()
    for batch in _source_rows(source, plan, batch_size):
        for row in batch:
            checksum.add(_row_values(plan, row))
    plan.report.rows_read = checksum.count
    plan.report.source_checksum = checksum.hexdigest()


def _target_checksum(connection: Connection, plan: _Plan) -> str:
    checksum = Checksum()
    query = select(*(plan.table.c[c] for c in plan.columns))
    for row in connection.execute(query).mappings():
        checksum.add(_row_values(plan, row))
    return checksum.hexdigest()


def _insert(connection: Connection, plan: _Plan, batch: list[dict[str, Any]]) -> None:
    """Insert a batch; on a database error find and name the offending row."""
    try:
        with connection.begin_nested():
            connection.execute(plan.table.insert(), batch)
        return
    except DBAPIError as exc:
        batch_error = exc
    for row in batch:  # slow path, only after a failure: one savepoint per row
        try:
            with connection.begin_nested():
                connection.execute(plan.table.insert(), [row])
        except DBAPIError as exc:
            key = {k: row[k] for k in plan.key_columns} or None
            raise ImportFailed(_db_reason(exc), plan.table.name, key) from None
    raise ImportFailed(_db_reason(batch_error), plan.table.name)


def _db_reason(exc: DBAPIError) -> str:
    return str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)


def _reset_sequences(connection: Connection, plans: list[_Plan]) -> None:
    """Point each serial/identity sequence past the copied ids (ids were kept)."""
    preparer = connection.dialect.identifier_preparer
    for plan in plans:
        for column in plan.table.primary_key.columns:
            seq = connection.execute(
                text("SELECT pg_get_serial_sequence(:t, :c)"),
                {"t": preparer.format_table(plan.table), "c": column.name},
            ).scalar()
            if seq is None:
                continue
            top = connection.execute(select(func.max(column))).scalar()
            connection.execute(
                text("SELECT setval(:s, :v, :called)"),
                {"s": seq, "v": top if top is not None else 1, "called": top is not None},
            )


def _has_rows(connection: Connection, table: Table) -> bool:
    return connection.execute(select(text("1")).select_from(table).limit(1)).first() is not None


def _reflect(connection: Connection) -> MetaData:
    metadata = MetaData()
    metadata.reflect(connection)
    for table in metadata.tables.values():
        for column in table.c:
            # SQL NULL for None (the reflected default would write JSON 'null').
            if isinstance(column.type, JSONB):
                column.type = JSONB(none_as_null=True)
            elif isinstance(column.type, JSON):
                column.type = JSON(none_as_null=True)
    return metadata


def _import_sync(
    connection: Connection,
    source_path: Path,
    branches: list[migrate.Branch],
    dry_run: bool,
    truncate: bool,
    batch_size: int,
) -> ImportReport:
    report = ImportReport(dry_run=dry_run)
    source = _open_source(source_path)
    transaction = connection.begin()
    try:
        # Which tables held data before this run; rows that migrations insert now (seed
        # data) also exist in the source, so they are replaced rather than counted.
        before = _reflect(connection)
        held_data = {
            t.name
            for t in before.tables.values()
            if t.name not in SKIP_TABLES and _has_rows(connection, t)
        }
        # Migrating inside the same transaction: a failed import leaves no schema change.
        report.migrated = migrate.upgrade_in_transaction(connection, branches)
        target = _reflect(connection)
        plans = _plans(source, target, report)
        report.tables = [p.report for p in plans]
        for table in reversed(target.sorted_tables):
            if table.name not in SKIP_TABLES and table.name not in held_data:
                if _has_rows(connection, table):
                    connection.execute(table.delete())
        non_empty = [p.table.name for p in plans if p.table.name in held_data]
        if non_empty:
            for plan in plans:
                _source_checksum(source, plan, batch_size)
                plan.report.target_checksum = _target_checksum(connection, plan)
            if all(p.report.matches for p in plans):
                # Already imported: a second run changes nothing.
                for plan in plans:
                    plan.report.rows_written = 0
                report.noop = True
                transaction.rollback()
                return report
            if not truncate:
                raise ImportFailed(
                    "the target is not empty (" + ", ".join(non_empty) + "); "
                    "use --truncate to replace its contents"
                )
            names = ", ".join(
                connection.dialect.identifier_preparer.format_table(t)
                for t in target.sorted_tables
                if t.name not in SKIP_TABLES
            )
            connection.execute(text(f"TRUNCATE {names} CASCADE"))
            report.truncated = True
        for plan in plans:
            checksum = Checksum()
            for batch in _source_rows(source, plan, batch_size):
                for row in batch:
                    checksum.add(_row_values(plan, row))
                _insert(connection, plan, batch)
                plan.report.rows_written += len(batch)
            plan.report.rows_read = checksum.count
            plan.report.source_checksum = checksum.hexdigest()
            plan.report.target_checksum = _target_checksum(connection, plan)
            if not plan.report.matches:
                raise ImportFailed(
                    f"checksum mismatch after copy (source {plan.report.source_checksum}, "
                    f"target {plan.report.target_checksum})",
                    plan.table.name,
                )
        if dry_run:
            transaction.rollback()
        else:
            # setval is not transactional: only once everything else has succeeded.
            _reset_sequences(connection, plans)
            transaction.commit()
        return report
    except BaseException:
        if transaction.is_active:
            transaction.rollback()
        raise
    finally:
        source.close()


async def import_sqlite(
    settings: Settings,
    registry: PluginRegistry | None,
    source: str | Path,
    *,
    dry_run: bool = False,
    truncate: bool = False,
    batch_size: int = 1000,
) -> ImportReport:
    """Copy the SQLite file `source` into the configured PostgreSQL (see module docstring)."""
    target = settings.database
    if not target.is_postgres:
        raise ImportFailed("DATABASE_URL must point at PostgreSQL to import into it")
    started = time.perf_counter()
    branches = migrate.collect_branches(registry)
    engine = migrate.migration_engine(target)
    try:

        async def body() -> ImportReport:
            async with engine.connect() as conn:
                return await conn.run_sync(
                    _import_sync, Path(source), branches, dry_run, truncate, batch_size
                )

        report, _ = await migrate.with_advisory_lock(engine, body)
    finally:
        await engine.dispose()
    report.duration = time.perf_counter() - started
    return report
