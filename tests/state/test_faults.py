"""Redis going away and coming back, on a private redis-server this test controls."""

from __future__ import annotations

import asyncio
import logging

from aiogram.methods import SendMessage
from statekit import (
    BOT_ID,
    PrivateRedis,
    Record,
    deliver,
    make_bot,
    make_dispatcher,
    make_settings,
    text_update,
    wait_for,
)

from lucien.core.state import DEFAULT_UNAVAILABLE_TEXT, build_state


async def test_redis_outage_and_recovery(private_redis: PrivateRedis, prefix: str, caplog) -> None:
    caplog.set_level(logging.WARNING)
    settings = make_settings(private_redis.url, prefix, env="production")
    rec = Record()
    b1 = await build_state(settings, BOT_ID)
    b2 = await build_state(settings, BOT_ID)
    dp1, dp2 = make_dispatcher(b1, rec), make_dispatcher(b2, rec)
    bot = make_bot()
    loads: list[str] = []

    async def role_loader() -> str:
        loads.append("role")
        return "vip"

    try:
        # Healthy: a conversation starts in Redis, a role gets cached.
        assert (await b1.health()).status == "pass"
        await deliver(b1, dp1, bot, text_update(801, "/start"))
        assert await b1.cache.get_or_load("role", "801", role_loader) == "vip"

        # A handler is running (holding the user's lock) when Redis goes away.
        in_flight = asyncio.create_task(deliver(b1, dp1, bot, text_update(802, "wait")))
        await wait_for(lambda: "wait" in rec.calls)
        private_redis.stop()
        rec.gate.set()
        assert await in_flight is None  # finished without an error, state kept in-process

        # The user mid-conversation: their state is unreachable -> a polite message.
        reply = await deliver(b2, dp2, bot, text_update(801, "Alice"))
        assert isinstance(reply, SendMessage)
        assert reply.chat_id == 801 and reply.text == DEFAULT_UNAVAILABLE_TEXT
        assert "Traceback" not in reply.text

        # Everything else keeps answering, in-process.
        assert await deliver(b2, dp2, bot, text_update(803, "ping")) is None
        for text in ("/start", "Dan", "5"):
            await deliver(b1, dp1, bot, text_update(804, text))
        assert ("Dan", "5") in rec.done
        duplicate = text_update(805, "ping")
        assert await deliver(b1, dp1, bot, duplicate) is None
        assert await deliver(b1, dp1, bot, duplicate) == "duplicate"
        # The cache falls through to the loader for what it does not hold locally.
        assert await b2.cache.get_or_load("role", "806", role_loader) == "vip"
        assert loads == ["role", "role"]

        for backend in (b1, b2):
            health = await backend.health()
            assert health.status == "warn" and health.data["connected"] is False
        outage_logs = [r for r in caplog.records if "Redis unreachable" in r.getMessage()]
        assert len(outage_logs) == 2  # once per process, not once per update

        # Redis returns: both reconnect by themselves.
        private_redis.start()
        await wait_for(lambda: b1.connected and b2.connected, within=10)
        for backend in (b1, b2):
            assert (await backend.health()).status == "pass"
        for b, dp, text in ((b1, dp1, "/start"), (b2, dp2, "Eve"), (b1, dp1, "9")):
            await deliver(b, dp, bot, text_update(807, text))
        assert ("Eve", "9") in rec.done

        # The cache is shared again, invalidations cross replicas again.
        await wait_for(lambda: b1.cache.subscribed and b2.cache.subscribed)
        await b1.cache.set("settings", "vip", {"price": 1})
        assert await b2.cache.get("settings", "vip") == {"price": 1}
        await b1.cache.set("settings", "vip", {"price": 2})
        await wait_for(lambda: _equals(b2.cache.get("settings", "vip"), {"price": 2}), within=1.0)
    finally:
        await b1.close()
        await b2.close()
        await bot.session.close()


async def _equals(awaitable, expected) -> bool:  # type: ignore[no-untyped-def]
    return await awaitable == expected


async def test_starts_with_redis_down_and_connects_later(
    private_redis: PrivateRedis, prefix: str
) -> None:
    private_redis.stop()
    backend = await build_state(make_settings(private_redis.url, prefix), BOT_ID)
    rec = Record()
    dp = make_dispatcher(backend, rec)
    bot = make_bot()
    try:
        assert backend.mode == "redis" and not backend.connected
        assert (await backend.health()).status == "warn"
        assert await deliver(backend, dp, bot, text_update(901, "ping")) is None
        private_redis.start()
        await wait_for(lambda: backend.connected, within=10)
        updates = [text_update(902, text) for text in ("/start", "Zed", "1")]
        for update in updates:
            await deliver(backend, dp, bot, update)
        assert rec.done == [("Zed", "1")]
        # Dedup and state live in Redis again.
        assert await backend.redis.get(f"{prefix}:upd:{BOT_ID}:{updates[0].update_id}") == b"d"
    finally:
        await backend.close()
        await bot.session.close()
