"""`lucien restore PATH`: a backup into an empty database at the backup's revisions.

In order: read the manifest (nothing else is touched if it is not a backup); migrate the
database to head when it has no schema yet; refuse unless its `alembic_version` rows are
exactly the manifest's (the same tables and columns, whichever server it is); refuse a
database holding rows unless `--force` (which empties the known tables, children first).
Then, in one transaction: insert table by table in foreign-key order, in batches; read
each table back and compare its checksum with the manifest's; point PostgreSQL's
sequences past the restored ids; commit. Any failure rolls back everything the restore
wrote, so the database is left as it was (bar the migrations of an empty one).

Stop the bot (or scale it to zero) while restoring: a replica writing meanwhile would
make the database not what the backup holds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Table, column, func, insert, select, table, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.pool import NullPool

from lucien.core.backup.dump import BATCH_SIZE, _layout, read_table
from lucien.core.backup.format import (
    BackupError,
    Checksum,
    Manifest,
    TableEntry,
    decoder,
    read_manifest,
    read_rows,
)
from lucien.core.backup.schema import VERSION_TABLE, in_dependency_order, known_tables
from lucien.core.db.engine import create_engine

if TYPE_CHECKING:
    from lucien.core.plugins import PluginRegistry
    from lucien.core.settings import Settings


@dataclass
class RestoreReport:
    """What `restore` did."""

    path: Path
    manifest: Manifest
    migrated: list[tuple[str, str]] = field(default_factory=list)
    emptied: list[str] = field(default_factory=list)
    duration: float = 0.0

    def format(self) -> str:
        lines = [f"applied {branch} {rev}" for branch, rev in self.migrated]
        if self.emptied:
            lines.append("emptied first (--force): " + ", ".join(self.emptied))
        lines.append(f"{'table':<32} {'rows':>9}  checksum (backup = database)")
        for t in self.manifest.tables:
            lines.append(f"{t.name:<32} {t.rows:>9}  {t.checksum.split(':')[-1][:16]} ok")
        lines.append(
            f"restored {self.manifest.total_rows} rows from {self.path} "
            f"(taken {self.manifest.created_at}) in {self.duration:.2f}s"
        )
        return "\n".join(lines)


def _revisions_problem(manifest: Manifest, here: set[str]) -> str | None:
    wanted = set(manifest.revisions)
    if wanted == here:
        return None
    only_backup = ", ".join(sorted(wanted - here)) or "none"
    only_here = ", ".join(sorted(here - wanted)) or "none"
    return (
        f"the backup was taken at other schema revisions than this database's "
        f"(only in the backup: {only_backup}; only here: {only_here}). Restore with the "
        f"same Lucien version ({manifest.package_version}) and the same plugins enabled "
        "(LUCIEN_PLUGINS, LUCIEN_DISABLED_PLUGINS), into a database migrated to those heads"
    )


def _insertable(source: Table, columns: list[str]) -> Any:
    """A lightweight table to insert `columns` into: JSON columns write SQL NULL for None
    (the backup's JSON nulls arrive as JSON.NULL and stay JSON nulls)."""
    cols = []
    for name in columns:
        type_ = source.c[name].type
        if isinstance(type_, JSON):
            type_ = type(type_)(none_as_null=True)
        cols.append(column(name, type_))
    return table(source.name, *cols)


async def _has_rows(conn: AsyncConnection, t: Table) -> bool:
    found = await conn.execute(select(text("1")).select_from(t).limit(1))
    return found.first() is not None


async def _load(
    conn: AsyncConnection, path: Path, entry: TableEntry, source: Table, batch_size: int
) -> None:
    target = _insertable(source, entry.columns)
    decoders = [decoder(source.c[name].type) for name in entry.columns]
    checksum = Checksum()
    for batch in read_rows(path, entry.name, batch_size):
        rows = []
        for values in batch:
            checksum.add(values)
            try:
                rows.append(
                    {
                        name: None if value is None else dec(value)
                        for name, value, dec in zip(entry.columns, values, decoders, strict=True)
                    }
                )
            except (ValueError, TypeError, KeyError, ArithmeticError) as exc:
                raise BackupError(f"table {entry.name}: a row cannot be read: {exc}") from None
        try:
            await conn.execute(insert(target), rows)
        except DBAPIError as exc:  # PostgreSQL refuses a NUL in text, a constraint fails...
            reason = str(exc.orig or exc).strip().splitlines()[0]
            raise BackupError(
                f"table {entry.name}: the database refused a row ({reason}); nothing was restored"
            ) from None
    if checksum.hexdigest() != entry.checksum:
        raise BackupError(
            f"table {entry.name}: the file's rows do not match its manifest "
            f"({checksum.hexdigest()} != {entry.checksum}): the backup is damaged"
        )
    written = await read_table(conn, source, entry.columns, None, batch_size)
    if written.checksum != entry.checksum:
        raise BackupError(
            f"table {entry.name}: read back, the rows differ from the backup "
            f"({written.checksum} != {entry.checksum}); nothing was restored"
        )


async def _reset_sequences(conn: AsyncConnection, tables: list[Table]) -> None:
    """Point each serial/identity sequence past the restored ids (ids were kept)."""
    preparer = conn.dialect.identifier_preparer
    for t in tables:
        for col in t.primary_key.columns:
            seq = (
                await conn.execute(
                    text("SELECT pg_get_serial_sequence(:t, :c)"),
                    {"t": preparer.format_table(t), "c": col.name},
                )
            ).scalar()
            if seq is None:
                continue
            top = (await conn.execute(select(func.max(col)))).scalar()
            await conn.execute(
                text("SELECT setval(:s, :v, :called)"),
                {"s": seq, "v": top if top is not None else 1, "called": top is not None},
            )


async def _versions(conn: AsyncConnection, layout: dict[str, set[str]]) -> set[str]:
    if VERSION_TABLE not in layout:
        return set()
    rows = await conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))
    return {r[0] for r in rows}


