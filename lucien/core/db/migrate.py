"""Alembic, per branch: the core branch and one branch per plugin.

* One environment (`lucien/migrations/env.py`); the configuration is built here, in code.
* Version locations: the core's `versions/` plus the folder of every *installed* plugin
  (enabled or not), so a disabled plugin's recorded revision is always locatable and a
  re-enabled plugin upgrades from where it stopped.
* Startup upgrades `core@head` and `<plugin>@head` for every *enabled* plugin, each
  branch in one transaction (SQLite included: the engine BEGINs explicitly), so a failure
  leaves that branch as it was and raises `MigrationError(branch, revision, error)`.
* On PostgreSQL the upgrade holds a session-level advisory lock on a dedicated
  connection: replicas starting together migrate once, the others wait, then see head.
* The at-head check reads `alembic_version` and compares in memory against a cached
  script map, so a start with nothing to do costs about one query.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic import command
from alembic.autogenerate import produce_migrations
from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import Script, ScriptDirectory
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import NullPool

import lucien.migrations
from lucien.core.db.base import Base
from lucien.core.db.engine import create_engine

if TYPE_CHECKING:
    from lucien.core.plugins import PluginRecord, PluginRegistry
    from lucien.core.settings import DatabaseTarget, Settings

log = logging.getLogger("lucien.migrate")

CORE = "core"
MIGRATIONS_DIR = Path(lucien.migrations.__file__).resolve().parent
CORE_VERSIONS = MIGRATIONS_DIR / "versions"
# pg_advisory_lock key: "lucien" in ASCII. Advisory locks are per database.
ADVISORY_LOCK_KEY = 0x6C756369656E


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


@dataclass
class MigrationReport:
    """What `upgrade_all` did."""

    applied: list[tuple[str, str]] = field(default_factory=list)
    status: list[BranchStatus] = field(default_factory=list)
    lock_wait: float = 0.0
    duration: float = 0.0
    fast_path: bool = False


# -- branches and configuration --------------------------------------------------------------


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


def _branch_head(script: ScriptDirectory, branch: Branch) -> str | None:
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
    if len(heads) != 1:
        ids = ", ".join(sorted(h.revision for h in heads if h is not None))
        raise MigrationError(branch.name, None, f"branch has several heads ({ids}); merge them")
    head = heads[0]
    return head.revision if head is not None else None


def _known_heads(script: ScriptDirectory, heads: Iterable[str]) -> tuple[str, ...]:
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
    nodes = script.revision_map._get_ancestor_nodes(
        script.revision_map.get_revisions(heads), include_dependencies=True
    )
    return {n.revision for n in nodes}


def _status(
    script: ScriptDirectory, branches: list[Branch], heads: tuple[str, ...]
) -> list[BranchStatus]:
    applied = _applied(script, heads)
    result = []
    for branch in branches:
        head = _branch_head(script, branch)
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


def _current_heads(connection: Connection) -> tuple[str, ...]:
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


# -- the environment (called from env.py) ------------------------------------------------------


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    # Our TypeDecorators render as their module path; the template imports that module.
    from lucien.core.db.types import BigIntId, UTCDateTime

    if type_ == "type" and isinstance(obj, BigIntId | UTCDateTime):
        return f"lucien.core.db.types.{type(obj).__name__}()"
    return False


def configure_context(context: Any, config: Config, connection: Connection) -> None:
    """Configure Alembic's context from `config.attributes` (see env.py)."""
    attrs = config.attributes
    context.configure(
        connection=connection,
        target_metadata=attrs.get("target_metadata"),
        include_object=attrs.get("include_object"),
        process_revision_directives=attrs.get("process_revision_directives"),
        on_version_apply=attrs.get("on_version_apply"),
        # Batch mode makes ALTERs work on SQLite and is a plain ALTER on PostgreSQL.
        render_as_batch=True,
        compare_type=True,
        render_item=_render_item,
        user_module_prefix="lucien.core.db.types.",
    )


def _run_env(
    cfg: Config, script: ScriptDirectory, connection: Connection, fn: Callable[..., Any], **kw: Any
) -> None:
    cfg.attributes["connection"] = connection
    with EnvironmentContext(cfg, script, fn=fn, **kw):
        script.run_env()


# -- synchronous core, run on an async connection via run_sync ---------------------------------


def _sqlite_foreign_keys(connection: Connection, on: bool) -> None:
    # PRAGMA foreign_keys is ignored inside a transaction, so set it on the raw connection
    # before SQLAlchemy begins one. Batch migrations recreate tables and must not cascade.
    cursor = connection.connection.cursor()
    try:
        cursor.execute(f"PRAGMA foreign_keys = {'ON' if on else 'OFF'}")
    finally:
        cursor.close()


