"""Fixtures: a running emulator, a real aiogram Bot pointed at it, and webhook receivers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from lucien.core.clock import FakeClock
from lucien.core.testing.emulator import BotAccount, Emulator

SECRET = "s3cret-token"


def make_bot(emu: Emulator, account: BotAccount) -> Bot:
    """A real aiogram Bot talking HTTP to the emulator."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(emu.base_url))
    return Bot(account.token, session=session)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def emu(clock: FakeClock) -> AsyncIterator[Emulator]:
    async with Emulator(clock=clock, handle_timeout=5) as emulator:
        yield emulator


@pytest.fixture
def account(emu: Emulator) -> BotAccount:
    return emu.create_bot()


@pytest.fixture
async def bot(emu: Emulator, account: BotAccount) -> AsyncIterator[Bot]:
    client = make_bot(emu, account)
    yield client
    await client.session.close()


@dataclass
class Receiver:
    """A tiny webhook endpoint: records requests and answers with ``respond``."""

    url: str = ""
    requests: list[tuple[dict[str, str], dict[str, Any]]] = field(default_factory=list)
    respond: Callable[[dict[str, Any]], Awaitable[web.StreamResponse]] | None = None


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    state = Receiver()

    async def handle(request: web.Request) -> web.StreamResponse:
        update = await request.json()
        state.requests.append((dict(request.headers), update))
        if state.respond is not None:
            return await state.respond(update)
        return web.json_response({})

    app = web.Application()
    app.router.add_post("/hook", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    state.url = f"http://127.0.0.1:{port}/hook"
    yield state
    await runner.cleanup()


async def serve_dispatcher(
    dp: Dispatcher, bot: Bot, *, secret: str = SECRET, **webhook: Any
) -> web.AppRunner:
    """Serve ``dp`` with aiogram's SimpleRequestHandler and point the webhook at it.

    ``handle_in_background=False`` makes the webhook answer only after the handler
    returned, which is what lets the emulator know the update was handled.
    """
    app = web.Application()
    SimpleRequestHandler(dp, bot, secret_token=secret, handle_in_background=False).register(
        app, path="/webhook"
    )
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    await bot.set_webhook(
        f"http://127.0.0.1:{port}/webhook",
        secret_token=secret,
        allowed_updates=dp.resolve_used_update_types(),
        **webhook,
    )
    return runner


@pytest.fixture
async def webhook_bot(bot: Bot) -> AsyncIterator[Callable[[Dispatcher], Awaitable[None]]]:
    """Call with a Dispatcher to serve it over a real webhook for the test's duration."""
    runners: list[web.AppRunner] = []

    async def start(dp: Dispatcher, **webhook: Any) -> None:
        runners.append(await serve_dispatcher(dp, bot, **webhook))

    yield start
    for runner in runners:
        await runner.cleanup()


@pytest.fixture
async def hooked(bot: Bot, receiver: Receiver) -> Receiver:
    """The bot's webhook points at a plain receiver that accepts every update (200, no body),
    so user actions complete without a Dispatcher."""
    await bot.set_webhook(receiver.url, secret_token=SECRET)
    return receiver