async def restore(
    settings: Settings,
    registry: PluginRegistry | None,
    path: str | Path,
    *,
    force: bool = False,
    batch_size: int = BATCH_SIZE,
) -> RestoreReport:
    """Restore the backup at `path` into the configured database (module docstring)."""
    started = time.perf_counter()
    path = Path(path)
    manifest = read_manifest(path)
    report = RestoreReport(path, manifest)
    tables = known_tables(registry)
    engine = create_engine(settings.database, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            layout = await conn.run_sync(_layout)
            empty_schema = not await _versions(conn, layout)
            await conn.rollback()
        if empty_schema:
            from lucien.core.db.migrate import upgrade_all

            report.migrated = (await upgrade_all(settings, registry)).applied
        async with engine.connect() as conn:
            async with conn.begin():
                layout = await conn.run_sync(_layout)
                problem = _revisions_problem(manifest, await _versions(conn, layout))
                if problem:
                    raise BackupError(problem)
                for entry in manifest.tables:
                    if entry.name not in tables or entry.name not in layout:
                        raise BackupError(
                            f"the backup holds table {entry.name}, which no enabled plugin "
                            "has here: enable the plugins the backup was taken with"
                        )
                    missing = set(entry.columns) - layout[entry.name]
                    if missing:
                        raise BackupError(
                            f"table {entry.name} here lacks the backup's columns "
                            f"{', '.join(sorted(missing))}"
                        )
                present = in_dependency_order([t for n, t in tables.items() if n in layout])
                holding = [t.name for t in present if await _has_rows(conn, t)]
                if holding and not force:
                    raise BackupError(
                        "the database is not empty (rows in " + ", ".join(holding) + "): "
                        "restore into an empty database, or pass --force to replace "
                        "its contents"
                    )
                for t in reversed(present):
                    if t.name in holding:
                        await conn.execute(t.delete())
                report.emptied = holding
                for t in present:
                    held = manifest.table(t.name)
                    if held is not None:
                        await _load(conn, path, held, t, batch_size)
                if conn.dialect.name == "postgresql":
                    # setval is not transactional: last, once everything else succeeded.
                    await _reset_sequences(conn, present)
    finally:
        await engine.dispose()
    report.duration = time.perf_counter() - started
    return report
