"""`lucien migrate` (the core's) and `lucien import-sqlite` (a built-in plugin's).

`import-sqlite` is added through the `lucien_commands` hook by the `plugin` object below,
registered as a built-in plugin; `migrate` is part of the core's own command line.
Neither talks to Telegram, so neither needs BOT_TOKEN.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

import click

from lucien import __version__
from lucien.core.plugin import PluginInfo, hookimpl

# Alembic is imported by the commands that need it, not when the command line is built:
# `lucien run` builds it too and must not load Alembic into the serving process.


def add_migrate_commands(cli: click.Group) -> None:
    """Add `migrate` and its actions (status, new, downgrade) to the command line."""

    @cli.group(
        "migrate",
        invoke_without_command=True,
        short_help="Upgrade the database; status, new, downgrade.",
    )
    @click.option(
        "--json",
        "as_json",
        is_flag=True,
        help="Print what was applied and the recorded versions as one JSON line.",
    )
    @click.pass_context
    def migrate(ctx: click.Context, as_json: bool) -> int | None:
        """Upgrade the core and enabled plugins to head (status, new, downgrade).

        Alembic, one branch per plugin; disabled plugins' branches are left as they are.
        """
        if ctx.invoked_subcommand is not None:
            return None
        return _cmd_upgrade(as_json)

    @migrate.command("status")
    def status() -> int:
        """Per branch: current, head, pending."""
        return _cmd_status()

    @migrate.command("new")
    @click.argument("plugin")
    @click.option("-m", "--message", required=True, help="What the revision does.")
    def new(plugin: str, message: str) -> int:
        """Autogenerate a revision into PLUGIN's branch (only its tables; `core` too)."""
        return _cmd_new(plugin, message)

    @migrate.command("downgrade")
    @click.argument("plugin")
    @click.argument("target")
    def downgrade(plugin: str, target: str) -> int:
        """Downgrade PLUGIN's branch (or `core`) to TARGET: `base` or a revision id."""
        return _cmd_downgrade(plugin, target)


def add_import_command(cli: click.Group) -> None:
    """Add `import-sqlite` to the command line."""

    @cli.command("import-sqlite")
    @click.argument("file", type=click.Path(dir_okay=False))
    @click.option("--dry-run", is_flag=True, help="Check and report, write nothing.")
    @click.option("--truncate", is_flag=True, help="Replace the contents of a non-empty target.")
    def import_sqlite(file: str, dry_run: bool, truncate: bool) -> int:
        """Copy a SQLite database FILE into DATABASE_URL (PostgreSQL)."""
        return _cmd_import(file, dry_run=dry_run, truncate=truncate)


class ImportSqlitePlugin:
    """Built-in plugin: the `import-sqlite` command (moving a laptop bot to PostgreSQL)."""

    @hookimpl
    def lucien_plugin_info(self) -> PluginInfo:
        return PluginInfo(
            name="import_sqlite",
            version=__version__,
            description="Built in: lucien import-sqlite, a SQLite database into DATABASE_URL",
        )

    @hookimpl
    def lucien_commands(self, cli: click.Group) -> None:
        add_import_command(cli)


plugin = ImportSqlitePlugin()


def _load() -> tuple[Any, Any] | None:
    """Settings and plugins, or None after printing the configuration problems."""
    from lucien.core.plugins import PluginError, discover_plugins
    from lucien.core.settings import ConfigError, load_settings

    try:
        settings = load_settings(require_token=False)  # no Telegram here
        registry = discover_plugins(settings)
    except ConfigError as exc:
        print("configuration problems:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return None
    except PluginError as exc:
        print(f"plugin problem: {exc}", file=sys.stderr)
        return None
    return settings, registry


def _fail(exc: BaseException) -> int:
    print(f"error: {exc}", file=sys.stderr)
    return 1


def _cmd_upgrade(as_json: bool) -> int:
    from lucien.core.db import migrate
    from lucien.core.db.migrate import MigrationError

    loaded = _load()
    if loaded is None:
        return 2
    try:
        report = asyncio.run(migrate.upgrade_all(*loaded))
    except MigrationError as exc:
        return _fail(exc)
    if as_json:
        from lucien.core.db.versions import read_versions

        versions = asyncio.run(read_versions(loaded[0].database))
        print(json.dumps({"applied": report.applied, "versions": sorted(versions)}))
        return 0
    for branch, rev in report.applied:
        print(f"applied {branch} {rev}")
    print("already at head" if not report.applied else f"done in {report.duration:.2f}s")
    return 0


def _cmd_status() -> int:
    from lucien.core.db import migrate
    from lucien.core.db.migrate import MigrationError

    loaded = _load()
    if loaded is None:
        return 2
    try:
        rows = asyncio.run(migrate.migration_status(*loaded))
    except MigrationError as exc:
        return _fail(exc)
    print(f"{'branch':<20} {'state':<9} {'current':<24} {'head':<24} pending")
    for s in rows:
        state = "enabled" if s.enabled else "disabled"
        pending = ", ".join(s.pending) if s.pending else "-"
        print(f"{s.branch:<20} {state:<9} {s.current or '-':<24} {s.head or '-':<24} {pending}")
    return 0


def _cmd_new(plugin: str, message: str) -> int:
    from lucien.core.db import migrate
    from lucien.core.db.migrate import MigrationError

    loaded = _load()
    if loaded is None:
        return 2
    try:
        path = asyncio.run(migrate.new_revision(*loaded, plugin, message))
    except MigrationError as exc:
        return _fail(exc)
    print(path if path else f"no changes in {plugin}'s models: no revision written")
    return 0


def _cmd_downgrade(plugin: str, target: str) -> int:
    from lucien.core.db import migrate
    from lucien.core.db.migrate import MigrationError

    loaded = _load()
    if loaded is None:
        return 2
    try:
        undone = asyncio.run(migrate.downgrade_branch(*loaded, plugin, target))
    except MigrationError as exc:
        return _fail(exc)
    for rev in undone:
        print(f"reverted {plugin} {rev}")
    if not undone:
        print("nothing to downgrade")
    return 0


def _cmd_import(file: str, *, dry_run: bool, truncate: bool) -> int:
    from lucien.core.db.importer import ImportFailed, import_sqlite
    from lucien.core.db.migrate import MigrationError

    loaded = _load()
    if loaded is None:
        return 2
    try:
        report = asyncio.run(import_sqlite(*loaded, file, dry_run=dry_run, truncate=truncate))
    except (ImportFailed, MigrationError) as exc:
        return _fail(exc)
    print(report.format())
    return 0 if all(t.matches for t in report.tables) else 1
