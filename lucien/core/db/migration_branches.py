"""Migration branches: the core's and one per plugin, and where each stands.

* Version locations: the core's `versions/` plus the folder of every *installed* plugin
  (enabled or not), so a disabled plugin's recorded revision is always locatable and a
  re-enabled plugin upgrades from where it stopped.
* The Alembic configuration is built here, in code (there is no alembic.ini), and the
  parsed scripts are cached per process: the at-head check reads `alembic_version` and
  compares in memory, so a start with nothing to do costs about one query.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic.config import Config
from alembic.script import Script, ScriptDirectory
from alembic.script.revision import Revision
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

import lucien.migrations
from lucien.core.db.alembic_internals import applied_revisions

if TYPE_CHECKING:
    from lucien.core.plugins import PluginRecord, PluginRegistry

log = logging.getLogger("lucien.migrate")

CORE = "core"
MIGRATIONS_DIR = Path(lucien.migrations.__file__).resolve().parent
CORE_VERSIONS = MIGRATIONS_DIR / "versions"


class MigrationError(Exception):
    """A migration could not run; startup must stop."""

    def __init__(self, branch: str, revision: str | None, error: BaseException | str) -> None:
        self.branch = branch
        self.revision = revision
        self.error = error
        super().__init__(f"migration failed: branch {branch}, revision {revision or '-'}: {error}")


@dataclass(frozen=True)
class Branch:
    """A migration branch: the core or one plugin's versions folder."""

    name: str
    path: Path
    enabled: bool = True
    record: PluginRecord | None = None


@dataclass
class BranchStatus:
    """Where one branch stands in the database."""

    branch: str
    current: str | None
    head: str | None
    pending: list[str]
    enabled: bool

    @property
    def at_head(self) -> bool:
        return not self.pending


def collect_branches(registry: PluginRegistry | None) -> list[Branch]:
    """The core branch, then every installed plugin that ships migrations."""
    branches = [Branch(CORE, CORE_VERSIONS)]
    if registry is None:
        return branches
    for record in registry.installed():
        try:
            location = registry.call_plugin(record, "lucien_migrations")
        except Exception as exc:
            if record.enabled:
                raise MigrationError(
                    record.name, None, f"lucien_migrations raised {exc!r}"
                ) from exc
            log.warning(
                "plugin %s: lucien_migrations raised %r (disabled, skipped)", record.name, exc
            )
            continue
        if not location:
            continue
        path = Path(location).resolve()
        if not path.is_dir():
            raise MigrationError(record.name, None, f"versions folder {path} does not exist")
        branches.append(Branch(record.name, path, record.enabled, record))
    return branches


def make_config(branches: Iterable[Branch]) -> Config:
    """An Alembic Config built in code (there is no alembic.ini)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", os.pathsep.join(str(b.path) for b in branches))
    # Names like 20260101_1200_ab12cd_add_plans.py sort by creation in a folder listing.
    cfg.set_main_option(
        "file_template",
        "%%(year)d%%(month).2d%%(day).2d_%%(hour).2d%%(minute).2d_%%(rev)s_%%(slug)s",
    )
    return cfg


_script_cache: dict[Any, ScriptDirectory] = {}


def _folder_key(branches: Iterable[Branch]) -> tuple[Any, ...]:
    # A cheap fingerprint of the version folders: a new or edited file invalidates the cache.
    key: list[Any] = []
    for branch in branches:
        entries = []
        with os.scandir(branch.path) as it:
            for entry in it:
                if entry.name.endswith(".py"):
                    entries.append((entry.name, entry.stat().st_mtime_ns))
        key.append((str(branch.path), tuple(sorted(entries))))
    return tuple(key)


def load_script(branches: list[Branch]) -> ScriptDirectory:
    """The ScriptDirectory for these branches, parsed once per process (cached)."""
    key = _folder_key(branches)
    script = _script_cache.get(key)
    if script is None:
        script = ScriptDirectory.from_config(make_config(branches))
        # Force parsing now, so errors in a version file surface as a MigrationError.
        for branch in branches:
            _branch_revisions(script, branch)
        _script_cache.clear()
        _script_cache[key] = script
    return script


def forget_scripts() -> None:
    """Drop the parsed scripts (after writing a revision into a folder)."""
    _script_cache.clear()


def _branch_revisions(script: ScriptDirectory, branch: Branch) -> list[Script]:
    """The revisions living in the branch's folder (whatever their labels say)."""
    # Memoised on the (cached) script: the at-head check runs on every /health call.
    memo: dict[Path, list[Script]] = script.__dict__.setdefault("_lucien_branch_revisions", {})
    if branch.path not in memo:
        try:
            revisions = list(script.walk_revisions())
        except Exception as exc:
            raise MigrationError(branch.name, None, f"cannot load revisions: {exc}") from exc
        memo[branch.path] = [r for r in revisions if Path(r.path).resolve().parent == branch.path]
    return memo[branch.path]


