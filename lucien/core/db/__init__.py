"""The data layer: engine and sessions, column types, core tables, migrations, import."""

from lucien.core.db.base import Base, make_metadata
from lucien.core.db.engine import Database
from lucien.core.db.statements import dialect_insert, upsert

__all__ = ["Base", "Database", "dialect_insert", "make_metadata", "upsert"]
