"""Role resolution reads beside a writer: on SQLite a write session holds the database's
single write lock from BEGIN to COMMIT, and every update resolves its user's role, so the
role check must be a read-only session that does not queue behind that lock.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select

from lucien.core.roles import resolve_role
from lucien.plugins.admin.models import Admin
from lucien.plugins.admin.services import admin_service

pytestmark = pytest.mark.lucien(plugins=["admin"])

# Far below SQLite's busy timeout (5 s): a check queued behind the writer would still be
# waiting when this runs out, while one that reads beside it returns at once.
BESIDE_WRITER_S = 2.0


async def test_an_admins_role_resolves_while_a_writer_holds_the_lock(harness: Any) -> None:
    ada = harness.admin("Ada")
    fred = harness.user("Fred")
    gus = harness.user("Gus")
    await harness.start_app()
    ctx = harness.ctx
    assert await admin_service(ctx).add(fred.id, by=ada.id)

    holding = asyncio.Event()
    release = asyncio.Event()

    async def add_gus_slowly() -> None:
        # A write session that has written and stays open, holding the write lock.
        async with ctx.db.session() as s:
            s.add(Admin(user_id=gus.id, added_by=ada.id, added_at=ctx.clock.now()))
            await s.flush()
            holding.set()
            await release.wait()

    writer = asyncio.create_task(add_gus_slowly())
    try:
        await asyncio.wait_for(holding.wait(), BESIDE_WRITER_S)
        # Through the real app: every plugin's role hook, as an update would ask.
        role = await asyncio.wait_for(resolve_role(ctx, fred.id), BESIDE_WRITER_S)
        assert role == "admin"
        assert await asyncio.wait_for(admin_service(ctx).is_admin(fred.id), BESIDE_WRITER_S)
        # The settings every menu reads, past the cache.
        await ctx.cache.invalidate("settings", "admin")
        await asyncio.wait_for(ctx.config.get("admin"), BESIDE_WRITER_S)
        # The readers saw the last committed state: Gus is not an admin yet.
        assert not await asyncio.wait_for(admin_service(ctx).is_admin(gus.id), BESIDE_WRITER_S)
        assert not writer.done(), "the writer must still hold the lock during the checks"
    finally:
        release.set()
        await writer

    async with ctx.db.session(readonly=True) as s:
        stored = set(await s.scalars(select(Admin.user_id)))
    assert stored == {fred.id, gus.id}
    await fred.send("/start")
    assert fred.last.buttons == [
        ["Configuration"],
        ["Users"],
        ["Statistics"],
        ["Administrators"],
        ["Plugins"],
    ]
