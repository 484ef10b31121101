"""Many join requests due together: all approved, none early, no 429, one approval each.

The issue asks for 1,000 due at once. At the sender's 25 messages/s the welcomes of 1,000
users take ~40 s of real time, too slow for the suite; so this suite runs 200 requests
with the emulator's limits ON and every limit window scaled by 0.1 (the emulator allows
300 messages/s) and a Sender scaled the same way (250/s): a 429 would still show, the
suite stays fast. The 1,000 at real speed and real clock are in
`bench/bench_free_approvals.py`, which also measures the due -> approved delays.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select

from lucien.core.sender import Sender
from lucien.plugins.free.models import FreeJoinRequest
from lucien.plugins.free.services import service

SCALE = 0.1


async def configure(harness: Any, wait: int) -> tuple[Any, str]:
    channel = harness.emulator.create_channel("Vestibule")
    ctx = harness.ctx
    for key, value in (("channel_id", channel.id), ("wait_minutes", wait)):
        await ctx.config.update(
            "free", key, value, expected_version=await ctx.config.version("free", key), by=None
        )
    link = await service(ctx).join_link(channel.id)
    assert link is not None
    return channel, link


def scaled_sender(harness: Any, app: Any) -> None:
    """The emulator's limits shrink by SCALE; the sender speeds up (20/s scaled, not 25:
    a loaded test machine bunches calls more than a network does)."""
    harness.emulator.limiter.scale = SCALE
    ctx = app.ctx
    ctx.sender = Sender(ctx.bot, per_second=20 / SCALE, burst=1, on_blocked=ctx.users.mark_blocked)


@pytest.mark.lucien(plugins=["voice", "free"], limits="on")
async def test_200_due_together_all_approved_none_early_no_429(harness: Any) -> None:
    app = await harness.start_app()
    scaled_sender(harness, app)
    channel, link = await configure(harness, wait=10)
    users = [harness.user(f"U{i}", language_code="en") for i in range(200)]
    due: dict[int, Any] = {}
    for i, user in enumerate(users):
        await user.send("hi")  # started the bot: the welcome may reach them
        if i and i % 20 == 0:
            harness.clock.advance(seconds=1)  # ten waves, one second apart
        due[user.id] = harness.clock.now().replace(microsecond=0)
        assert await user.join(link) == "requested"

    harness.clock.advance(minutes=10, seconds=-11)
    for _step in range(11):
        await harness.advance(seconds=1)
        now = harness.clock.now()
        members = {u.id for u in users if channel.members.get(u.id) == "member"}
        expected = {uid for uid, at in due.items() if (now - at).total_seconds() >= 600}
        assert members == expected  # each approved at its time, none before it
    assert len(members) == 200

    await harness.run_jobs()  # the welcome job sends 100 per run
    async with harness.ctx.db.session() as s:
        rows = list(await s.scalars(select(FreeJoinRequest)))
    assert {r.status for r in rows} == {"approved"}
    assert all(r.handled_at == r.due_at for r in rows)  # the fake clock: exactly on time
    assert {r.welcome for r in rows} == {"queued"}  # the outbox made them
    # The answer to "hi" (the way to the menu), the wait, then the welcome.
    assert all(len(u.messages) == 3 for u in users)
    assert [c for c in harness.emulator.calls if c.status == 429] == []
    assert len(harness.emulator.calls_of("approveChatJoinRequest")) == 200


@pytest.mark.lucien(plugins=["voice", "free"])
async def test_two_replicas_approve_each_request_once(harness: Any) -> None:
    first = await harness.start_app()
    second = await harness.start_app()
    channel, link = await configure(harness, wait=5)
    users = [harness.user(f"P{i}", language_code="en") for i in range(60)]
    for user in users:
        assert await user.join(link) == "requested"
    harness.clock.advance(minutes=5)
    await asyncio.gather(first.run_jobs_once(), second.run_jobs_once())
    await harness.emulator.wait_idle()
    assert all(channel.members.get(u.id) == "member" for u in users)
    calls = harness.emulator.calls_of("approveChatJoinRequest")
    assert len(calls) == 60 and all(c.status == 200 for c in calls)
    assert (await service(first.ctx).counts()) == {"approved": 60}
