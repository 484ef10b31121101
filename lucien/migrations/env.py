"""Alembic environment: runs on the connection `lucien.core.db.migration_runtime` hands in.

Everything variable (connection, target metadata, which tables to compare) comes from
`config.attributes`, so this file stays the same for the core and every plugin branch.
The caller owns the transaction: it wraps each branch in one, so a failing migration
leaves no half-applied schema.
"""

from __future__ import annotations

from typing import Any

from alembic import context

from lucien.core.db.migration_runtime import configure_context

config = context.config

if context.is_offline_mode():
    raise RuntimeError("lucien migrations run online only (lucien migrate)")

connection: Any = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `lucien migrate`, not the alembic command")

configure_context(context, config, connection)
with context.begin_transaction():
    context.run_migrations()
