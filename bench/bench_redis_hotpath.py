"""Per-update cost of the Redis hot path: aiogram's RedisStorage + RedisEventIsolation
as they come versus lucien's StateBackend, measured in the same run on the same Redis.

Run: .venv/bin/python bench/bench_redis_hotpath.py [--updates N] [--redis URL]

For each setup, N updates (distinct users, so no lock contention) go through a real
aiogram Dispatcher the way the webhook feeds them. Redis round trips are counted by a
connection class that counts every packet sent (a pipeline or a script is one), so no
MONITOR is needed. The Redis cost is the total per update minus the same bot on
MemoryStorage + SimpleEventIsolation (aiogram's own dispatch overhead).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import redis.asyncio as aioredis
from aiogram import Bot, Dispatcher, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import DefaultKeyBuilder
from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation
from aiogram.fsm.storage.redis import RedisStorage
from aiogram.types import Chat, Message, Update, User

from lucien.core.state import StateBackend
from lucien.core.state.connection import HiredisPackingConnection

TOKEN = "123456789:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
BOT_ID = 123456789
_ids = itertools.count(1)


class CountingConnection(aioredis.Connection):
    """Counts packets written to Redis: one per command, pipeline or script call."""

    sent = 0

    async def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        CountingConnection.sent += 1
        await super().send_packed_command(command, check_health)


class CountingLucienConnection(HiredisPackingConnection, CountingConnection):
    """The same count, on the connection class Lucien runs with (`connect_redis`)."""


class Form(StatesGroup):
    name = State()


def make_router() -> Router:
    router = Router()

    @router.message(Command("start"))
    async def start(message: Message, state: FSMContext) -> None:
        await state.set_state(Form.name)

    @router.message(StateFilter(Form.name), F.text)
    async def name(message: Message, state: FSMContext) -> None:
        await state.update_data(name=message.text)
        await state.clear()

    @router.message(F.text == "ping")
    async def ping(message: Message) -> None:
        return None

    return router


def update(user_id: int, text: str) -> Update:
    return Update(
        update_id=next(_ids),
        message=Message(
            message_id=next(_ids),
            date=datetime.now(UTC),
            chat=Chat(id=user_id, type="private"),
            from_user=User(id=user_id, is_bot=False, first_name="B"),
            text=text,
        ),
    )


Feed = Callable[[Update], Awaitable[Any]]


def plain_feed(dp: Dispatcher, bot: Bot) -> Feed:
    async def feed(u: Update) -> Any:
        return await dp.feed_webhook_update(bot, u)

    return feed


def lucien_feed(backend: StateBackend, dp: Dispatcher, bot: Bot, with_body: bool) -> Feed:
    async def feed(u: Update) -> Any:
        if not await backend.begin_update(u.update_id, update=u if with_body else None):
            return None
        try:
            result: Any = await dp.feed_webhook_update(bot, u)
        except BaseException:
            await backend.abort_update(u.update_id)
            raise
        await backend.finish_update(u.update_id)
        return result

    # Each update in its own task, as each webhook request is (the claim is per task).
    async def run(u: Update) -> Any:
        return await asyncio.create_task(feed(u))

    return run


async def measure(feed: Feed, scenario: str, n: int) -> tuple[float, float]:
    """(ms per update, round trips per update) over n updates of `scenario`."""
    base = 10_000_000 + next(_ids) * 1000
    if scenario == "ping":
        updates = [[update(base + i, "ping")] for i in range(n)]
    else:  # a conversation step that writes state, then one that writes data and clears
        updates = [[update(base + i, "/start"), update(base + i, "Ann")] for i in range(n // 2)]
    flat = [u for group in updates for u in group]
    sent0 = CountingConnection.sent
    started = time.perf_counter()
    for u in flat:
        await feed(u)
    elapsed = time.perf_counter() - started
    return elapsed / len(flat) * 1000, (CountingConnection.sent - sent0) / len(flat)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()

    prefix = f"lucien-bench-{uuid.uuid4().hex[:8]}"
    pool = aioredis.ConnectionPool.from_url(args.redis, connection_class=CountingConnection)
    client = aioredis.Redis(connection_pool=pool)
    lucien_pool = aioredis.ConnectionPool.from_url(
        args.redis, connection_class=CountingLucienConnection
    )
    lucien_client = aioredis.Redis(connection_pool=lucien_pool)
    bot = Bot(token=TOKEN)

    memory_dp = Dispatcher(storage=MemoryStorage(), events_isolation=SimpleEventIsolation())
    memory_dp.include_router(make_router())

    plain_storage = RedisStorage(
        client, key_builder=DefaultKeyBuilder(prefix=f"{prefix}:plain", with_bot_id=True)
    )
    plain_dp = Dispatcher(storage=plain_storage, events_isolation=plain_storage.create_isolation())
    plain_dp.include_router(make_router())

    backend = StateBackend(lucien_client, prefix=prefix, bot_id=BOT_ID)
    lucien_dp = Dispatcher(storage=backend.storage, events_isolation=backend.events_isolation)
    backend.setup(lucien_dp)
    lucien_dp.include_router(make_router())

    setups: dict[str, Feed] = {
        "aiogram MemoryStorage (no Redis; dispatch overhead)": plain_feed(memory_dp, bot),
        "aiogram RedisStorage + RedisEventIsolation (no dedup)": plain_feed(plain_dp, bot),
        "lucien: begin_update(id, update=u) + dedup": lucien_feed(backend, lucien_dp, bot, True),
        "lucien: begin_update(id) + dedup": lucien_feed(backend, lucien_dp, bot, False),
    }
    names = list(setups)
    try:
        for scenario, title in (
            ("ping", "stateless update (handler does not touch FSM)"),
            ("conversation", "FSM conversation steps (set_state / update_data / clear)"),
        ):
            for feed in setups.values():  # warm-up: script loading, pools, caches
                await measure(feed, scenario, 200)
            results: dict[str, list[tuple[float, float]]] = {name: [] for name in names}
            for _ in range(args.rounds):  # interleaved rounds: noise hits all alike
                for name in names:
                    results[name].append(await measure(setups[name], scenario, args.updates))
            ms = {n: statistics.median(r[0] for r in results[n]) for n in names}
            trips = {n: statistics.median(r[1] for r in results[n]) for n in names}
            overhead = ms[names[0]]
            print(f"\n{title}: median of {args.rounds} rounds x {args.updates} updates")
            print(f"  {'setup':60} {'ms/update':>9} {'redis ms':>9} {'trips':>6}")
            for n in names:
                redis_ms = ms[n] - overhead
                print(f"  {n:60} {ms[n]:9.3f} {redis_ms:9.3f} {trips[n]:6.2f}")
            plain_cost = ms[names[1]] - overhead
            for n in names[2:]:
                cost = ms[n] - overhead
                print(
                    f"  Redis cost ratio aiogram / {n.removeprefix('lucien: ')}: "
                    f"{plain_cost / cost:.2f}x  (round trips {trips[names[1]]:.2f} -> "
                    f"{trips[n]:.2f})"
                )
    finally:
        keys = [k async for k in client.scan_iter(match=f"{prefix}:*", count=1000)]
        for i in range(0, len(keys), 1000):
            await client.delete(*keys[i : i + 1000])
        await backend.close()
        await client.aclose()
        await bot.session.close()


if __name__ == "__main__":
    asyncio.run(main())
