"""SIGTERM while the Bot API hangs (issue 16, item 4).

Two people's updates are in the hands of replica 0, each waiting on a sendMessage the Bot
API never answers. Replica 0 gets SIGTERM (a deploy): it must exit within DRAIN_TIMEOUT
plus the shutdown hooks' 10 s (inside Railway's drainingSeconds, so never SIGKILLed), and
give the updates back: Telegram redelivers them to replica 1, which answers each once.
"""

from __future__ import annotations

import asyncio

import pytest

from lucien.core.testing.replicas import Cluster
from tests.drills.kit import push_text, vip_answers

DRAIN_TIMEOUT = 3.0
pytestmark = pytest.mark.cluster(
    plugins=["voice", "vip"],
    drain_timeout=DRAIN_TIMEOUT,
    webhook_retries=5,
    webhook_backoff=1.0,
    handle_timeout=40.0,
)


async def test_sigterm_with_the_bot_api_hanging_exits_in_time_and_hands_over(
    cluster: Cluster,
) -> None:
    old, new = await cluster.start_replicas(2)
    emu = cluster.emulator
    ana, bea = cluster.user("Ana"), cluster.user("Bea")

    emu.faults.add("sendMessage", hang=True, times=2)  # never answered, never run
    cluster.lb.route_next_to(0)
    cluster.lb.route_next_to(0)
    updates = [push_text(cluster, ana, "/vip"), push_text(cluster, bea, "/vip")]
    await emu.faults.wait_held(2)

    took = await old.terminate(within=DRAIN_TIMEOUT + 10 + 20)
    assert took <= DRAIN_TIMEOUT + 10, f"exited after {took:.1f}s:\n{old.tail()}"

    for update in updates:
        assert await asyncio.wait_for(asyncio.shield(update.done), 40)
        assert cluster.lb.of(update.update_id)[-1].replica == new.index
    await emu.wait_idle()
    assert len(vip_answers(ana)) == 1 and len(vip_answers(bea)) == 1
    assert len(emu.faults.held) == 2  # replica 0's calls: still unanswered, never made
