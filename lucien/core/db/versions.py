"""The revisions recorded in `alembic_version`, read without importing Alembic.

The serving process runs its startup migrations in a child process (`lucien migrate
--json`) and afterwards only compares what the database records with what the child
left, so Alembic and Mako (about 11 MB) are never loaded where updates are handled.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from lucien.core.db.engine import create_engine, readonly
from lucien.core.settings import DatabaseTarget


async def recorded_versions(engine: AsyncEngine) -> set[str]:
    """The revisions in `alembic_version` (a read-only transaction: never waits for writers)."""
    async with readonly(engine).connect() as conn:
        rows = await conn.execute(text("SELECT version_num FROM alembic_version"))
        return {row[0] for row in rows}


async def read_versions(target: DatabaseTarget) -> set[str]:
    """`recorded_versions` on a short-lived engine of its own."""
    engine = create_engine(target)
    try:
        return await recorded_versions(engine)
    finally:
        await engine.dispose()
