"""Two replicas through a Redis outage (issue 16, item 5): the database they share keeps
each update handled once, and a conversation begun in memory during the outage goes on
after Redis returns, on either replica."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from lucien.core.db.models import ProcessedUpdate
from lucien.core.testing.harness import BotHarness
from lucien.core.testing.redis_server import PrivateRedis
from tests.webhookkit import command_update, post_update

pytestmark = pytest.mark.parametrize("db_kind", ["postgres"], indirect=True)


def _update(update_id: int, text: str, user_id: int = 4343) -> bytes:
    return command_update(update_id, text, user_id)


async def _until_connected(app: Any) -> None:
    for _ in range(200):  # the state backend's own probe reconnects
        if app.ctx.state.connected:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("Redis did not come back")


@pytest.mark.lucien(plugins=["greeter"])
async def test_the_same_update_to_both_replicas_is_answered_once(
    harness: BotHarness, greeter_entry_points: list[Any], tmp_path: Path
) -> None:
    redis = PrivateRedis(tmp_path)
    redis.start()
    try:
        harness.entry_points = greeter_entry_points
        harness.redis_url = redis.url
        first = await harness.start_app()
        second = await harness.start_app()
        redis.stop()
        body = _update(8001, "/slow 0.4")
        answers = await asyncio.gather(post_update(first, body), post_update(second, body))
        handled = [a for a in answers if a[0] == 200 and a[1] != b"{}"]
        assert len(handled) == 1 and json.loads(handled[0][1])["text"] == "slow done"
        # The other was told to come back later (in progress) or, if it came after, that
        # it was done: never handled a second time.
        assert {a[0] for a in answers if a not in handled} <= {200, 503}
        assert await post_update(second, body) == (200, b"{}")
        assert await post_update(first, body) == (200, b"{}")
        async with first.ctx.db.session(readonly=True) as s:
            row = await s.scalar(select(ProcessedUpdate).where(ProcessedUpdate.update_id == 8001))
        assert row is not None and row.status == "d"
    finally:
        await harness.close()
        redis.stop()


@pytest.mark.lucien(plugins=["voice", "admin", "free"])
async def test_a_conversation_begun_in_the_outage_goes_on_after_it_on_another_replica(
    harness: BotHarness, tmp_path: Path
) -> None:
    redis = PrivateRedis(tmp_path)
    redis.start()
    try:
        harness.redis_url = redis.url
        diana = harness.admin("Diana", language_code="es")
        later = await harness.start_app()
        now = await harness.start_app()  # the webhook points here (set last)
        redis.stop()
        await diana.send("/start")
        await diana.click("Configuración")
        await diana.click("Tiempo de espera")
        assert "Ahora mismo" in diana.last.text  # the prompt, kept in `now`'s memory

        redis.start()
        await _until_connected(now)
        await _until_connected(later)
        for _ in range(100):  # the move back to Redis runs right after the reconnection
            if not now.ctx.state.memory.storage:
                break
            await asyncio.sleep(0.05)
        # Telegram's next delivery goes to the other replica (Railway balances at random).
        dispatcher = later.ctx.dispatcher
        await later.ctx.bot.set_webhook(
            later.settings.webhook_url or "",
            secret_token="test-secret",
            allowed_updates=dispatcher.resolve_used_update_types(),
        )
        await diana.send("15")
        assert "15 minutos" in diana.last.text
        assert int((await later.ctx.config.get("free")).wait_minutes) == 15
    finally:
        await harness.close()
        redis.stop()
