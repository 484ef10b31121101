"""Helpers shared by the state/cache tests (constants, settings, a private redis-server)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from lucien.core.settings import Settings

SHARED_REDIS_URL = "redis://127.0.0.1:6379/0"
TOKEN = "123456789:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
BOT_ID = 123456789


def make_settings(redis_url: str | None, prefix: str, env: str = "development") -> Settings:
    return Settings(
        _env_file=None,
        bot_token=TOKEN,
        redis_url=redis_url,
        redis_key_prefix=prefix,
        env=env,
    )


from lucien.core.testing.redis_server import PrivateRedis  # noqa: E402,F401  (re-exported)


async def wait_for(predicate: Any, within: float = 5.0, interval: float = 0.02) -> None:
    """Poll `predicate()` (sync or async) until true or fail after `within` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        result = predicate()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        await asyncio.sleep(interval)
    raise AssertionError("condition not met in time")


# -- a small bot: a two-step FSM conversation plus probes for ordering and failures ----

import itertools  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from datetime import UTC, datetime  # noqa: E402

from aiogram import Bot, Dispatcher, F, Router  # noqa: E402
from aiogram.filters import Command, StateFilter  # noqa: E402
from aiogram.fsm.context import FSMContext  # noqa: E402
from aiogram.fsm.state import State, StatesGroup  # noqa: E402
from aiogram.types import Chat, Message, Update, User  # noqa: E402

_update_ids = itertools.count(1000)


class Form(StatesGroup):
    name = State()
    age = State()


@dataclass
class Record:
    """What the handlers saw, shared by every dispatcher of a test."""

    done: list[tuple[str, str]] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    active: int = 0
    max_active: int = 0
    fail_once: set[str] = field(default_factory=set)
    gate: asyncio.Event = field(default_factory=asyncio.Event)


def make_router(rec: Record) -> Router:
    router = Router()

    @router.message(Command("start"))
    async def start(message: Message, state: FSMContext) -> None:
        rec.calls.append("start")
        await state.set_state(Form.name)

    @router.message(StateFilter(Form.name), F.text)
    async def got_name(message: Message, state: FSMContext) -> None:
        rec.calls.append("name")
        await state.update_data(name=message.text)
        await state.set_state(Form.age)

    @router.message(StateFilter(Form.age), F.text)
    async def got_age(message: Message, state: FSMContext) -> None:
        rec.calls.append("age")
        data = await state.get_data()
        rec.done.append((data["name"], message.text or ""))
        await state.clear()

    @router.message(F.text.startswith("slow"))
    async def slow(message: Message) -> None:
        rec.active += 1
        rec.max_active = max(rec.max_active, rec.active)
        try:
            await asyncio.sleep(0.02)
            rec.calls.append(message.text or "")
        finally:
            rec.active -= 1

    @router.message(F.text.startswith("boom"))
    async def boom(message: Message) -> None:
        rec.calls.append(message.text or "")
        if message.text in rec.fail_once:
            rec.fail_once.discard(message.text or "")
            raise RuntimeError("handler failed")

    @router.message(F.text == "wait")
    async def wait(message: Message, state: FSMContext) -> None:
        rec.calls.append("wait")
        await rec.gate.wait()
        await state.set_state(Form.name)

    @router.message(F.text == "ping")
    async def ping(message: Message) -> None:
        rec.calls.append("ping")

    return router


def make_dispatcher(backend: Any, rec: Record) -> Dispatcher:
    dp = Dispatcher(storage=backend.storage, events_isolation=backend.events_isolation)
    backend.setup(dp)
    dp.include_router(make_router(rec))
    return dp


def make_bot() -> Bot:
    return Bot(token=TOKEN)


def text_update(user_id: int, text: str, update_id: int | None = None) -> Update:
    user = User(id=user_id, is_bot=False, first_name="Test")
    return Update(
        update_id=next(_update_ids) if update_id is None else update_id,
        message=Message(
            message_id=next(_update_ids),
            date=datetime.now(UTC),
            chat=Chat(id=user_id, type="private"),
            from_user=user,
            text=text,
        ),
    )


async def deliver(
    backend: Any, dp: Dispatcher, bot: Bot, update: Update, *, with_body: bool = True
) -> Any:
    """What the webhook does: claim, feed, then finish (or abort when handling raised).

    Returns "duplicate" when the claim was refused, else the dispatcher's result.
    """
    body = update if with_body else None
    if not await backend.begin_update(update.update_id, update=body):
        return "duplicate"
    try:
        result = await dp.feed_webhook_update(bot, update)
    except BaseException:
        await backend.abort_update(update.update_id)
        raise
    await backend.finish_update(update.update_id)
    return result
