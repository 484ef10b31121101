"""Two dispatchers sharing Redis behave as one bot: FSM, ordering, dedup, redelivery."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis
from statekit import (
    BOT_ID,
    SHARED_REDIS_URL,
    Record,
    deliver,
    make_bot,
    make_dispatcher,
    make_settings,
    text_update,
)

from lucien.core.state import MEMORY_WARNING, Begin, StateBackend, build_state


@pytest.fixture
async def pair(prefix: str, shared_redis: aioredis.Redis) -> AsyncIterator[tuple]:
    """Two 'replicas' (backend + dispatcher each) on the shared Redis, one Record."""
    settings = make_settings(SHARED_REDIS_URL, prefix)
    rec = Record()
    backends = [await build_state(settings, BOT_ID) for _ in range(2)]
    dps = [make_dispatcher(b, rec) for b in backends]
    bot = make_bot()
    yield backends, dps, bot, rec
    for backend in backends:
        await backend.close()
    await bot.session.close()


@pytest.mark.parametrize("with_body", [True, False])
async def test_conversation_continues_on_the_other_replica(pair, with_body: bool) -> None:
    (b1, b2), (dp1, dp2), bot, rec = pair
    user = 501
    await deliver(b1, dp1, bot, text_update(user, "/start"), with_body=with_body)
    await deliver(b2, dp2, bot, text_update(user, "Alice"), with_body=with_body)
    await deliver(b1, dp1, bot, text_update(user, "42"), with_body=with_body)
    assert rec.calls == ["start", "name", "age"]
    assert rec.done == [("Alice", "42")]


async def test_keys_include_the_bot_id(pair, shared_redis: aioredis.Redis, prefix: str) -> None:
    (b1, _), (dp1, _), bot, _ = pair
    await deliver(b1, dp1, bot, text_update(502, "/start"))
    keys = {k.decode() async for k in shared_redis.scan_iter(match=f"{prefix}:fsm:*")}
    assert keys == {f"{prefix}:fsm:{BOT_ID}:502:502:default:state"}


async def test_ten_concurrent_updates_of_one_user_run_one_at_a_time(pair) -> None:
    (b1, b2), (dp1, dp2), bot, rec = pair
    updates = [text_update(503, f"slow {i}") for i in range(10)]
    await asyncio.gather(
        *(
            deliver(b1 if i % 2 else b2, dp1 if i % 2 else dp2, bot, u, with_body=i % 4 < 2)
            for i, u in enumerate(updates)
        )
    )
    assert rec.max_active == 1
    assert sorted(rec.calls) == sorted(f"slow {i}" for i in range(10))


async def test_other_users_are_not_serialised(pair) -> None:
    (b1, b2), (dp1, dp2), bot, rec = pair
    await asyncio.gather(
        *(deliver(b1, dp1, bot, text_update(600 + i, "slow")) for i in range(5)),
        *(deliver(b2, dp2, bot, text_update(700 + i, "slow")) for i in range(5)),
    )
    assert rec.max_active > 1


@pytest.mark.parametrize("with_body", [True, False])
async def test_duplicate_update_runs_once(pair, with_body: bool) -> None:
    (b1, b2), (dp1, dp2), bot, rec = pair
    update = text_update(504, "ping")
    assert await deliver(b1, dp1, bot, update, with_body=with_body) is None
    assert await deliver(b1, dp1, bot, update, with_body=with_body) == "duplicate"
    assert await deliver(b2, dp2, bot, update, with_body=with_body) == "duplicate"
    assert rec.calls == ["ping"]


async def test_duplicate_delivered_concurrently_runs_once(pair) -> None:
    (b1, b2), (dp1, dp2), bot, rec = pair
    update = text_update(505, "slow dup")
    results = await asyncio.gather(
        deliver(b1, dp1, bot, update), deliver(b2, dp2, bot, update, with_body=False)
    )
    assert sorted(map(str, results)) == ["None", "duplicate"]
    assert rec.calls == ["slow dup"]


@pytest.mark.parametrize("with_body", [True, False])
async def test_failed_handler_runs_again_on_redelivery(pair, with_body: bool) -> None:
    (b1, b2), (dp1, dp2), bot, rec = pair
    update = text_update(506, "boom 1")
    rec.fail_once.add("boom 1")
    with pytest.raises(RuntimeError):
        await deliver(b1, dp1, bot, update, with_body=with_body)
    assert await deliver(b2, dp2, bot, update, with_body=with_body) is None
    assert await deliver(b1, dp1, bot, update, with_body=with_body) == "duplicate"
    assert rec.calls == ["boom 1", "boom 1"]


async def test_dead_replica_claim_and_lock_expire(prefix: str, shared_redis) -> None:
    """A replica that dies mid-update blocks neither the user nor the redelivery for
    longer than one lease: while it lives its lease is renewed and a redelivery is told
    to come back later (BUSY, never DONE); once it is gone the lease lapses."""
    settings = make_settings(SHARED_REDIS_URL, prefix)
    rec = Record()
    dead = await build_state(settings, BOT_ID, lease=0.3)
    alive = await build_state(settings, BOT_ID, lease=0.3)
    dp = make_dispatcher(alive, rec)
    bot = make_bot()
    update = text_update(507, "ping")

    async def claim() -> None:  # claims and locks, then never finishes
        assert await dead.begin_update(update.update_id, update=update) is Begin.CLAIMED

    await asyncio.create_task(claim())
    await asyncio.sleep(0.5)  # longer than the lease: renewed while the replica lives
    assert await alive.begin_update(update.update_id, update=update) is Begin.BUSY
    await dead.close()  # the replica dies: nobody renews its lease any more
    await asyncio.sleep(0.35)
    assert await deliver(alive, dp, bot, update) is None
    assert rec.calls == ["ping"]
    assert await alive.begin_update(update.update_id, update=update) is Begin.DONE
    await alive.close()
    await bot.session.close()


async def test_state_outside_a_lock_reads_redis(pair) -> None:
    """Background code (another user's context, a job) sees what handlers wrote."""
    (b1, b2), (dp1, _), bot, _ = pair
    await deliver(b1, dp1, bot, text_update(508, "/start"))
    from aiogram.fsm.storage.base import StorageKey

    key = StorageKey(bot_id=BOT_ID, chat_id=508, user_id=508)
    assert await b2.storage.get_state(key) == "Form:name"
    await b2.storage.set_data(key, {"x": 1})
    assert await b1.storage.get_data(key) == {"x": 1}


async def test_health_pass_with_latency(pair) -> None:
    (b1, _), _, _, _ = pair
    result = await b1.health()
    assert result.name == "redis" and result.status == "pass"
    assert "latency_ms" in result.data


async def test_memory_mode_warns_and_works(prefix: str, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="lucien.state")
    backend = await build_state(make_settings(None, prefix), BOT_ID)
    assert MEMORY_WARNING in caplog.text
    assert backend.mode == "memory" and backend.redis is None
    assert (await backend.health()).status == "pass"
    prod = StateBackend(None, prefix=prefix, bot_id=BOT_ID, production=True)
    assert (await prod.health()).status == "warn"

    rec = Record()
    dp = make_dispatcher(backend, rec)
    bot = make_bot()
    for text in ("/start", "Bob", "7"):
        await deliver(backend, dp, bot, text_update(509, text))
    assert rec.done == [("Bob", "7")]
    update = text_update(509, "ping")
    assert await deliver(backend, dp, bot, update) is None
    assert await deliver(backend, dp, bot, update) == "duplicate"
    await asyncio.gather(*(deliver(backend, dp, bot, text_update(509, "slow")) for _ in range(5)))
    assert rec.max_active == 1
    assert await backend.cache.get_or_load("role", "1", _free) == "free"
    await backend.close()
    await bot.session.close()


async def _free() -> str:
    return "free"


async def test_polling_path_without_begin_update(pair) -> None:
    """feed_update without begin/finish (long polling) still locks and persists."""
    (_b1, _b2), (dp1, dp2), bot, rec = pair
    await dp1.feed_update(bot, text_update(510, "/start"))
    await dp2.feed_update(bot, text_update(510, "Carol"))
    await dp1.feed_update(bot, text_update(510, "30"))
    assert rec.done == [("Carol", "30")]


async def test_after_an_outage_memory_goes_back_to_redis_without_erasing_it(
    prefix: str, shared_redis
) -> None:
    """What a replica kept in memory during an outage is written back; a user it only
    read (an empty record) leaves alone what Redis holds for them."""
    from aiogram.fsm.storage.base import StorageKey

    from lucien.core.state.recovery import flush_memory

    backend = await build_state(make_settings(SHARED_REDIS_URL, prefix), BOT_ID)
    talked = StorageKey(bot_id=BOT_ID, chat_id=601, user_id=601)
    only_read = StorageKey(bot_id=BOT_ID, chat_id=602, user_id=602)
    elsewhere = backend.key_builder.build(only_read, "state")
    await shared_redis.set(elsewhere, "Form:age")  # written by another replica
    await backend.memory.set_state(talked, "Form:name")
    await backend.memory.set_data(talked, {"name": "Eva"})
    assert await backend.memory.get_state(only_read) is None  # an empty record now

    await flush_memory(backend)
    assert await backend.storage.get_state(talked) == "Form:name"
    assert await backend.storage.get_data(talked) == {"name": "Eva"}
    assert await shared_redis.get(elsewhere) == b"Form:age"
    assert not backend.memory.storage
    await backend.close()
