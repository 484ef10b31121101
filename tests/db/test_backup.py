"""The restore drill (SQLite and PostgreSQL): seed a world, back up, restore into a new
empty database, and every table's rows and checksum are the same. Then what a restore
refuses: a database holding rows (unless --force), a backup taken at other revisions,
a file that is not a backup. And the commands once through click."""

from __future__ import annotations

import asyncio
import io
import json
import tarfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from backup_world import seed
from click.testing import CliRunner
from sqlalchemy import insert, select, text

from lucien.core.backup.dump import dump, table_checksums
from lucien.core.backup.format import MANIFEST, BackupError, read_manifest
from lucien.core.backup.restore import restore
from lucien.core.backup.schema import known_tables
from lucien.core.cli import core_group
from lucien.core.db import Database
from lucien.core.db.models import PluginSetting
from lucien.core.testing.databases import temporary_database

pytestmark = pytest.mark.lucien(plugins=["voice", "admin", "vip", "free", "content", "publish"])


@asynccontextmanager
async def fresh(harness: Any, kind: str, tmp_path: Path) -> AsyncIterator[Any]:
    """Settings pointing at a new, empty database of the same kind."""
    async with temporary_database(kind, tmp_path) as url:
        yield harness.app.settings.model_copy(update={"database_url": url})


async def _nulls(settings: Any) -> dict[str, bool]:
    db = Database(settings.database)
    try:
        async with db.session(readonly=True) as s:
            rows = await s.execute(
                text("SELECT key, value IS NULL FROM plugin_settings WHERE plugin = 'zz'")
            )
            return {key: bool(is_null) for key, is_null in rows}
    finally:
        await db.dispose()


async def test_the_restore_drill(harness: Any, db_kind: str, tmp_path: Path) -> None:
    await harness.start_app()
    filled = await seed(harness)
    ctx = harness.ctx
    before = await table_checksums(ctx.settings.database, ctx.registry)
    assert await _nulls(ctx.settings) == {"json_null": False, "sql_null": True, "deep": False}
    # Every table of every enabled plugin (and the core's) is in the drill, with rows.
    enabled = {r.name for r in ctx.registry.enabled()}
    assert {"vip_tokens", "free_join_requests", "content_packages", "publish_posts"} <= set(before)
    assert all(entry.rows > 0 for entry in before.values()), before
    assert "users" not in filled and "vip_subscriptions" not in filled  # seeded for real
    assert {"admin", "vip", "free", "content", "publish"} <= enabled

    started = time.perf_counter()
    report = await dump(ctx.settings.database, ctx.registry, tmp_path, now=harness.clock.now())
    manifest = read_manifest(report.path)
    assert report.path.name == "lucien-backup-20260101T120000Z.tar"
    assert {t.name: t.checksum for t in manifest.tables} == {
        n: e.checksum for n, e in before.items()
    }
    async with fresh(harness, db_kind, tmp_path) as settings:
        restored = await restore(settings, ctx.registry, report.path)
        took = time.perf_counter() - started
        after = await table_checksums(settings.database, ctx.registry)
        assert restored.migrated  # the empty database was migrated first
        assert {n: (e.rows, e.checksum) for n, e in after.items()} == {
            n: (e.rows, e.checksum) for n, e in before.items()
        }
        # JSON null and SQL NULL came back as they were.
        assert await _nulls(settings) == {"json_null": False, "sql_null": True, "deep": False}
        db = Database(settings.database)
        try:
            async with db.session() as s:
                # Sequences point past the restored ids: a new row gets a new id.
                top = await s.scalar(select(PluginSetting.id).order_by(PluginSetting.id.desc()))
                new_id = (
                    await s.execute(
                        insert(PluginSetting)
                        .values(plugin="zz", key="new", value=1, updated_at=harness.clock.now())
                        .returning(PluginSetting.id)
                    )
                ).scalar_one()
                assert new_id > top
        finally:
            await db.dispose()
    print(f"\nbackup + restore of {manifest.total_rows} rows ({db_kind}): {took:.2f}s")
    # Portable: the same file into the other backend gives the same rows.
    other = "postgres" if db_kind == "sqlite" else "sqlite"
    async with fresh(harness, other, tmp_path) as settings:
        await restore(settings, ctx.registry, report.path)
        after = await table_checksums(settings.database, ctx.registry)
        assert {n: e.checksum for n, e in after.items()} == {
            n: e.checksum for n, e in before.items()
        }


async def test_a_database_holding_rows_is_refused_without_force(
    harness: Any, db_kind: str, tmp_path: Path
) -> None:
    await harness.start_app()
    ctx = harness.ctx
    await seed(harness)
    report = await dump(ctx.settings.database, ctx.registry, tmp_path / "b.tar")
    before = await table_checksums(ctx.settings.database, ctx.registry)
    # Into the very database it came from: not empty.
    with pytest.raises(BackupError, match=r"the database is not empty \(rows in users.*--force"):
        await restore(ctx.settings, ctx.registry, report.path)
    # A row added since the backup: --force replaces everything with the backup's rows.
    async with ctx.db.session() as s:
        await s.execute(
            insert(PluginSetting).values(
                plugin="zz", key="later", value=2, updated_at=harness.clock.now()
            )
        )
    forced = await restore(ctx.settings, ctx.registry, report.path, force=True)
    assert "users" in forced.emptied
    after = await table_checksums(ctx.settings.database, ctx.registry)
    assert {n: e.checksum for n, e in after.items()} == {n: e.checksum for n, e in before.items()}


