"""The Bot API envelope: routing, parsing, error wording, result objects aiogram validates."""

from __future__ import annotations

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import BufferedInputFile, ChatFullInfo, ChatMemberAdministrator, ChatMemberOwner

from lucien.core.testing.emulator import BotAccount, Emulator


async def test_unknown_method_is_404(emu: Emulator, account: BotAccount) -> None:
    """Telegram: an unknown method answers 404 "Not Found"."""
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{emu.base_url}/bot{account.token}/sendTelepathy") as resp:
            assert resp.status == 404
            assert await resp.json() == {"ok": False, "error_code": 404, "description": "Not Found"}


async def test_unknown_token_is_401(emu: Emulator, account: BotAccount) -> None:
    """Telegram: a token that is not a bot's answers 401 "Unauthorized"."""
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{emu.base_url}/bot123:nope/getMe") as resp:
            assert resp.status == 401
            assert (await resp.json())["description"] == "Unauthorized"


async def test_method_names_ignore_case_and_json_bodies_work(
    emu: Emulator, account: BotAccount, hooked
) -> None:
    """Telegram: method names are case-insensitive; GET and JSON bodies are accepted."""
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{emu.base_url}/bot{account.token}/GETME") as resp:
            body = await resp.json()
            assert body["ok"] and body["result"]["id"] == account.id
        user = emu.add_user("Ana")
        await user.send("hola")  # starts the bot
        async with http.post(
            f"{emu.base_url}/bot{account.token}/sendMessage",
            json={"chat_id": user.id, "text": "curl"},
        ) as resp:
            assert (await resp.json())["result"]["text"] == "curl"
    assert user.last_text == "curl"


async def test_chat_not_found_and_empty_text(bot: Bot, emu: Emulator) -> None:
    """Telegram: unknown chat -> "Bad Request: chat not found"; blank text -> "message text
    is empty"."""
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(42, "hola")
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(emu.create_channel("C").id, "   ")


async def test_html_parse_errors(bot: Bot, emu: Emulator) -> None:
    """Telegram's HTML mode refuses unknown and unbalanced tags with "can't parse entities"."""
    channel = emu.create_channel("News")
    sent = await bot.send_message(
        channel.id, "<b>bold</b> &lt;3 <a href='https://x.y'>x</a>", parse_mode="HTML"
    )
    assert sent.text == "bold <3 x"
    assert [e.type for e in sent.entities] == ["bold", "text_link"]
    for broken in ("<b>open", "<div>x</div>", "<b>x</i>", "a < b", "</b>"):
        with pytest.raises(TelegramBadRequest, match="can't parse entities"):
            await bot.send_message(channel.id, broken, parse_mode="HTML")
    stored = channel.messages[sent.message_id]
    assert stored.html.startswith("<b>bold</b>") and stored.text == "bold <3 x"


async def test_edit_not_modified_and_missing_messages(bot: Bot, emu: Emulator) -> None:
    """Telegram: editing to identical text/markup fails with "message is not modified";
    unknown ids give "message to edit not found" / "message to delete not found"."""
    channel = emu.create_channel("News")
    sent = await bot.send_message(channel.id, "uno")
    with pytest.raises(TelegramBadRequest, match="message is not modified: specified new"):
        await bot.edit_message_text("uno", chat_id=channel.id, message_id=sent.message_id)
    edited = await bot.edit_message_text("dos", chat_id=channel.id, message_id=sent.message_id)
    assert edited.text == "dos" and channel.messages[sent.message_id].text == "dos"
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=channel.id, message_id=999)
    assert await bot.delete_message(channel.id, sent.message_id)
    assert channel.messages[sent.message_id].deleted
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(channel.id, sent.message_id)


async def test_results_validate_as_aiogram_types(
    bot: Bot, emu: Emulator, account: BotAccount
) -> None:
    """The results are the Bot API's objects: ChatFullInfo, ChatMember variants, WebhookInfo."""
    channel = emu.create_channel("VIP", username="vipchan")
    info = await bot.get_chat(channel.id)
    assert isinstance(info, ChatFullInfo) and info.title == "VIP"
    assert (await bot.get_chat("@vipchan")).id == channel.id
    me = await bot.get_chat_member(channel.id, account.id)
    assert isinstance(me, ChatMemberAdministrator) and me.can_invite_users
    admins = await bot.get_chat_administrators(channel.id)
    assert {type(a) for a in admins} == {ChatMemberOwner, ChatMemberAdministrator}
    assert await bot.get_chat_member_count(channel.id) == 2
    hook = await bot.get_webhook_info()
    assert hook.url == "" and hook.pending_update_count == 0
    assert (await bot.get_me()).username == account.username
    assert await bot.set_my_commands([{"command": "start", "description": "Empezar"}])
    assert [c.command for c in await bot.get_my_commands()] == ["start"]
    assert await bot.delete_my_commands()
    assert await bot.send_chat_action(channel.id, "typing")


async def test_send_document_multipart(bot: Bot, emu: Emulator, hooked) -> None:
    """Telegram: files are uploaded as multipart parts referenced by ``attach://``."""
    ana = emu.add_user("Ana")
    await ana.send("/start")
    sent = await bot.send_document(
        ana.id,
        BufferedInputFile(b"a,b\n1,2\n", "report.csv"),
        caption="<i>Informe</i>",
        parse_mode="HTML",
    )
    assert sent.document.file_name == "report.csv" and sent.caption == "Informe"
    assert ana.last.document == ("report.csv", b"a,b\n1,2\n")
    again = await bot.send_document(ana.id, sent.document.file_id)
    assert again.document.file_name == "report.csv"
    call = emu.calls_of("sendDocument")[0]
    assert call.params["document"]["filename"] == "report.csv" and call.status == 200


async def test_blocked_user_is_403(bot: Bot, emu: Emulator, hooked) -> None:
    """Telegram: writing to a user who blocked the bot -> 403 "bot was blocked by the user";
    to one who never started it -> 403 "bot can't initiate conversation with a user"."""
    ana, bea = emu.add_user("Ana"), emu.add_user("Bea")
    await ana.send("/start")
    await ana.block_bot()
    assert hooked.requests[-1][1]["my_chat_member"]["new_chat_member"]["status"] == "kicked"
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(ana.id, "hola")
    with pytest.raises(TelegramForbiddenError, match="bot can't initiate conversation"):
        await bot.send_message(bea.id, "hola")
    await ana.unblock_bot()
    assert (await bot.send_message(ana.id, "de nuevo")).text == "de nuevo"
    assert emu.calls_of("sendMessage")[0].status == 403


async def test_html_entities_use_utf16_offsets(bot: Bot, emu: Emulator) -> None:
    """Bot API: entity offsets count UTF-16 code units; <pre><code class="language-x"> is one
    pre entity with a language."""
    channel = emu.create_channel("News")
    sent = await bot.send_message(
        channel.id,
        '😀 <b>hi</b> <pre><code class="language-py">x = 1</code></pre>',
        parse_mode="HTML",
    )
    bold, pre = sent.entities
    assert (bold.type, bold.offset, bold.length) == ("bold", 3, 2)
    assert (pre.type, pre.language, pre.offset) == ("pre", "py", 6)
