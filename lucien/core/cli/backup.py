"""`lucien backup` and `lucien restore` (lucien/core/backup). Neither talks to Telegram,
so neither needs BOT_TOKEN; both act on DATABASE_URL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import click
from sqlalchemy.exc import SQLAlchemyError


def add_commands(cli: click.Group) -> None:
    """Add `backup` and `restore` to the command line."""

    @cli.command("backup")
    @click.option(
        "--output",
        "-o",
        type=click.Path(path_type=Path),
        default=None,
        help="File to write, or a directory for the default name "
        "(default: lucien-backup-<UTC time>.tar here).",
    )
    def backup(output: Path | None) -> int:
        """Write a portable backup of every plugin's tables (and the core's)."""
        return _cmd_backup(output)

    @cli.command("restore")
    @click.argument("path", type=click.Path(path_type=Path))
    @click.option("--force", is_flag=True, help="Replace the contents of a non-empty database.")
    def restore(path: Path, force: bool) -> int:
        """Restore the backup PATH into DATABASE_URL (empty, at the backup's revisions)."""
        return _cmd_restore(path, force)


def _cmd_backup(output: Path | None) -> int:
    from lucien.core.backup.dump import backup_name, dump
    from lucien.core.backup.format import BackupError
    from lucien.core.db.commands import _fail, _load

    loaded = _load()
    if loaded is None:
        return 2
    settings, registry = loaded
    now = datetime.now(UTC)
    target = output if output is not None else Path.cwd() / backup_name(now)
    try:
        report = asyncio.run(dump(settings.database, registry, target, now=now))
    except (BackupError, OSError, SQLAlchemyError) as exc:
        return _fail(exc)
    print(report.format())
    return 0


def _cmd_restore(path: Path, force: bool) -> int:
    from lucien.core.backup.format import BackupError
    from lucien.core.backup.restore import restore
    from lucien.core.db.commands import _fail, _load
    from lucien.core.db.migrate import MigrationError

    loaded = _load()
    if loaded is None:
        return 2
    try:
        report = asyncio.run(restore(*loaded, path, force=force))
    except (BackupError, MigrationError, OSError, SQLAlchemyError) as exc:
        return _fail(exc)
    print(report.format())
    return 0