def branch_head(script: ScriptDirectory, branch: Branch) -> str | None:
    """The branch's single head revision (None for a folder without revisions)."""
    revisions = _branch_revisions(script, branch)
    if not revisions:
        return None
    try:
        heads = script.revision_map.get_revisions(f"{branch.name}@head")
    except Exception as exc:
        raise MigrationError(
            branch.name,
            None,
            f"no revision in {branch.path} is labelled {branch.name!r} "
            f"(its first revision needs branch_labels=({branch.name!r},)): {exc}",
        ) from exc
    # "base" (a str) stands for no revision; only Revision objects name a head.
    ids = sorted(h.revision for h in heads if isinstance(h, Revision))
    if len(heads) != 1:
        raise MigrationError(
            branch.name, None, f"branch has several heads ({', '.join(ids)}); merge them"
        )
    return ids[0] if ids else None


def known_heads(script: ScriptDirectory, heads: Iterable[str]) -> tuple[str, ...]:
    """The recorded heads, checked against the loaded revisions.

    A revision nobody provides (its plugin was uninstalled, not just disabled) hides which
    core revisions lie beneath it, since a plugin's root depends on the core; guessing
    could re-run core migrations, so this is a clear error instead.
    """
    heads = tuple(heads)
    for rev in heads:
        try:
            script.revision_map.get_revision(rev)
        except Exception:
            raise MigrationError(
                "?",
                rev,
                "recorded in alembic_version but no installed plugin provides it "
                "(uninstalled?). Reinstall that plugin (disabling it is fine), or "
                "`lucien migrate downgrade PLUGIN base` before uninstalling it.",
            ) from None
    return heads


def _applied(script: ScriptDirectory, heads: tuple[str, ...]) -> set[str]:
    """Every revision applied, given the current heads (ancestors and dependencies)."""
    if not heads:
        return set()
    return applied_revisions(script, heads)


def branch_status(
    script: ScriptDirectory, branches: list[Branch], heads: tuple[str, ...]
) -> list[BranchStatus]:
    """Where each branch stands, given the heads recorded in the database."""
    applied = _applied(script, heads)
    result = []
    for branch in branches:
        head = branch_head(script, branch)
        current = None
        pending: list[str] = []
        if head is not None:
            # Walk the branch from head down; the first applied revision is "current".
            own = {r.revision for r in _branch_revisions(script, branch)}
            for rev in script.revision_map.iterate_revisions(head, "base"):
                if rev.revision not in own:  # a dependency (the core), not this branch
                    continue
                if rev.revision in applied:
                    current = rev.revision
                    break
                pending.append(rev.revision)
            pending.reverse()
        result.append(BranchStatus(branch.name, current, head, pending, branch.enabled))
    return result


def current_heads(connection: Connection) -> tuple[str, ...]:
    """The revisions recorded in alembic_version (empty when there is no such table).

    One plain SELECT rather than Alembic's has_table + SELECT: this runs on every
    start-up and /health call. The transaction is ended either way.
    """
    try:
        rows = connection.exec_driver_sql("SELECT version_num FROM alembic_version").fetchall()
    except DBAPIError:
        connection.rollback()
        return ()
    connection.rollback()
    return tuple(r[0] for r in rows)


def find_branch(branches: list[Branch], name: str) -> Branch:
    """The branch called `name`, or a MigrationError listing the known ones."""
    for branch in branches:
        if branch.name == name:
            return branch
    known = ", ".join(b.name for b in branches)
    raise MigrationError(name, None, f"no such migration branch (known: {known})")
