"""Redis stopped under two replicas (issue 16, item 5).

While Redis is down, the same update reaching both replicas at once (Telegram redelivering
while the first attempt still runs) is answered once: the claim falls back to the shared
database, not to each process's memory. An administrator who opens a prompt during the
outage finishes it after Redis is back: the conversation continues, it is not met with
silence.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from lucien.core.testing.redis_server import PrivateRedis
from lucien.core.testing.replicas import Cluster

ADMIN_ID = 4242
NEW_ADMIN = "123456789"
pytestmark = pytest.mark.cluster(
    plugins=["voice", "admin"], admin_ids=[ADMIN_ID], handle_timeout=30.0
)


async def redis_is(cluster: Cluster, status: str) -> None:
    """Wait until every replica's /health says Redis is `status` (pass / warn / fail)."""
    for _ in range(300):
        bodies = [(await r.health())[1] for r in cluster.replicas]
        if all(b.get("checks", {}).get("redis", {}).get("status") == status for b in bodies):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"Redis not {status!r} on every replica: {bodies}")


async def test_redis_outage_neither_doubles_nor_silences(cluster: Cluster, tmp_path: Path) -> None:
    redis = PrivateRedis(tmp_path)
    redis.start()
    try:
        cluster.redis_url = redis.url
        await cluster.start_replicas(2)
        emu = cluster.emulator
        ana, admin = cluster.user("Ana"), cluster.user("Lucía", user_id=ADMIN_ID)

        redis.stop()
        cluster.lb.route_next_to(0, 1)  # one update, both replicas at once
        await ana.send("/start")
        await emu.wait_idle()
        assert len(ana.messages) == 1, [m.text for m in ana.messages]  # one greeting
        both = cluster.lb.of(cluster.lb.forwards[0].update_id)
        assert {f.replica for f in both[:2]} == {0, 1}

        cluster.lb.route_next_to(0)
        await admin.send("/admins")
        cluster.lb.route_next_to(0)
        await admin.click("Añadir custodio")  # the prompt: "send me the Telegram id"
        asked = len(admin.messages)

        redis.start()
        await redis_is(cluster, "pass")
        cluster.lb.route_next_to(0)
        await admin.send(NEW_ADMIN)
        assert len(admin.messages) > asked, "silence after Redis came back"
        assert NEW_ADMIN in (admin.last_text or ""), admin.last_text
        await admin.send("/admins")
        assert NEW_ADMIN in (admin.last_text or "")  # saved, not only acknowledged
    finally:
        redis.stop()
