"""The `migrate` and `import-sqlite` subcommands of the `lucien` command line."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

# Alembic is imported by the commands that need it, not when the parser is built:
# `lucien run` builds this parser too and must not load Alembic into the serving process.


def register_cli(subparsers: Any) -> None:
    """Add `migrate` and `import-sqlite` to an argparse subparsers object."""
    mig = subparsers.add_parser(
        "migrate",
        help="upgrade the core and every enabled plugin to head (Alembic, per branch)",
        description="Without an action: upgrade. Actions: status, new, downgrade.",
    )
    mig.add_argument(
        "--json",
        action="store_true",
        help="print what was applied and the recorded versions as one JSON line",
    )
    mig.set_defaults(func=_cmd_upgrade)
    actions = mig.add_subparsers(dest="migrate_action", metavar="ACTION")
    status = actions.add_parser("status", help="per branch: current, head, pending")
    status.set_defaults(func=_cmd_status)
    new = actions.add_parser(
        "new", help="autogenerate a revision into PLUGIN's branch (only its tables)"
    )
    new.add_argument("plugin", help="plugin name, or `core`")
    new.add_argument("-m", "--message", required=True, help="what the revision does")
    new.set_defaults(func=_cmd_new)
    down = actions.add_parser("downgrade", help="downgrade one branch (`base` removes it)")
    down.add_argument("plugin", help="plugin name, or `core`")
    down.add_argument("target", help="`base` or a revision id of that branch")
    down.set_defaults(func=_cmd_downgrade)

    imp = subparsers.add_parser(
        "import-sqlite", help="copy an existing SQLite database into DATABASE_URL (PostgreSQL)"
    )
    imp.add_argument("file", help="the SQLite database file")
    imp.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    imp.add_argument(
        "--truncate", action="store_true", help="replace the contents of a non-empty target"
    )
    imp.set_defaults(func=_cmd_import)


def _load() -> tuple[Any, Any] | None:
    """Settings and plugins, or None after printing the configuration problems."""
    from lucien.core.plugins import PluginError, discover_plugins
    from lucien.core.settings import ConfigError, load_settings

    try:
        settings = load_settings()
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


def _cmd_upgrade(args: argparse.Namespace) -> int:
    from lucien.core.db import migrate
    from lucien.core.db.migrate import MigrationError

    loaded = _load()
    if loaded is None:
        return 2
    try:
        report = asyncio.run(migrate.upgrade_all(*loaded))
    except MigrationError as exc:
        return _fail(exc)
    if getattr(args, "json", False):
        from lucien.core.db.versions import read_versions

        versions = asyncio.run(read_versions(loaded[0].database))
        print(json.dumps({"applied": report.applied, "versions": sorted(versions)}))
        return 0
    for branch, rev in report.applied:
        print(f"applied {branch} {rev}")
    print("already at head" if not report.applied else f"done in {report.duration:.2f}s")
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
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


def _cmd_new(args: argparse.Namespace) -> int:
    from lucien.core.db import migrate
    from lucien.core.db.migrate import MigrationError

    loaded = _load()
    if loaded is None:
        return 2
    try:
        path = asyncio.run(migrate.new_revision(*loaded, args.plugin, args.message))
    except MigrationError as exc:
        return _fail(exc)
    print(path if path else f"no changes in {args.plugin}'s models: no revision written")
    return 0


def _cmd_downgrade(args: argparse.Namespace) -> int:
    from lucien.core.db import migrate
    from lucien.core.db.migrate import MigrationError

    loaded = _load()
    if loaded is None:
        return 2
    try:
        undone = asyncio.run(migrate.downgrade_branch(*loaded, args.plugin, args.target))
    except MigrationError as exc:
        return _fail(exc)
    for rev in undone:
        print(f"reverted {args.plugin} {rev}")
    if not undone:
        print("nothing to downgrade")
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    from lucien.core.db.importer import ImportFailed, import_sqlite
    from lucien.core.db.migrate import MigrationError

    loaded = _load()
    if loaded is None:
        return 2
    try:
        report = asyncio.run(
            import_sqlite(*loaded, args.file, dry_run=args.dry_run, truncate=args.truncate)
        )
    except (ImportFailed, MigrationError) as exc:
        return _fail(exc)
    print(report.format())
    return 0 if all(t.matches for t in report.tables) else 1
