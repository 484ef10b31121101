"""Join requests and approvals when Telegram or the database fail (issue 16).

The emulator fails on demand (`emulator.faults`); the database goes down for real
(PostgreSQL refuses connections; SQLite's write lock is held by another connection). Each
test runs on SQLite and PostgreSQL. Users never started the bot unless a test says so, so
a welcome reaches them only while their request is still pending.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import pytest
from aiogram.types import ChatJoinRequest
from sqlalchemy.engine import make_url

from lucien.core.testing.databases import pg_admin_url
from lucien.core.testing.emulator import JoinRequest, membership
from lucien.plugins.free.services import service
from lucien.plugins.free.tests.helpers import rows, setup_free

pytestmark = pytest.mark.lucien(plugins=["free"])

WELCOME = "Welcome to the free channel"


def welcomes(user: Any) -> int:
    """How many welcomes the user's client shows."""
    return sum(1 for m in user.messages if WELCOME in (m.text or ""))


def requested(harness: Any, channel: Any, user: Any) -> ChatJoinRequest:
    """The update a join request brings, as aiogram hands it to the handler."""
    return ChatJoinRequest.model_validate(
        {
            "chat": channel.to_api(),
            "from": harness.emulator.user_api(user.id),
            "user_chat_id": user.id,
            "date": int(harness.clock.now().timestamp()),
        }
    )


@asynccontextmanager
async def database_down(harness: Any) -> AsyncIterator[None]:
    """The database is unavailable for real until the block ends."""
    url = make_url(harness.database_url)
    if url.get_backend_name() == "sqlite":
        holder = sqlite3.connect(str(url.database), isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")  # every writer waits its busy timeout, then fails
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    admin = await asyncpg.connect(pg_admin_url())
    name = url.database
    try:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name
        )
        yield
    finally:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        await admin.close()


async def test_a_502_on_the_ban_check_still_records_approves_and_welcomes_once(
    harness: Any,
) -> None:
    await harness.start_app()
    channel, link = await setup_free(harness, wait=10)
    ana = harness.user("Ana", language_code="en")
    await ana.send("/start")  # she may be written to after the window
    before = len(ana.messages)
    harness.emulator.faults.add(method="getChatMember", status=502, times=1)

    assert await ana.join(link) == "requested"
    assert [c.status for c in harness.emulator.calls_of("getChatMember")] == [502]
    [row] = await rows(harness)
    assert (row.status, row.ban_checked) == ("pending", False)  # recorded, check owed
    assert len(ana.messages) == before + 1 and "10 minutes" in ana.last_text

    await harness.advance(minutes=9, seconds=59)
    assert ana.id not in channel.members
    await harness.advance(seconds=1)
    assert channel.members.get(ana.id) == "member"
    # The job checked the ban the request could not, then approved.
    assert [c.status for c in harness.emulator.calls_of("getChatMember")] == [502, 200]
    [row] = await rows(harness)
    assert (row.status, row.ban_checked) == ("approved", True)
    assert welcomes(ana) == 1
    await harness.advance(minutes=10)
    assert welcomes(ana) == 1 and len(ana.messages) == before + 2


async def test_a_ban_the_request_could_not_check_is_declined_by_the_job(harness: Any) -> None:
    await harness.start_app()
    channel, _link = await setup_free(harness, wait=5)
    gil = harness.user("Gil", language_code="en")
    emulator = harness.emulator
    # Telegram stops a banned user before the request; a ban racing the request is
    # simulated by writing both into the emulator's state (as in test_free.py).
    await emulator.wait_handled(
        membership.change_status(emulator, channel, gil.id, "kicked", actor_id=gil.id)
    )
    emulator.faults.add(method="getChatMember", status=502, times=1)
    await emulator.wait_handled(membership.request_to_join(emulator, channel, gil.id, None))
    assert gil.id in channel.join_requests  # not declined: the check failed
    assert (await rows(harness))[0].ban_checked is False
    assert "5 minutes" in gil.last_text  # unknown is not banned: told the wait

    await harness.advance(minutes=5)
    assert channel.status_of(gil.id) == "kicked" and gil.id not in channel.join_requests
    assert (await rows(harness))[0].status == "declined"
    assert harness.emulator.calls_of("approveChatJoinRequest") == []
    assert len(gil.messages) == 1  # no welcome