def _upgrade_branch(
    connection: Connection,
    cfg: Config,
    script: ScriptDirectory,
    branch: Branch,
    own_transaction: bool = True,
) -> list[str]:
    """Upgrade one branch to head in one transaction; return the revisions applied.

    With `own_transaction=False` the caller's open transaction is used (and Alembic,
    seeing an external transaction, leaves committing to the caller).
    """
    applied: list[str] = []
    plan: list[str] = []
    destination = f"{branch.name}@head"

    def upgrade(rev: Any, _context: Any) -> Any:
        steps = script._upgrade_revs(destination, _known_heads(script, rev))
        plan.extend(s.revision.revision for s in steps)
        return steps

    def on_apply(*, step: Any, **_: Any) -> None:
        applied.append(step.up_revision_id)

    cfg.attributes["on_version_apply"] = on_apply
    try:
        if own_transaction:
            with connection.begin():
                _run_env(cfg, script, connection, upgrade, destination_rev=destination)
        else:
            _run_env(cfg, script, connection, upgrade, destination_rev=destination)
    except Exception as exc:
        failed = next((r for r in plan if r not in applied), None)
        raise MigrationError(branch.name, failed, exc) from exc
    finally:
        cfg.attributes.pop("on_version_apply", None)
    return applied


def upgrade_in_transaction(connection: Connection, branches: list[Branch]) -> list[tuple[str, str]]:
    """Upgrade the enabled branches inside the caller's open transaction (PostgreSQL).

    Used by import-sqlite, so that a failed import also undoes the schema it created.
    """
    script = load_script(branches)
    cfg = make_config(branches)
    applied: list[tuple[str, str]] = []
    for branch in branches:
        if not branch.enabled or _branch_head(script, branch) is None:
            continue
        for rev in _upgrade_branch(connection, cfg, script, branch, own_transaction=False):
            applied.append((branch.name, rev))
    return applied


def _upgrade_sync(connection: Connection, branches: list[Branch], report: MigrationReport) -> None:
    script = load_script(branches)
    cfg = make_config(branches)
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        _sqlite_foreign_keys(connection, False)
    try:
        for branch in branches:
            if not branch.enabled or _branch_head(script, branch) is None:
                continue
            for rev in _upgrade_branch(connection, cfg, script, branch):
                log.info("migrated %s to %s", branch.name, rev)
                report.applied.append((branch.name, rev))
        if sqlite:
            bad = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            connection.rollback()
            if bad:
                raise MigrationError(
                    "?", None, f"foreign key violations after migrating: {bad[:5]}"
                )
    finally:
        if sqlite:
            _sqlite_foreign_keys(connection, True)
    report.status = _status(script, branches, _known_heads(script, _current_heads(connection)))
    connection.rollback()


def _status_sync(connection: Connection, branches: list[Branch]) -> list[BranchStatus]:
    script = load_script(branches)
    heads = _known_heads(script, _current_heads(connection))
    connection.rollback()
    return _status(script, branches, heads)


# -- public, async API --------------------------------------------------------------------------


def migration_engine(target: DatabaseTarget) -> AsyncEngine:
    """A short-lived engine (no pool) for migration work, separate from the app's pool."""
    return create_engine(target, poolclass=NullPool)


async def with_advisory_lock(engine: AsyncEngine, body: Callable[[], Any]) -> tuple[Any, float]:
    """Run `body()` holding the migration lock (PostgreSQL); return (result, seconds waited)."""
    if engine.dialect.name != "postgresql":
        return await body(), 0.0
    async with engine.connect() as lock_conn:
        # Autocommit: the lock is session-level; no transaction should stay open meanwhile.
        lock_conn = await lock_conn.execution_options(isolation_level="AUTOCOMMIT")
        started = time.perf_counter()
        got = (
            await lock_conn.execute(
                text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_LOCK_KEY}
            )
        ).scalar()
        if not got:
            log.info("another process is migrating; waiting for it")
            await lock_conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": ADVISORY_LOCK_KEY})
        waited = time.perf_counter() - started
        try:
            return await body(), waited
        finally:
            await lock_conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_LOCK_KEY})


async def upgrade_branches(target: DatabaseTarget, branches: list[Branch]) -> MigrationReport:
    """Upgrade the enabled branches of `branches` to head (lower-level than upgrade_all)."""
    started = time.perf_counter()
    report = MigrationReport()
    engine = migration_engine(target)
    try:
        # Fast path: nothing to do means no lock and no env.py run.
        async with engine.connect() as conn:
            status = await conn.run_sync(_status_sync, branches)
        if all(s.at_head for s in status if s.enabled):
            report.status, report.fast_path = status, True
            report.duration = time.perf_counter() - started
            return report

        async def body() -> None:
            async with engine.connect() as conn:
                await conn.run_sync(_upgrade_sync, branches, report)

        _, report.lock_wait = await with_advisory_lock(engine, body)
    finally:
        await engine.dispose()
    report.duration = time.perf_counter() - started
    return report


