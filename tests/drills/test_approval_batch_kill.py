"""kill -9 in the middle of a batch of 30 free-channel approvals (issue 16, item 3).

Thirty people asked to join and were told to wait a minute; the minute passes (the drill
moves the database's due times: the processes run on the real clock). The approvals job
takes them as one batch while the Bot API answers each sendMessage a second late, and the
replica is killed half-way. After the restart (and the dead replica's leases lapsing, the
same jump of the clock) every one of them is approved and welcomed; a welcome is doubled
only where its send was in flight at the kill (held at the emulator then), never more.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from lucien.core.testing.replicas import Cluster
from tests.drills.kit import SETTLE, join_request_link, request_to_join, time_passes, wait_until

pytestmark = pytest.mark.cluster(plugins=["voice", "free"], handle_timeout=40.0)
PEOPLE = 30


async def test_kill_during_a_batch_of_approvals_then_restart(cluster: Cluster) -> None:
    emu = cluster.emulator
    channel = emu.create_channel("Vestibule")
    link = join_request_link(cluster, channel)
    [replica] = await cluster.start_replicas(
        1, env={"FREE_CHANNEL_ID": str(channel.id), "FREE_WAIT_MINUTES": "1"}
    )
    people = [cluster.user(f"P{i}") for i in range(PEOPLE)]
    # Each has talked to the bot: it may write to them after the approval too, so a second
    # welcome would reach them (Telegram refuses it to people who never did).
    await asyncio.gather(*(p.send("/start") for p in people))
    requests = [u for p in people for u in request_to_join(cluster, channel, p, link)]
    await emu.wait_handled(requests)
    told = {p.id: len(p.messages) for p in people}  # the greeting, "please wait a minute"
    assert set(told.values()) == {2}

    emu.faults.add("sendMessage", delay=1.0)  # a slow Bot API for the welcomes
    await time_passes(cluster, 65)
    await wait_until(
        lambda: 5 <= sum(channel.status_of(p.id) == "member" for p in people),
        20,
        "the batch under way (5 approved)",
    )
    # In flight at the kill: the sends the Bot API holds, and those it answered in the last
    # 0.2 s (their answer may still be on its way back, their record not yet written).
    answered = len(emu.calls_of("sendMessage"))
    await asyncio.sleep(0.2)
    in_flight = sum(1 for held in emu.faults.held if held.method.lower() == "sendmessage")
    in_flight += len(emu.calls_of("sendMessage")) - answered
    approved_at_kill = sum(channel.status_of(p.id) == "member" for p in people)
    await replica.kill()  # nothing ran between the count and the signal: no await between
    assert approved_at_kill < PEOPLE, "the batch ended before the kill: nothing was tested"

    await time_passes(cluster, 65)  # the dead replica's leases lapse
    await replica.restart()
    await wait_until(
        lambda: all(channel.status_of(p.id) == "member" for p in people),
        30,
        "every requester approved after the restart",
    )
    await wait_until(
        lambda: all(len(p.messages) > told[p.id] for p in people),
        30,
        "every requester welcomed",
    )
    await emu.faults.wait_none_held(within=10)
    await asyncio.sleep(SETTLE)

    welcomes = Counter({p.id: len(p.messages) - told[p.id] for p in people})
    doubled = [uid for uid, n in welcomes.items() if n > 1]
    assert max(welcomes.values()) <= 2, welcomes
    assert len(doubled) <= in_flight, (
        f"{len(doubled)} welcomes doubled, {in_flight} sends in flight at the kill "
        f"({approved_at_kill} approved by then)"
    )