async def test_a_failed_wait_message_still_ends_approved_and_welcomed(harness: Any) -> None:
    await harness.start_app()
    channel, link = await setup_free(harness, wait=2)
    bea = harness.user("Bea", language_code="en")
    harness.emulator.faults.add(method="sendMessage", status=502, times=1)
    assert await bea.join(link) == "requested"
    assert bea.messages == []  # Telegram failed the message; the row is what matters
    assert (await rows(harness))[0].status == "pending"

    await harness.advance(minutes=2)  # inside the window: welcomed, then approved
    assert channel.members.get(bea.id) == "member"
    assert welcomes(bea) == 1


async def test_with_the_database_down_the_request_raises_and_nothing_is_sent(
    harness: Any,
) -> None:
    await harness.start_app()
    channel, _link = await setup_free(harness, wait=10)
    cai = harness.user("Cai", language_code="en")
    await cai.send("/start")
    # Telegram holds her request; its update reaches the handler while the database is down.
    channel.join_requests[cai.id] = JoinRequest(cai.id, harness.clock.now())
    calls = len(harness.emulator.calls)
    svc = service(harness.ctx)
    await svc.settings()  # cached, as after any earlier update

    async with database_down(harness):
        with pytest.raises(Exception) as raised:
            await svc.receive(requested(harness, channel, cai), None)
    assert not isinstance(raised.value, AssertionError)
    assert harness.emulator.calls[calls:] == []  # no check, no message before the row
    assert await rows(harness) == []

    # Telegram delivers the update again once the core answered with a retryable status.
    outcome = await svc.receive(requested(harness, channel, cai), None)
    assert outcome.outcome == "new"
    assert "10 minutes" in cai.last_text
    await harness.advance(minutes=10)
    assert channel.members.get(cai.id) == "member"
    assert welcomes(cai) == 1


async def test_an_interrupted_batch_of_30_repeats_only_the_welcomes_in_flight(
    harness: Any,
) -> None:
    """The batch job is cancelled (as a kill would stop it) while the emulator delays the
    approvals and holds some welcomes; run again, every user is approved, and only the
    welcomes that were in flight at the interruption may come twice."""
    app = await harness.start_app()
    channel, link = await setup_free(harness, wait=2)
    users = [harness.user(f"U{i:02}", language_code="en") for i in range(30)]
    for user in users:
        assert await user.join(link) == "requested"  # never started: in-window welcomes
        harness.clock.advance(seconds=1)  # one due time each: handled in this order
    faults = harness.emulator.faults
    faults.add(method="approveChatJoinRequest", delay=0.5)
    for user in users[20:]:
        faults.add(method="sendMessage", user_id=user.id, hang=True)

    harness.clock.advance(minutes=2)
    batch = asyncio.create_task(app.run_jobs_once())
    await faults.wait_held(10, method="sendMessage")
    in_flight = {h.params["chat_id"] for h in faults.held if h.method == "sendMessage"}
    batch.cancel()
    await asyncio.gather(batch, return_exceptions=True)
    approved_before = {r.user_id for r in await rows(harness) if r.status == "approved"}
    assert approved_before and len(approved_before) < 30  # interrupted mid-way
    assert len(in_flight) == 10
    faults.clear()  # Telegram answers what it held (the welcomes reach the users)
    await faults.wait_none_held()

    await harness.advance(seconds=61)  # the interrupted claims' leases run out
    await harness.advance(minutes=10)
    assert all(channel.members.get(u.id) == "member" for u in users)
    assert {r.status for r in await rows(harness)} == {"approved"}
    counts = {u.id: welcomes(u) for u in users}
    doubled = {uid for uid, n in counts.items() if n == 2}
    assert doubled <= in_flight, "only a welcome in flight at the interruption may repeat"
    assert all(counts[uid] == 1 for uid in counts.keys() - doubled), counts
    assert len(doubled) <= len(in_flight)
    assert all(counts[uid] >= 1 for uid in counts)
