"""Join requests whose first handling failed (issue 16, item 2).

Ana asks to join while the Bot API answers 502 to the first getChatMember; Bea asks while
PostgreSQL is unreachable. Neither may be lost: the webhook asks Telegram to redeliver
(a retryable status) and, once things recover, both are approved and welcomed once.
The wait is FREE_WAIT_MINUTES=0 (the plugin accepts it; the next value, one minute, would
hold a real process a whole minute), so "after the wait" is the first handling that works.
"""

from __future__ import annotations

import asyncio

import pytest

from lucien.core.testing.replicas import Cluster
from tests.drills.kit import SETTLE, join_request_link, request_to_join, wait_until

pytestmark = pytest.mark.cluster(
    plugins=["voice", "free"], webhook_retries=6, webhook_backoff=0.5, handle_timeout=40.0
)


async def test_join_requests_survive_a_bot_api_502_and_a_database_outage(
    cluster: Cluster,
) -> None:
    emu = cluster.emulator
    channel = emu.create_channel("Vestibule")
    link = join_request_link(cluster, channel)
    await cluster.start_replicas(
        1, env={"FREE_CHANNEL_ID": str(channel.id), "FREE_WAIT_MINUTES": "0"}
    )
    ana, bea = cluster.user("Ana"), cluster.user("Bea")

    emu.faults.add("getChatMember", status=502, times=1)
    [ana_request] = request_to_join(cluster, channel, ana, link)
    await wait_until(
        lambda: channel.status_of(ana.id) == "member", 20, "Ana approved after the 502"
    )
    assert emu.calls_of("getChatMember")[0].status == 502

    await cluster.cut_database()
    [bea_request] = request_to_join(cluster, channel, bea, link)
    await wait_until(
        lambda: any(d.update_id == bea_request.update_id for d in emu.deliveries),
        10,
        "Bea's request delivered while PostgreSQL is down",
    )
    await asyncio.sleep(3)  # an outage of a few seconds, redeliveries refused meanwhile
    await cluster.restore_database()
    await wait_until(
        lambda: channel.status_of(bea.id) == "member", 30, "Bea approved after the outage"
    )
    assert await asyncio.wait_for(asyncio.shield(bea_request.done), 30)
    bea_statuses = [d.status for d in emu.deliveries if d.update_id == bea_request.update_id]
    assert bea_statuses[0] != 200 and bea_statuses[-1] == 200, bea_statuses

    await emu.wait_idle()
    await asyncio.sleep(SETTLE)
    assert ana_request.done.result() and bea_request.done.result()
    for user in (ana, bea):
        # The only message with a wait of zero: the welcome (no "please wait" first).
        assert len(user.messages) == 1, [m.text for m in user.messages]
        assert user.first_name in (user.messages[0].text or "")
