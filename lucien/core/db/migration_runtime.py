"""Running migrations: upgrade at startup under a lock, status, downgrade.

* Startup upgrades `core@head` and `<plugin>@head` for every *enabled* plugin, each
  branch in one transaction (SQLite included: the engine BEGINs explicitly), so a failure
  leaves that branch as it was and raises `MigrationError(branch, revision, error)`.
* On PostgreSQL the upgrade holds a session-level advisory lock on a dedicated
  connection: replicas starting together migrate once, the others wait, then see head.
* Status reads (the fast path, `migrate status`, /health) run in read-only transactions,
  so on SQLite they never queue behind the application's writers.
* `configure_context` is what the Alembic environment (`lucien/migrations/env.py`) calls.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import NullPool

from lucien.core.db.alembic_internals import downgrade_steps, upgrade_steps
from lucien.core.db.engine import create_engine, readonly
from lucien.core.db.migration_branches import (
    Branch,
    BranchStatus,
    MigrationError,
    branch_head,
    branch_status,
    collect_branches,
    current_heads,
    find_branch,
    known_heads,
    load_script,
    make_config,
)

if TYPE_CHECKING:
    from lucien.core.plugins import PluginRegistry
    from lucien.core.settings import DatabaseTarget, Settings

log = logging.getLogger("lucien.migrate")

# pg_advisory_lock key: "lucien" in ASCII. Advisory locks are per database.
ADVISORY_LOCK_KEY = 0x6C756369656E


@dataclass
class MigrationReport:
    """What `upgrade_all` did."""

    applied: list[tuple[str, str]] = field(default_factory=list)
    status: list[BranchStatus] = field(default_factory=list)
    lock_wait: float = 0.0
    duration: float = 0.0
    fast_path: bool = False


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
        # Alembic's own `upgrade` passes the heads tuple here too; its stub says str.
        heads: Any = known_heads(script, rev)
        steps = upgrade_steps(script, destination, heads)
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
        if not branch.enabled or branch_head(script, branch) is None:
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
            if not branch.enabled or branch_head(script, branch) is None:
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
    report.status = branch_status(script, branches, known_heads(script, current_heads(connection)))
    connection.rollback()


def _status_sync(connection: Connection, branches: list[Branch]) -> list[BranchStatus]:
    script = load_script(branches)
    heads = known_heads(script, current_heads(connection))
    connection.rollback()
    return branch_status(script, branches, heads)


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
        async with readonly(engine).connect() as conn:
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
        async with readonly(engine).connect() as conn:
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
        async with readonly(engine).connect() as conn:
            status = await conn.run_sync(_status_sync, branches)
    except MigrationError:
        return False
    finally:
        if own:
            await engine.dispose()
    return all(s.at_head for s in status if s.enabled)


# -- downgrade (the CLI) -----------------------------------------------------------------------


def _downgrade_sync(
    connection: Connection, branches: list[Branch], branch: Branch, target: str
) -> list[str]:
    script = load_script(branches)
    cfg = make_config(branches)
    destination = f"{branch.name}@{target}" if target in ("base", "head") else target
    done: list[str] = []
    plan: list[str] = []

    def downgrade(rev: Any, _context: Any) -> Any:
        heads: Any = known_heads(script, rev)  # a tuple, as Alembic's `downgrade` passes
        steps = downgrade_steps(script, destination, heads)
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
    branch = find_branch(branches, branch_name)
    engine = migration_engine(settings.database)
    try:

        async def body() -> list[str]:
            async with engine.connect() as conn:
                return await conn.run_sync(_downgrade_sync, branches, branch, target)

        result, _ = await with_advisory_lock(engine, body)
        return result
    finally:
        await engine.dispose()
