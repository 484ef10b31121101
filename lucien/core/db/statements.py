"""Dialect-aware statements: the backend's INSERT and the upsert built on it.

PostgreSQL and SQLite both have `INSERT ... ON CONFLICT`, but SQLAlchemy spells it on each
dialect's own `insert`, so code that runs on both must pick one per backend. This is the
one place that does; services call `upsert(session, Model, values, conflict=[...])`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Column, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.dml import Insert

from lucien.core.db.engine import Database

# What a statement's backend can be read from: the app's Database, a session, an engine or
# a connection (sync or async), or a dialect name.
Bind = Database | AsyncSession | Session | Any
Target = type[Any] | Table
ConflictColumn = str | Column[Any] | InstrumentedAttribute[Any]

_INSERTS: dict[str, Callable[[Target], postgresql.Insert | sqlite.Insert]] = {
    "postgresql": postgresql.insert,
    "sqlite": sqlite.insert,
}


def dialect_name(bind: Bind) -> str:
    """The backend's dialect name ("postgresql" or "sqlite") for any of the `Bind` forms."""
    if isinstance(bind, str):
        return bind
    if isinstance(bind, Database):
        return bind.engine.dialect.name
    if isinstance(bind, AsyncSession | Session):
        return bind.get_bind().dialect.name
    dialect = getattr(bind, "dialect", None)
    if dialect is None:
        raise TypeError(f"cannot tell the database backend of {bind!r}")
    return str(dialect.name)


def dialect_insert(bind: Bind, table: Target) -> postgresql.Insert | sqlite.Insert:
    """`INSERT INTO table` in the backend's dialect (it has `on_conflict_do_*`)."""
    name = dialect_name(bind)
    try:
        insert = _INSERTS[name]
    except KeyError:
        raise ValueError(f"no INSERT ... ON CONFLICT for the {name!r} dialect") from None
    return insert(table)


def upsert(
    bind: Bind,
    table: Target,
    values: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    *,
    conflict: Sequence[ConflictColumn],
    update: Sequence[str] | Mapping[str, Any] | None = None,
) -> Insert:
    """`INSERT ... ON CONFLICT (conflict) DO UPDATE` (or `DO NOTHING`), for either backend.

    `conflict` names the unique columns that identify the row. `update` says what a
    conflicting row gets: column names take the value being inserted (`excluded`), a
    mapping gives explicit values, None (the default) leaves the row as it is. The caller
    executes the statement; its `rowcount` is 0 when DO NOTHING skipped the row.
    """
    stmt = dialect_insert(bind, table).values(values)
    if update is None:
        return stmt.on_conflict_do_nothing(index_elements=list(conflict))
    set_: Mapping[str, Any] = (
        update if isinstance(update, Mapping) else {name: stmt.excluded[name] for name in update}
    )
    if not set_:
        raise ValueError("upsert: `update` is empty; pass None for ON CONFLICT DO NOTHING")
    return stmt.on_conflict_do_update(index_elements=list(conflict), set_=set_)
