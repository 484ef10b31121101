"""Which tables a backup holds: the core's models and every installed plugin's
`lucien_models_metadata`, as far as they exist in the database, parents first."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Table
from sqlalchemy.schema import sort_tables

if TYPE_CHECKING:
    from lucien.core.plugins import PluginRegistry

# Alembic's own table: its rows are the manifest's revisions, never restored as data.
VERSION_TABLE = "alembic_version"


def known_tables(registry: PluginRegistry | None) -> dict[str, Table]:
    """Every table some installed plugin (or the core) declares, by name.

    Disabled plugins count: their tables keep their data while they are off, and a backup
    must not lose it. A plugin whose hook fails is left out (its tables are then reported
    as skipped by the dump).
    """
    import lucien.core.db.models  # noqa: F401  (maps the core's tables)
    from lucien.core.db.base import Base

    tables: dict[str, Table] = dict(Base.metadata.tables)
    if registry is not None:
        for record in registry.installed():
            try:
                metadata = registry.call_plugin(record, "lucien_models_metadata")
            except Exception:  # the plugin is broken: reported through the skipped tables
                continue
            for name, table in getattr(metadata, "tables", {}).items():
                tables.setdefault(name, table)
    tables.pop(VERSION_TABLE, None)
    return tables


def in_dependency_order(tables: list[Table]) -> list[Table]:
    """Parents before children (insert in this order, delete in the reverse)."""
    return list(sort_tables(tables))
