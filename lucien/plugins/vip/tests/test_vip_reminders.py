"""The VIP reminder after a long jump of the clock, as a tester made in the sandbox: 29 days
at once, or in the sandbox's 12-hour steps, with two replicas running their jobs at the
same moments (SQLite and PostgreSQL, shared Redis). Each member is reminded exactly once
and, at the end, said farewell exactly once.

Why a reminder cannot double here: the job marks the subscription (`reminded_at`) and
queues the message in one transaction, only while its lease holds, under an outbox key
naming the period (`vip.reminder:<user>:<end>`); a second replica finds the row marked,
or its lease taken back. (A duplicate seen in the sandbox came from elsewhere: the
outbox's 60-second lease is counted on the sandbox's clock, which a jump moves by hours
while a delivery is in flight; see the report of this change.)
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest

from lucien.plugins.vip.tests.card_helpers import cross_ritual, start_with_channel, vip

pytestmark = pytest.mark.lucien(plugins=["voice", "admin", "vip"], redis=True)

REMINDER = ("ends in", "A discreet reminder")  # vip.reminder (en), both variants
FAREWELL = ("has ended and you have left", "has come to an end")  # vip.expired (en)


async def members(harness: Any, n: int) -> list[Any]:
    """`n` members of a 30-day plan, each through the ritual and inside the channel."""
    svc = vip(harness)
    plan = await svc.create_plan("Gold", 30, 999, "USD")
    found = []
    for i, code in enumerate(await svc.generate_tokens(plan.id, n, by=None)):
        user = harness.user(f"Member{i}", language_code="en")
        await user.send(code)
        assert await user.join(await cross_ritual(user)) == "joined"
        found.append(user)
    return found


def said(user: Any, phrases: tuple[str, ...]) -> int:
    return sum(1 for m in user.messages if any(p in (m.text or "") for p in phrases))


async def both(apps: list[Any], harness: Any) -> None:
    """Both replicas run every job at the same moment."""
    await asyncio.gather(*(app.run_jobs_once() for app in apps))
    await harness.emulator.wait_idle()


async def test_a_29_day_jump_reminds_each_member_once_on_two_replicas(harness: Any) -> None:
    await start_with_channel(harness)
    users = await members(harness, 4)
    apps = [harness.app, await harness.start_app()]
    before = len(harness.emulator.calls_of("sendMessage"))

    harness.clock.advance(days=29)  # one day left: the reminder is due
    for _ in range(2):
        await both(apps, harness)
    sent = harness.emulator.calls_of("sendMessage")[before:]
    assert Counter(int(c.params["chat_id"]) for c in sent) == {u.id: 1 for u in users}
    for user in users:
        assert said(user, REMINDER) == 1 and "1 day" in user.last.text

    harness.clock.advance(days=1)
    for _ in range(2):
        await both(apps, harness)
    for user in users:
        assert said(user, REMINDER) == 1 and said(user, FAREWELL) == 1


async def test_the_sandboxs_stepped_jump_reminds_once(harness: Any) -> None:
    await start_with_channel(harness)
    early = await members(harness, 2)
    harness.clock.advance(hours=5)  # these end 5 hours later: reminded mid-jump
    late = await members(harness, 2)
    apps = [harness.app, await harness.start_app()]

    for _ in range(2 * 31):  # 31 days in the sandbox's steps of 12 hours
        harness.clock.advance(hours=12)
        await both(apps, harness)
    for user in early + late:
        assert said(user, REMINDER) == 1, [m.text for m in user.messages]
        assert said(user, FAREWELL) == 1
