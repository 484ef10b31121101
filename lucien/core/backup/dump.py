"""`lucien backup`: every table read in one snapshot, streamed to a portable file.

Consistency: on PostgreSQL all tables are read in one REPEATABLE READ, READ ONLY
transaction (one snapshot: a subscription and its events are both before or both after
a concurrent change, and writers are never blocked); on SQLite in one deferred read
transaction, which under WAL is a snapshot too. Rows are streamed (server-side cursor
on PostgreSQL) and written table by table to gzip'd files on disk, so memory stays
bounded whatever the size; the archive is written under a temporary name and renamed,
so a half-written backup never looks like a backup.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.pool import NullPool

from lucien import __version__
from lucien.core.backup.format import (
    BackupError,
    Checksum,
    Manifest,
    TableEntry,
    encoder,
    is_json,
    row_text,
    write_archive,
)
from lucien.core.backup.schema import VERSION_TABLE, in_dependency_order, known_tables
from lucien.core.db.engine import READONLY, create_engine
from lucien.core.settings import DatabaseTarget

if TYPE_CHECKING:
    from lucien.core.plugins import PluginRegistry

BATCH_SIZE = 1000
TIME_FORMAT = "%Y%m%dT%H%M%SZ"


def backup_name(when: datetime) -> str:
    """The file name of a backup taken at `when` (names sort as times do)."""
    return f"lucien-backup-{when.astimezone(UTC).strftime(TIME_FORMAT)}.tar"


@dataclass
class DumpReport:
    """What `dump` wrote."""

    path: Path
    manifest: Manifest
    skipped_tables: list[str] = field(default_factory=list)
    duration: float = 0.0

    def format(self) -> str:
        lines = [f"{'table':<32} {'rows':>9}  checksum"]
        for t in self.manifest.tables:
            lines.append(f"{t.name:<32} {t.rows:>9}  {t.checksum.split(':')[-1][:16]}")
        if self.skipped_tables:
            lines.append(
                "tables no installed plugin declares (not backed up): "
                + ", ".join(self.skipped_tables)
            )
        lines.append(
            f"backup {self.path} ({self.manifest.total_rows} rows, "
            f"{self.path.stat().st_size} bytes) in {self.duration:.2f}s"
        )
        return "\n".join(lines)


async def _snapshot(engine_conn: AsyncConnection) -> AsyncConnection:
    """The connection set up for one consistent, read-only snapshot."""
    if engine_conn.dialect.name == "postgresql":
        return await engine_conn.execution_options(
            isolation_level="REPEATABLE READ", postgresql_readonly=True
        )
    return await engine_conn.execution_options(**{READONLY: True})


def _layout(sync_conn: Any) -> dict[str, set[str]]:
    inspector = inspect(sync_conn)
    return {
        name: {c["name"] for c in inspector.get_columns(name)}
        for name in inspector.get_table_names()
    }


async def read_table(
    conn: AsyncConnection,
    table: Table,
    columns: list[str],
    target: Path | None,
    batch_size: int = BATCH_SIZE,
) -> TableEntry:
    """Stream `columns` of `table` (encoded) into the gzip'd file `target` (None: only
    count and checksum them, as a restore does to check what it wrote)."""
    cols = [table.c[name] for name in columns]
    # JSON columns read back None for SQL NULL and for a JSON null alike: ask which.
    nulls = [table.c[name].is_(None) for name in columns if is_json(table.c[name].type)]
    query = select(*cols, *nulls).order_by(*table.primary_key.columns)
    checksum = Checksum()
    encoders = [encoder(c.type) for c in cols]
    json_at = [i for i, c in enumerate(cols) if is_json(c.type)]
    width = len(cols)
    sink = gzip.open(target, "wt", encoding="utf-8", compresslevel=6) if target else None
    with sink or contextlib.nullcontext():
        result = await conn.stream(query.execution_options(yield_per=batch_size))
        async for partition in result.partitions(batch_size):
            for row in partition:
                cells = zip(encoders, row[:width], strict=True)
                values = [None if v is None else enc(v) for enc, v in cells]
                for flag_at, col_at in enumerate(json_at):
                    if row[width + flag_at]:  # SQL NULL, not a JSON null
                        values[col_at] = None
                    elif values[col_at] is None:
                        values[col_at] = "null"
                line = row_text(values)
                checksum.add_text(line)
                if sink is not None:
                    sink.write(line)
                    sink.write("\n")
    return TableEntry(table.name, columns, checksum.count, checksum.hexdigest())


async def dump(
    target: DatabaseTarget,
    registry: PluginRegistry | None,
    output: str | Path,
    *,
    now: datetime | None = None,
    batch_size: int = BATCH_SIZE,
) -> DumpReport:
    """Back up every known table of the database at `target` into the file `output`."""
    started = time.perf_counter()
    output = Path(output)
    if output.is_dir():
        output = output / backup_name(now or datetime.now(UTC))
    if not output.parent.is_dir():
        raise BackupError(f"no such directory: {output.parent}")
    tables = known_tables(registry)
    engine = create_engine(target, poolclass=NullPool)
    try:
        with tempfile.TemporaryDirectory(prefix=".lucien-backup-", dir=output.parent) as tmp:
            async with engine.connect() as raw_conn:
                conn = await _snapshot(raw_conn)
                async with conn.begin():
                    layout = await conn.run_sync(_layout)
                    if VERSION_TABLE not in layout:
                        raise BackupError(
                            "the database has no schema yet (no alembic_version): "
                            "nothing to back up"
                        )
                    rows = await conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))
                    revisions = sorted(r[0] for r in rows)
                    manifest = Manifest(
                        package_version=__version__,
                        created_at=(now or datetime.now(UTC)).astimezone(UTC).isoformat(),
                        dialect=conn.dialect.name,
                        revisions=revisions,
                    )
                    present = [t for name, t in tables.items() if name in layout]
                    files: dict[str, Path] = {}
                    for table in in_dependency_order(present):
                        columns = [c.name for c in table.c if c.name in layout[table.name]]
                        files[table.name] = Path(tmp) / f"{table.name}.jsonl.gz"
                        manifest.tables.append(
                            await read_table(conn, table, columns, files[table.name], batch_size)
                        )
            partial = Path(tmp) / "archive.tar"
            write_archive(partial, manifest, files)
            os.replace(partial, output)
    finally:
        await engine.dispose()
    skipped = sorted(set(layout) - set(tables) - {VERSION_TABLE})
    return DumpReport(output, manifest, skipped, time.perf_counter() - started)


async def table_checksums(
    target: DatabaseTarget, registry: PluginRegistry | None
) -> dict[str, TableEntry]:
    """Every known table's row count and checksum, read in one snapshot (what a backup
    of the database would record; the restore drill compares them)."""
    tables = known_tables(registry)
    engine = create_engine(target, poolclass=NullPool)
    found: dict[str, TableEntry] = {}
    try:
        async with engine.connect() as raw_conn:
            conn = await _snapshot(raw_conn)
            async with conn.begin():
                layout = await conn.run_sync(_layout)
                for name in sorted(set(tables) & set(layout)):
                    table = tables[name]
                    columns = [c.name for c in table.c if c.name in layout[name]]
                    found[name] = await read_table(conn, table, columns, None)
    finally:
        await engine.dispose()
    return found
