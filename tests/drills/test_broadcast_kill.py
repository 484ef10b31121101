"""kill -9 of the replica sending a broadcast to 300 people, then a restart (issue 19).

Three hundred people have talked to the bot; one of them has since blocked it. The admin
broadcasts to everyone from chat. The replica is killed after about a hundred sends (the
Bot API answers each a little late, so some are in flight at the kill). After the restart
(and the dead replica's leases lapsing: the drill jumps the database's clock, the
processes run on the real one) the broadcast goes on where it was: everyone has it once,
except at most the sends in flight at the kill; the admin's progress message ends with the
right counts, the one who blocked the bot counted blocked.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, select

from lucien.core.db.models import User
from lucien.core.testing.replicas import Cluster
from lucien.plugins.publish.models import BroadcastRecipient
from tests.drills.kit import SETTLE, execute, time_passes, wait_until

pytestmark = pytest.mark.cluster(plugins=["voice", "admin", "publish"], handle_timeout=30.0)
PEOPLE = 300
TEXT = "A new season opens tonight."


async def test_a_broadcast_survives_a_kill_of_its_sender(cluster: Cluster) -> None:
    emu = cluster.emulator
    assert cluster.bot is not None
    admin = cluster.user("Ada", language_code="en")
    people = [cluster.user(f"P{i}", language_code="en") for i in range(PEOPLE)]
    [replica] = await cluster.start_replicas(1, env={"ADMIN_IDS": str(admin.id)})
    # The world as after their /start: their chats opened, their rows in `users`.
    now = datetime.now(UTC)
    for person in people:
        person.chat_with(cluster.bot).started = True
    await execute(
        cluster,
        insert(User).values(
            [
                {"id": p.id, "first_name": p.first_name, "language_code": "en",
                 "first_seen": now, "last_seen": now, "blocked_bot": False}
                for p in people
            ]
        ),
    )  # fmt: skip
    blocker = people[7]
    await blocker.block_bot()  # since their /start: the bot does not know yet

    await admin.send("/broadcast")
    await admin.send(TEXT)
    await admin.click("Everyone")
    assert "It goes to 301 people (everyone)" in admin.last.text  # with the admin herself
    emu.faults.add("copyMessage", delay=0.3)  # a slow Bot API: sends are in flight
    query = await admin.click("Send now")
    progress_id = query.message_id

    def received() -> int:
        return sum(1 for p in people if any(m.text == TEXT for m in p.messages))

    await wait_until(lambda: received() >= 100, 60, "about a hundred sent")
    answered = len(emu.calls_of("copyMessage"))
    await asyncio.sleep(0.2)
    in_flight = sum(1 for held in emu.faults.held if held.method.lower() == "copymessage")
    in_flight += len(emu.calls_of("copyMessage")) - answered
    sent_at_kill = received()
    await replica.kill()  # no await between the count and the signal
    assert sent_at_kill < PEOPLE - 1, "the broadcast ended before the kill: nothing tested"

    emu.faults.clear()
    await time_passes(cluster, 40)  # the dead replica's leases lapse
    await replica.restart()
    await wait_until(lambda: received() == PEOPLE - 1, 90, "everyone but the blocker has it")

    def final() -> str:
        return next(m.text or "" for m in admin.messages if m.message_id == progress_id)

    await wait_until(lambda: "finished:" in final(), 30, "the final counts")
    await asyncio.sleep(SETTLE)

    copies = Counter({p.id: sum(m.text == TEXT for m in p.messages) for p in people})
    doubled = [uid for uid, n in copies.items() if n > 1]
    assert copies[blocker.id] == 0
    assert max(copies.values()) <= 2, copies.most_common(3)
    assert len(doubled) <= in_flight, (
        f"{len(doubled)} doubled, {in_flight} sends in flight at the kill ({sent_at_kill} sent)"
    )
    assert re.search(
        r"Broadcast to everyone finished: 300 of 301 sent, 1 blocked, 0 failed\.", final()
    ), final()
    rows = await execute(cluster, select(BroadcastRecipient.status))
    assert Counter(status for (status,) in rows) == {"sent": 300, "blocked": 1}