async def upgrade_all(settings: Settings, registry: PluginRegistry | None) -> MigrationReport:
    """Upgrade the core and every enabled plugin's branch to head.

    Raises MigrationError (branch, revision, error) when a migration fails; the failing
    branch is rolled back, and the caller must not serve.
    """
    return await upgrade_branches(settings.database, collect_branches(registry))


async def migration_status(
    settings: Settings, registry: PluginRegistry | None
) -> list[BranchStatus]:
    """Per branch: the revision applied, the head, the revisions pending, enabled or not."""
    branches = collect_branches(registry)
    engine = migration_engine(settings.database)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(_status_sync, branches)
    finally:
        await engine.dispose()


async def is_at_head(
    settings: Settings, registry: PluginRegistry | None, *, engine: AsyncEngine | None = None
) -> bool:
    """True when the core and every enabled plugin are at head (for /health).

    Pass the app's engine to reuse its pool; otherwise a throwaway engine is used.
    """
    branches = collect_branches(registry)
    own = engine is None
    engine = engine or migration_engine(settings.database)
    try:
        async with engine.connect() as conn:
            status = await conn.run_sync(_status_sync, branches)
    except MigrationError:
        return False
    finally:
        if own:
            await engine.dispose()
    return all(s.at_head for s in status if s.enabled)


# -- downgrade and autogenerate (the CLI) ------------------------------------------------------


def _find_branch(branches: list[Branch], name: str) -> Branch:
    for branch in branches:
        if branch.name == name:
            return branch
    known = ", ".join(b.name for b in branches)
    raise MigrationError(name, None, f"no such migration branch (known: {known})")


def _downgrade_sync(
    connection: Connection, branches: list[Branch], branch: Branch, target: str
) -> list[str]:
    script = load_script(branches)
    cfg = make_config(branches)
    destination = f"{branch.name}@{target}" if target in ("base", "head") else target
    done: list[str] = []
    plan: list[str] = []

    def downgrade(rev: Any, _context: Any) -> Any:
        steps = script._downgrade_revs(destination, _known_heads(script, rev))
        plan.extend(s.revision.revision for s in steps)
        return steps

    def on_apply(*, step: Any, **_: Any) -> None:
        # On a downgrade step, up_revision_id is the revision being undone.
        done.append(step.up_revision_id)

    cfg.attributes["on_version_apply"] = on_apply
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        _sqlite_foreign_keys(connection, False)
    try:
        with connection.begin():
            _run_env(cfg, script, connection, downgrade, destination_rev=destination)
    except Exception as exc:
        failed = next((r for r in plan if r not in done), None)
        raise MigrationError(branch.name, failed, exc) from exc
    finally:
        if sqlite:
            _sqlite_foreign_keys(connection, True)
    return done


async def downgrade_branch(
    settings: Settings, registry: PluginRegistry | None, branch_name: str, target: str = "base"
) -> list[str]:
    """Downgrade one branch (`base` removes a plugin's schema); returns revisions undone."""
    branches = collect_branches(registry)
    branch = _find_branch(branches, branch_name)
    engine = migration_engine(settings.database)
    try:

        async def body() -> list[str]:
            async with engine.connect() as conn:
                return await conn.run_sync(_downgrade_sync, branches, branch, target)

        result, _ = await with_advisory_lock(engine, body)
        return result
    finally:
        await engine.dispose()


def branch_metadata(branch: Branch, registry: PluginRegistry | None) -> MetaData | None:
    """The MetaData holding the branch's tables (core: the core models)."""
    if branch.name == CORE:
        import lucien.core.db.models  # noqa: F401  (registers the core tables)

        return Base.metadata
    if registry is None or branch.record is None:
        return None
    return registry.call_plugin(branch.record, "lucien_models_metadata")


