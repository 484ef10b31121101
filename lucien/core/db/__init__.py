"""The data layer: engine and sessions, column types, core tables, migrations, import."""

from lucien.core.db.base import Base, make_metadata
from lucien.core.db.engine import Database

__all__ = ["Base", "Database", "make_metadata"]
