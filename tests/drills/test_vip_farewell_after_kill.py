"""A VIP whose membership ends as the replica is killed still gets the farewell
(issue 16, item 3).

Ana redeems an invitation and enters the VIP channel. Her membership ends; the expiry job
removes her and says farewell, but the Bot API holds that farewell (it never arrives) and
the replica is killed right then. After the restart (and the dead replica's leases lapsing:
the drill jumps the database's clock, the processes run on the real one) the farewell
reaches her, once.
"""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, update

from lucien.core.testing.replicas import Cluster
from lucien.plugins.vip.models import Plan, Subscription, Token
from tests.drills.kit import SETTLE, execute, time_passes, wait_until

pytestmark = pytest.mark.cluster(plugins=["voice", "vip"], handle_timeout=30.0)


async def test_farewell_of_a_vip_expiring_at_the_kill_arrives_after_restart(
    cluster: Cluster,
) -> None:
    emu = cluster.emulator
    channel = emu.create_channel("Salon")
    [replica] = await cluster.start_replicas(
        1,
        env={
            "VIP_CHANNEL_ID": str(channel.id),
            "VIP_JOB_INTERVAL_SECONDS": "1",
            "VIP_REMINDER_HOURS": "0",
        },
    )
    now = datetime.now(UTC)
    code = "VIP-" + secrets.token_urlsafe(18)
    await execute(cluster, insert(Plan).values(id=1, name="Mensual", days=30, created_at=now))
    await execute(
        cluster,
        insert(Token).values(code=code, plan_id=1, created_at=now, expires_at=now + timedelta(1)),
    )

    ana = cluster.user("Ana")
    await ana.send(f"/start {code}")
    await ana.click("Continuar")  # the entry ritual: the step acknowledged, the Diván,
    await ana.click("Estoy listo")  # then the link
    [link] = [url for url, li in channel.invite_links.items() if li.creator_id != channel.id]
    assert await ana.join(link) == "joined"
    assert channel.status_of(ana.id) == "member"
    before = len(ana.messages)

    emu.faults.add("sendMessage", hang=True, times=1, user_id=ana.id)
    await execute(cluster, update(Subscription).values(ends_at=func.now()))  # it ends now
    [held] = await emu.faults.wait_held(1, within=15)  # the farewell, held by the Bot API
    await replica.kill()
    assert channel.status_of(ana.id) != "member"  # removed before the farewell
    assert len(ana.messages) == before

    await time_passes(cluster, 65)
    await replica.restart()
    await wait_until(lambda: len(ana.messages) > before, 20, "Ana's farewell after the restart")
    await asyncio.sleep(SETTLE)
    assert len(ana.messages) == before + 1, [m.text for m in ana.messages[before:]]
    assert held.params.get("text") == ana.messages[-1].html  # the farewell held at the kill
