"""Delivering updates: webhooks (secret, retries, answers in the body) and getUpdates."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramBadRequest, TelegramConflictError
from aiogram.methods import SendMessage
from aiogram.types import Message
from aiohttp import web

from lucien.core.testing.emulator import Emulator

from .conftest import SECRET, Receiver


async def test_webhook_secret_and_redelivery_on_500(
    bot: Bot, emu: Emulator, hooked: Receiver
) -> None:
    """Telegram: the secret goes in X-Telegram-Bot-Api-Secret-Token and an update is sent
    again until the webhook answers 2xx."""
    answers = iter([500, 502, 200])

    async def respond(update: dict[str, Any]) -> web.StreamResponse:
        return web.Response(status=next(answers))

    hooked.respond = respond
    ana = emu.add_user("Ana")
    await ana.send("hola")
    assert [h["X-Telegram-Bot-Api-Secret-Token"] for h, _ in hooked.requests] == [SECRET] * 3
    assert len({u["update_id"] for _, u in hooked.requests}) == 1
    assert [d.status for d in emu.deliveries] == [500, 502, 200]


async def test_webhook_gives_up_and_reports_last_error(
    bot: Bot, emu: Emulator, hooked: Receiver
) -> None:
    """Telegram: after repeated failures getWebhookInfo shows last_error_message."""

    async def respond(update: dict[str, Any]) -> web.StreamResponse:
        return web.Response(status=500)

    hooked.respond = respond
    await emu.add_user("Ana").send("hola")
    assert len(hooked.requests) == 1 + emu.webhook_retries
    info = await bot.get_webhook_info()
    assert "500" in info.last_error_message and info.pending_update_count == 0


async def test_method_in_json_webhook_answer_is_executed(
    bot: Bot, emu: Emulator, hooked: Receiver
) -> None:
    """Telegram: the webhook answer may carry one method call, which Telegram executes."""

    async def respond(update: dict[str, Any]) -> web.StreamResponse:
        chat_id = update["message"]["chat"]["id"]
        return web.json_response({"method": "sendMessage", "chat_id": chat_id, "text": "eco"})

    hooked.respond = respond
    ana = emu.add_user("Ana")
    await ana.send("hola")
    assert ana.last_text == "eco"


async def test_aiogram_multipart_webhook_answer(bot: Bot, emu: Emulator, webhook_bot) -> None:
    """aiogram answers a webhook with a multipart body holding "method"; it is executed."""
    dp = Dispatcher()

    @dp.message()
    async def echo(message: Message) -> SendMessage:
        return message.answer(f"<i>{message.text}</i>", parse_mode="HTML")

    await webhook_bot(dp)
    ana = emu.add_user("Ana")
    await ana.send("hola")
    assert ana.last_text == "hola" and ana.last.html == "<i>hola</i>"
    assert emu.calls[-1].method == "sendMessage" and emu.calls[-1].status == 200


async def test_webhook_delivers_one_at_a_time_in_order(
    bot: Bot, emu: Emulator, hooked: Receiver
) -> None:
    """Updates reach a bot in update_id order, one in flight at a time by default."""
    in_flight, peak = 0, 0

    async def respond(update: dict[str, Any]) -> web.StreamResponse:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.005)
        in_flight -= 1
        return web.json_response({})

    hooked.respond = respond
    users = [emu.add_user(f"U{n}") for n in range(5)]
    await asyncio.gather(*(u.send("hola") for u in users))
    ids = [u["update_id"] for _, u in hooked.requests]
    assert ids == sorted(ids) and len(set(ids)) == 5 and peak == 1


async def test_get_updates_offset_long_poll_and_acknowledgement(bot: Bot, emu: Emulator) -> None:
    """Telegram: getUpdates long-polls until an update arrives; an update is confirmed by a
    later call with offset past its update_id. A user action returns only then."""
    ana = emu.add_user("Ana")
    assert await bot.get_updates(timeout=0) == []  # the bot is now polling
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0)
    started = time.monotonic()
    action = asyncio.create_task(ana.send("hola"))
    updates = await poll
    assert time.monotonic() - started < 1
    assert [u.message.text for u in updates] == ["hola"]
    assert not action.done()
    again = await bot.get_updates(timeout=0)
    assert [u.update_id for u in again] == [updates[0].update_id]
    assert await bot.get_updates(offset=updates[0].update_id + 1, timeout=0) == []
    await action
    second = asyncio.create_task(ana.send("otra"))
    [next_update] = await bot.get_updates(offset=updates[0].update_id + 1, timeout=5)
    assert next_update.update_id > updates[0].update_id
    await bot.get_updates(offset=next_update.update_id + 1, timeout=0)
    await second


async def test_get_updates_conflicts_with_webhook(bot: Bot, hooked: Receiver) -> None:
    """Telegram: getUpdates fails with 409 while a webhook is set."""
    with pytest.raises(TelegramConflictError, match="can't use getUpdates method while webhook"):
        await bot.get_updates()
    assert await bot.delete_webhook()
    assert await bot.get_updates(timeout=0) == []


async def test_dispatcher_polling(bot: Bot, emu: Emulator) -> None:
    """A Dispatcher polling with handle_as_tasks=False: each action returns once handled."""
    dp = Dispatcher()

    @dp.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text.upper())

    task = asyncio.create_task(
        dp.start_polling(
            bot,
            handle_signals=False,
            close_bot_session=False,
            handle_as_tasks=False,
            polling_timeout=1,
        )
    )
    await emu.wait_connected()
    ana = emu.add_user("Ana")
    await ana.send("hola")
    assert ana.last_text == "HOLA"
    await ana.send("adios")
    assert ana.last_text == "ADIOS"
    await dp.stop_polling()
    await task


async def test_callback_answer_once(bot: Bot, emu: Emulator, hooked: Receiver) -> None:
    """Telegram: a callback query is answered once; answering again is refused."""
    ana = emu.add_user("Ana")
    await ana.send("/start")
    await bot.send_message(
        ana.id,
        "¿Seguro?",
        reply_markup={
            "inline_keyboard": [
                [
                    {"text": "Sí", "callback_data": "y"},
                    {"text": "Ver", "url": "https://example.com"},
                ]
            ]
        },
    )
    with pytest.raises(Exception, match="available"):
        await ana.click("No")
    with pytest.raises(Exception, match="url button"):
        await ana.click("Ver")
    query = await ana.click("Sí")
    assert not query.answered and ana.callback_answers == []
    assert hooked.requests[-1][1]["callback_query"]["data"] == "y"
    assert await bot.answer_callback_query(query.id, text="Ok")
    assert [a.text for a in ana.callback_answers] == ["Ok"]
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query.id)
