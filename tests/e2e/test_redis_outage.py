"""The whole bot through a Redis outage: it keeps answering, /health warns, and it comes
back by itself when Redis returns (issue 5, on a redis-server of the test's own)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest

from lucien.core.testing.harness import BotHarness
from lucien.core.testing.redis_server import PrivateRedis

pytestmark = [
    pytest.mark.lucien(plugins=["voice", "admin"]),
    pytest.mark.parametrize("db_kind", ["postgres"], indirect=True),
]


async def _health(app: object) -> dict:
    async with aiohttp.ClientSession() as session, session.get(f"{app.base_url}/health") as r:  # type: ignore[attr-defined]
        return await r.json()


async def test_start_is_answered_through_a_redis_outage(
    harness: BotHarness, tmp_path: Path
) -> None:
    redis = PrivateRedis(tmp_path)
    redis.start()
    try:
        harness.redis_url = redis.url
        ana = harness.user("Ana")
        await harness.start_app()
        app = harness.app
        await ana.send("/start")
        greeting_count = len(ana.messages)
        assert greeting_count == 1 and "Ana" in ana.last.text
        assert (await _health(app))["checks"]["redis"]["status"] == "pass"

        redis.stop()
        before = len(ana.messages)
        await ana.send("/start")
        assert len(ana.messages) == before + 1
        assert "Ana" in ana.last.text  # the greeting, not an apology nor silence
        health = await _health(app)
        assert health["checks"]["redis"]["status"] == "warn"
        assert health["ready"] is True  # the bot still serves

        redis.start()
        for _ in range(200):  # reconnection is the state backend's own background ping
            if (await _health(app))["checks"]["redis"]["status"] == "pass":
                break
            await asyncio.sleep(0.05)
        assert (await _health(app))["checks"]["redis"]["status"] == "pass"
        await ana.send("/start")
        assert len(ana.messages) == before + 2 and "Ana" in ana.last.text
        assert app.ctx.state.connected
    finally:
        await harness.close()
        harness.apps.clear()
        redis.stop()