async def test_a_backup_at_other_revisions_or_not_a_backup_is_refused(
    harness: Any, db_kind: str, tmp_path: Path
) -> None:
    await harness.start_app()
    ctx = harness.ctx
    report = await dump(ctx.settings.database, ctx.registry, tmp_path / "b.tar")
    # The same backup, its manifest naming a revision this code does not have.
    other = tmp_path / "other.tar"
    with tarfile.open(report.path) as src, tarfile.open(other, "w") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == MANIFEST:
                raw = json.loads(data)
                raw["revisions"] = [*raw["revisions"], "vip_0099"]
                data = json.dumps(raw).encode()
                member.size = len(data)

            dst.addfile(member, io.BytesIO(data))
    async with fresh(harness, db_kind, tmp_path) as settings:
        with pytest.raises(
            BackupError, match=r"other schema revisions.*only in the backup: vip_0099"
        ):
            await restore(settings, ctx.registry, other)
        db = Database(settings.database)
        try:
            async with db.session() as s:  # migrated, and nothing else written
                assert await s.scalar(text("SELECT count(*) FROM users")) == 0
        finally:
            await db.dispose()
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"not a tar at all")
    with pytest.raises(BackupError, match="is not a Lucien backup"):
        read_manifest(junk)
    with pytest.raises(BackupError, match="no such backup file"):
        read_manifest(tmp_path / "missing.tar")


def test_the_commands_through_click(tmp_path: Path) -> None:
    """`lucien backup -o DIR` then `lucien restore FILE` (SQLite), as a user runs them."""
    source = tmp_path / "source.db"
    target = tmp_path / "target.db"
    runner = CliRunner()
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{source}", "BOT_TOKEN": None}

    async def prepare() -> None:
        from lucien.core.db.migrate import upgrade_all
        from lucien.core.plugins import discover_plugins
        from lucien.core.settings import load_settings

        settings = load_settings(require_token=False, database_url=env["DATABASE_URL"])
        await upgrade_all(settings, discover_plugins(settings))
        db = Database(settings.database)
        try:
            async with db.session() as s:
                await s.execute(text(
                    "INSERT INTO users (id, username, first_seen, last_seen, blocked_bot, told_blocked)"
                    " VALUES (9007199254740993, 'zoë', '2026-01-01 00:00:00', '2026-01-01 00:00:00', 0, 0)"
                ))  # fmt: skip
        finally:
            await db.dispose()

    asyncio.run(prepare())

    def lucien(*args: str) -> tuple[int, str]:
        # standalone_mode=False as `main()` runs it: the command's return is the exit code
        result = runner.invoke(core_group(), list(args), env=env, standalone_mode=False)
        assert result.exception is None, result.output
        return result.return_value, result.output

    out = tmp_path / "out"
    out.mkdir()
    code, output = lucien("backup", "--output", str(out))
    assert code == 0, output
    assert "users" in output and "(1 rows" in output
    (backup,) = out.iterdir()
    env["DATABASE_URL"] = f"sqlite+aiosqlite:///{target}"
    code, output = lucien("restore", str(backup))
    assert code == 0, output
    assert "restored 1 rows" in output
    code, output = lucien("restore", str(backup))
    assert code == 1
    assert "error: the database is not empty (rows in users)" in output
    code, output = lucien("restore", str(tmp_path / "nope.tar"))
    assert code == 1 and "no such backup file" in output
    assert known_tables(None)  # the core's tables at least, without any registry


async def test_a_row_the_target_refuses_restores_nothing(tmp_path: Path) -> None:
    """SQLite holds a NUL in text, PostgreSQL cannot: the restore names the table and
    leaves the database without a row (core tables only, no plugin registry)."""
    from lucien.core.db.migrate import upgrade_all
    from lucien.core.settings import load_settings

    source = load_settings(
        require_token=False, database_url=f"sqlite+aiosqlite:///{tmp_path / 's.db'}"
    )
    await upgrade_all(source, None)
    db = Database(source.database)
    try:
        async with db.session() as s:
            await s.execute(text(
                "INSERT INTO users (id, first_name, first_seen, last_seen, blocked_bot, told_blocked)"
                " VALUES (1, 'fine', '2026-01-01 00:00:00', '2026-01-01 00:00:00', 0, 0),"
                " (2, 'nul' || char(0) || 'here', '2026-01-01 00:00:00', '2026-01-01 00:00:00', 0, 0)"
            ))  # fmt: skip
    finally:
        await db.dispose()
    report = await dump(source.database, None, tmp_path)
    async with temporary_database("postgres", tmp_path) as url:
        target = source.model_copy(update={"database_url": url})
        with pytest.raises(
            BackupError,
            match=r"table users: the database refused a row \(.*\); nothing was restored",
        ):
            await restore(target, None, report.path)
        after = await table_checksums(target.database, None)
        assert after["users"].rows == 0
