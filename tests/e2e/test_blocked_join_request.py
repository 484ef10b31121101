"""A user an admin blocked from the bot may still ask to join the Free channel: the
request is not something they send the bot, so it goes on to the free plugin rather than
being left pending in the channel for ever (issue 18)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from lucien.plugins.free.models import FreeJoinRequest
from lucien.plugins.free.services import service

pytestmark = [
    pytest.mark.lucien(plugins=["voice", "free"]),
    pytest.mark.parametrize("db_kind", ["sqlite"], indirect=True),
]


async def test_a_blocked_users_join_request_is_recorded_and_approved(harness: Any) -> None:
    await harness.start_app()
    ctx = harness.ctx
    channel = harness.emulator.create_channel("Vestibule")
    for key, value in (("channel_id", channel.id), ("wait_minutes", 5)):
        version = await ctx.config.version("free", key)
        await ctx.config.update("free", key, value, expected_version=version, by=None)
    link = await service(ctx).join_link(channel.id)
    assert link is not None
    ivo = harness.user("Ivo")
    await ivo.send("/start")
    await ctx.users.drain()
    await ctx.users.block(ivo.id, by=None)

    assert await ivo.join(link) == "requested"
    async with ctx.db.session(readonly=True) as s:
        row = await s.scalar(select(FreeJoinRequest).where(FreeJoinRequest.user_id == ivo.id))
    assert row is not None and row.status == "pending"
    await harness.advance(minutes=6)
    assert channel.members.get(ivo.id) == "member"
