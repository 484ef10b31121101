"""GET /_emulator/chats/{chat_id}/messages: what a user's chat (or a channel) shows, read
over HTTP by a process that drives the bot's webhook itself (the journey load test)."""

from __future__ import annotations

from typing import Any

import aiohttp
from aiogram import Bot
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from lucien.core.testing.emulator import BotAccount, Emulator


async def _read(emu: Emulator, chat_id: int | str, **query: str) -> tuple[int, Any]:
    url = f"{emu.base_url}/_emulator/chats/{chat_id}/messages"
    async with aiohttp.ClientSession() as http, http.get(url, params=query) as resp:
        return resp.status, await resp.json()


async def test_the_bots_messages_after_an_id_with_their_buttons(
    emu: Emulator, account: BotAccount, bot: Bot, hooked: Any
) -> None:
    ana = emu.add_user("Ana")
    await ana.send("/start")  # her own message: never listed
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Continuar", callback_data="go")]]
    )
    first = await bot.send_message(ana.id, "<b>Bienvenida</b>", parse_mode="HTML")
    second = await bot.send_message(ana.id, "Siga", reply_markup=keyboard)
    gone = await bot.send_message(ana.id, "borrado")
    await bot.delete_message(ana.id, gone.message_id)

    status, body = await _read(emu, ana.id)
    assert status == 200 and body["ok"]
    assert [m["text"] for m in body["result"]] == ["Bienvenida", "Siga"]
    assert body["result"][0]["entities"][0]["type"] == "bold"
    assert body["result"][1]["reply_markup"] == {
        "inline_keyboard": [[{"text": "Continuar", "callback_data": "go"}]]
    }
    assert body["result"][1]["from"]["id"] == account.id

    # Only what came after the id given; an edit shows in place with its date.
    await bot.edit_message_text("Siga, por favor", chat_id=ana.id, message_id=second.message_id)
    _, body = await _read(emu, ana.id, after=str(first.message_id))
    [edited] = body["result"]
    assert edited["message_id"] == second.message_id
    assert edited["text"] == "Siga, por favor" and "edit_date" in edited
    _, body = await _read(emu, ana.id, after=str(second.message_id))
    assert body["result"] == []

    # The bot chosen by id reads the same; a user it never talked to has an empty chat.
    _, body = await _read(emu, ana.id, bot=str(account.id))
    assert len(body["result"]) == 2
    _, body = await _read(emu, emu.add_user("Bea").id)
    assert body == {"ok": True, "result": []}


async def test_a_channels_posts(emu: Emulator, account: BotAccount, bot: Bot) -> None:
    channel = emu.create_channel("Salon")
    await bot.send_message(channel.id, "Anuncio")
    _, body = await _read(emu, channel.id)
    assert [m["text"] for m in body["result"]] == ["Anuncio"]
    assert body["result"][0]["chat"]["id"] == channel.id


async def test_bad_input_gets_a_400_envelope(emu: Emulator, account: BotAccount) -> None:
    for chat_id, query in (("abc", {}), ("5", {"after": "x"}), ("5", {"bot": "1"})):
        status, body = await _read(emu, chat_id, **query)
        assert status == 400 and body["ok"] is False, (chat_id, query)
        assert body["description"].startswith("Bad Request")
