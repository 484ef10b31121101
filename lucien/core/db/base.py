"""The declarative base and the constraint naming convention.

Named constraints make autogenerate stable (no anonymous names that differ per backend)
and let SQLite batch migrations drop or alter a constraint by name.
"""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def make_metadata() -> MetaData:
    """A fresh MetaData with the project's naming convention (for a plugin's own base)."""
    return MetaData(naming_convention=NAMING_CONVENTION)


class Base(DeclarativeBase):
    """Base class of every mapped table.

    Plugins may subclass it directly (their tables then share this MetaData, so foreign
    keys to `users` resolve); `lucien migrate new PLUGIN` still compares only the tables
    defined in that plugin's package (or marked `__table_args__ = {"info": {"plugin": name}}`).
    """

    metadata = make_metadata()
