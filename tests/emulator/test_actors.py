"""What users can do and see: forwards, files, copies, injected updates, concurrency, CLI."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from typing import Any

from aiogram import Bot
from aiohttp import web

from lucien.core.testing.emulator import Emulator

from .conftest import Receiver


async def test_forward_from_channel_has_channel_origin(
    bot: Bot, emu: Emulator, hooked: Receiver
) -> None:
    """Telegram: a forwarded channel post carries forward_origin of type "channel"."""
    channel = emu.create_channel("VIP")
    ana = emu.add_user("Ana")
    await ana.forward_from(channel.id, text="post")
    message = hooked.requests[-1][1]["message"]
    assert message["forward_origin"]["type"] == "channel"
    assert message["forward_origin"]["chat"]["id"] == channel.id
    assert message["text"] == "post"


async def test_user_document_copy_and_forward(bot: Bot, emu: Emulator, hooked: Receiver) -> None:
    """Telegram: copyMessage returns a MessageId; forwardMessage returns the new Message with
    its forward_origin; a user's document arrives with file_id and file_name."""
    ana = emu.add_user("Ana")
    sent = await ana.send_document("notes.txt", b"hola", caption="mira")
    incoming = hooked.requests[-1][1]["message"]
    assert incoming["document"]["file_name"] == "notes.txt" and incoming["caption"] == "mira"
    copy = await bot.copy_message(ana.id, ana.id, sent.message_id)
    assert ana.messages[-1].message_id == copy.message_id
    assert ana.messages[-1].document == ("notes.txt", b"hola")
    assert ana.messages[-1].text == "mira"
    channel = emu.create_channel("News")
    post = await bot.send_message(channel.id, "noticia")
    forwarded = await bot.forward_message(ana.id, channel.id, post.message_id)
    assert forwarded.forward_origin.type == "channel" and ana.last_text == "noticia"


async def test_inject_update_and_wait_idle(bot: Bot, emu: Emulator, hooked: Receiver) -> None:
    """Arbitrary updates can be injected; wait_idle returns once they were delivered."""
    emu.inject_update(
        emu.bot,
        {
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": 1, "type": "private"},
                "text": "x",
            }
        },
    )
    await emu.wait_idle()
    assert hooked.requests[-1][1]["message"]["text"] == "x"
    assert hooked.requests[-1][1]["update_id"] > 0


async def test_max_connections_allows_concurrent_delivery(
    bot: Bot, emu: Emulator, receiver: Receiver
) -> None:
    """Telegram: max_connections bounds simultaneous webhook requests; set explicitly, the
    emulator delivers that many at once (load tests)."""
    in_flight, peak = 0, 0
    release = asyncio.Event()

    async def respond(update: dict[str, Any]) -> web.StreamResponse:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        if peak >= 3:
            release.set()
        await release.wait()
        in_flight -= 1
        return web.json_response({})

    receiver.respond = respond
    await bot.set_webhook(receiver.url, max_connections=3)
    users = [emu.add_user(f"U{n}") for n in range(4)]
    await asyncio.gather(*(u.send("hola") for u in users))
    assert peak == 3
    assert (await bot.get_webhook_info()).max_connections == 3


async def test_approval_emits_chat_member_via_join_request(
    bot: Bot, emu: Emulator, hooked: Receiver
) -> None:
    """Telegram: approving a request adds the member and, for a bot that asked for
    chat_member, sends a chat_member update with via_join_request."""
    await bot.set_webhook(hooked.url, allowed_updates=["chat_member", "chat_join_request"])
    channel = emu.create_channel("Free")
    link = await bot.create_chat_invite_link(channel.id, creates_join_request=True)
    ana = emu.add_user("Ana")
    await ana.join(link.invite_link)
    await bot.approve_chat_join_request(channel.id, ana.id)
    await emu.wait_idle()
    update = hooked.requests[-1][1]["chat_member"]
    assert update["via_join_request"] is True
    assert update["new_chat_member"]["user"]["id"] == ana.id


def test_limits_option() -> None:
    """Emulator(limits="on") turns the 429 limits on; anything but on/off is refused."""
    assert Emulator(limits="on").limiter.enabled
    assert not Emulator().limiter.enabled


def test_cli_serves_and_prints_token() -> None:
    """``python -m lucien.core.testing.emulator`` serves a bot and prints its token."""
    process = subprocess.Popen(
        [sys.executable, "-m", "lucien.core.testing.emulator", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        token_line = process.stdout.readline()
        assert first.startswith("Bot API emulator on http://127.0.0.1:")
        assert token_line.startswith("BOT_TOKEN=") and ":" in token_line
    finally:
        process.terminate()
        process.wait(timeout=10)