def branch_tables(branch: Branch, registry: PluginRegistry | None) -> set[str]:
    """Names of the tables the branch owns.

    A plugin's own MetaData is all its own; when a plugin shares the core `Base`, only the
    tables mapped by classes from the plugin's package (or with `info={"plugin": name}`)
    are its own.
    """
    metadata = branch_metadata(branch, registry)
    if metadata is None:
        return set()
    import lucien.core.db.models as core_models

    core_tables = {
        m.local_table.name
        for m in Base.registry.mappers
        if m.class_.__module__ == core_models.__name__
    }
    if branch.name == CORE:
        return core_tables
    if metadata is not Base.metadata:
        return set(metadata.tables) - core_tables
    package = _plugin_package(branch)
    owned = set()
    for mapper in Base.registry.mappers:
        table = mapper.local_table
        if table.info.get("plugin") == branch.name or (
            package and mapper.class_.__module__.split(".")[: len(package)] == package
        ):
            owned.add(table.name)
    for table in metadata.tables.values():
        if table.info.get("plugin") == branch.name:
            owned.add(table.name)
    return owned - core_tables


def _plugin_package(branch: Branch) -> list[str]:
    obj = branch.record.obj if branch.record else None
    if obj is None:
        return []
    module = obj.__name__ if isinstance(obj, type(os)) else type(obj).__module__
    return module.split(".")


def _include_for(tables: set[str]) -> Callable[..., bool]:
    def include_object(
        obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
    ) -> bool:
        if type_ == "table":
            return name in tables
        table = getattr(obj, "table", None)
        if table is not None:
            return table.name in tables
        return True

    return include_object


def _compare_sync(connection: Connection, metadata: MetaData, tables: set[str]) -> list[Any]:
    from alembic.autogenerate import compare_metadata

    mc = MigrationContext.configure(
        connection,
        opts={"include_object": _include_for(tables), "compare_type": True},
    )
    diffs = compare_metadata(mc, metadata)
    connection.rollback()
    return diffs


async def compare_models(
    settings: Settings, registry: PluginRegistry | None, branch_name: str
) -> list[Any]:
    """Differences between the branch's models and the database (empty = they match)."""
    branches = collect_branches(registry)
    branch = _find_branch(branches, branch_name)
    metadata = branch_metadata(branch, registry)
    if metadata is None:
        return []
    tables = branch_tables(branch, registry)
    engine = migration_engine(settings.database)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(_compare_sync, metadata, tables)
    finally:
        await engine.dispose()


def _revision_sync(
    connection: Connection,
    branches: list[Branch],
    branch: Branch,
    message: str,
    metadata: MetaData,
    tables: set[str],
) -> str | None:
    script = load_script(branches)
    cfg = make_config(branches)
    # The environment must run (to reach the database) even though Alembic's own
    # autogenerate is not used: it insists that *every* head be applied, and a disabled
    # plugin's branch legitimately is not.
    cfg.set_main_option("revision_environment", "true")
    head = _branch_head(script, branch)
    kwargs: dict[str, Any] = {"version_path": str(branch.path)}
    if head is None:
        kwargs["head"] = "base"
        kwargs["branch_label"] = branch.name
        if branch.name != CORE:
            kwargs["depends_on"] = _branch_head(script, branches[0])
    else:
        kwargs["head"] = f"{branch.name}@head"

    def directives(context: MigrationContext, _rev: Any, scripts: list[Any]) -> None:
        diff = produce_migrations(context, metadata)
        if diff.upgrade_ops is None or diff.upgrade_ops.is_empty():
            scripts[:] = []
            return
        scripts[0].upgrade_ops = diff.upgrade_ops
        scripts[0].downgrade_ops = diff.downgrade_ops
        scripts[0].imports.update(diff.imports if hasattr(diff, "imports") else ())

    cfg.attributes["include_object"] = _include_for(tables)
    cfg.attributes["target_metadata"] = metadata
    cfg.attributes["connection"] = connection
    result = command.revision(
        cfg, message=message, process_revision_directives=directives, **kwargs
    )
    connection.rollback()
    _script_cache.clear()
    if not result:
        return None
    script_obj = result[0] if isinstance(result, list) else result
    return script_obj.path


async def new_revision(
    settings: Settings, registry: PluginRegistry | None, branch_name: str, message: str
) -> str | None:
    """Autogenerate a revision into the branch's folder comparing only its tables.

    Upgrades the core and that branch first (autogenerate compares against the database).
    Returns the new file's path, or None when the models already match.
    """
    branches = collect_branches(registry)
    branch = _find_branch(branches, branch_name)
    metadata = branch_metadata(branch, registry)
    if metadata is None:
        raise MigrationError(branch.name, None, "the plugin returns no lucien_models_metadata")
    tables = branch_tables(branch, registry)
    wanted = [Branch(b.name, b.path, b.name in (CORE, branch.name), b.record) for b in branches]
    await upgrade_branches(settings.database, wanted)
    engine = migration_engine(settings.database)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(_revision_sync, branches, branch, message, metadata, tables)
    finally:
        await engine.dispose()


def run(coro: Any) -> Any:
    """Run a coroutine from synchronous code (the CLI)."""
    return asyncio.run(coro)
