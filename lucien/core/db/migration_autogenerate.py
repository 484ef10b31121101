"""`lucien migrate new`: autogenerate a revision into one branch, comparing only its tables.

A plugin may share the core `Base` (so its foreign keys to `users` resolve), so "its
tables" are worked out from where the mapped classes live (`branch_tables`); everything
else in the database is left out of the comparison.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from alembic import command
from alembic.autogenerate import produce_migrations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, Table
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapper

from lucien.core.db.base import Base
from lucien.core.db.engine import readonly
from lucien.core.db.migration_branches import (
    CORE,
    Branch,
    MigrationError,
    branch_head,
    collect_branches,
    find_branch,
    forget_scripts,
    load_script,
    make_config,
)
from lucien.core.db.migration_runtime import migration_engine, upgrade_branches

if TYPE_CHECKING:
    from lucien.core.plugins import PluginRegistry
    from lucien.core.settings import Settings


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
        table.name for m, table in _mapped_tables() if m.class_.__module__ == core_models.__name__
    }
    if branch.name == CORE:
        return core_tables
    if metadata is not Base.metadata:
        return set(metadata.tables) - core_tables
    package = _plugin_package(branch)
    owned = set()
    for mapper, table in _mapped_tables():
        if table.info.get("plugin") == branch.name or (
            package and mapper.class_.__module__.split(".")[: len(package)] == package
        ):
            owned.add(table.name)
    for table in metadata.tables.values():
        if table.info.get("plugin") == branch.name:
            owned.add(table.name)
    return owned - core_tables


def _mapped_tables() -> list[tuple[Mapper[Any], Table]]:
    """Every class mapped on the core `Base`, with its table (plain tables only)."""
    return [(m, m.local_table) for m in Base.registry.mappers if isinstance(m.local_table, Table)]


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
    branch = find_branch(branches, branch_name)
    metadata = branch_metadata(branch, registry)
    if metadata is None:
        return []
    tables = branch_tables(branch, registry)
    engine = migration_engine(settings.database)
    try:
        async with readonly(engine).connect() as conn:
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
    head = branch_head(script, branch)
    kwargs: dict[str, Any] = {"version_path": str(branch.path)}
    if head is None:
        kwargs["head"] = "base"
        kwargs["branch_label"] = branch.name
        if branch.name != CORE:
            kwargs["depends_on"] = branch_head(script, branches[0])
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
    forget_scripts()
    if not result:
        return None
    script_obj = result[0] if isinstance(result, list) else result
    return script_obj.path if script_obj is not None else None


async def new_revision(
    settings: Settings, registry: PluginRegistry | None, branch_name: str, message: str
) -> str | None:
    """Autogenerate a revision into the branch's folder comparing only its tables.

    Upgrades the core and that branch first (autogenerate compares against the database).
    Returns the new file's path, or None when the models already match.
    """
    branches = collect_branches(registry)
    branch = find_branch(branches, branch_name)
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
