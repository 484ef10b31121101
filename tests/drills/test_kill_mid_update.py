"""kill -9 of a replica in the middle of an update (issue 16, item 1).

Ana asks for her VIP status; replica 0 takes the update and, inside the handler, waits on
Telegram for her answer (the Bot API holds that sendMessage: it never runs). Replica 0 is
killed. Railway's edge answers Telegram 502, and Telegram redelivers 2 s later, to the
replica still running. The claim replica 0 held must die with it: the redelivery is handled
(not acknowledged as done and dropped) and Ana reads one answer. Her next message, sent
just after the kill, must not wait for the dead replica's per-user lock.
"""

from __future__ import annotations

import asyncio

import pytest

from lucien.core.testing.replicas import Cluster
from tests.drills.kit import greetings, push_text, vip_answers, wait_until

pytestmark = pytest.mark.cluster(
    plugins=["voice", "vip"], webhook_retries=4, webhook_backoff=2.0, handle_timeout=40.0
)

# Bound on the dead replica's lease, seen by the user: her next update answered within this.
NEXT_UPDATE_WITHIN = 5.0


async def test_update_of_a_killed_replica_is_handled_once_by_the_other(cluster: Cluster) -> None:
    await cluster.start_replicas(2)
    emu = cluster.emulator
    ana = cluster.user("Ana")

    emu.faults.add("sendMessage", hang=True, times=1, user_id=ana.id)
    cluster.lb.route_next_to(0)
    vip = push_text(cluster, ana, "/vip")
    await emu.faults.wait_held(1)  # replica 0 is inside the handler, waiting on Telegram
    await cluster.replicas[0].kill()

    start = push_text(cluster, ana, "/start")  # goes to replica 1, the one left
    took = await wait_until(
        lambda: bool(greetings(ana)), NEXT_UPDATE_WITHIN, "Ana's /start after the kill answered"
    )
    assert took <= NEXT_UPDATE_WITHIN
    assert await asyncio.wait_for(asyncio.shield(start.done), 30)

    # The /vip update: 502 from the dead replica, then redelivered to replica 1 and handled.
    assert await asyncio.wait_for(asyncio.shield(vip.done), 40), cluster.report()
    forwards = cluster.lb.of(vip.update_id)
    assert (forwards[0].replica, forwards[0].status) == (0, None)
    assert {f.replica for f in forwards[1:]} == {1}
    assert forwards[-1].status == 200
    await emu.wait_idle()
    assert len(vip_answers(ana)) == 1, [m.text for m in ana.messages]  # once, not zero or two
    assert len(greetings(ana)) == 1
