"""Bad input never loses a reply: lone surrogates, deep nesting, messages without `from`,
control characters in names. Every update goes through the real app and its /webhook."""

from __future__ import annotations

import json
import logging
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from lucien.core.db.models import User
from lucien.core.testing.harness import BotHarness

SECRET = "test-secret"


def _start(update_id: int, sender: dict[str, Any] | None, chat_id: int = 4242) -> dict[str, Any]:
    """A /start message; `sender` None leaves out `from` (an anonymous group admin)."""
    message: dict[str, Any] = {
        "message_id": update_id,
        "date": 1767268800,
        "text": "/start",
        "chat": {"id": chat_id, "type": "private", "first_name": "Ana"},
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
    }
    if sender is not None:
        message["from"] = sender
    return {"update_id": update_id, "message": message}


async def _post(harness: BotHarness, body: bytes) -> tuple[int, bytes]:
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{harness.app.base_url}/webhook", data=body, headers=headers) as response,
    ):
        return response.status, await response.read()


async def _stored_name(harness: BotHarness, user_id: int) -> str | None:
    await harness.ctx.users.drain()
    async with harness.ctx.db.session() as session:
        return (await session.execute(select(User.first_name).where(User.id == user_id))).scalar()


async def test_start_from_a_user_named_with_a_lone_surrogate_gets_its_greeting(
    harness: BotHarness,
) -> None:
    await harness.start_app()
    body = json.dumps(_start(1, {"id": 4242, "is_bot": False, "first_name": "Ana"}))
    # The JSON escape of a lone high surrogate, as a client may send it.
    body = body.replace('"first_name": "Ana"}', '"first_name": "An\\ud800a"}')
    assert "\\ud800" in body
    status, reply = await _post(harness, body.encode())
    assert status == 200
    answer = json.loads(reply)
    assert answer["method"] == "sendMessage"
    assert answer["chat_id"] == 4242
    assert "An\ufffda" in answer["text"]  # the greeting, with the surrogate replaced
    assert answer["reply_markup"]["inline_keyboard"]  # and the menu
    assert await _stored_name(harness, 4242) == "An\ufffda"


async def test_a_lone_surrogate_anywhere_in_the_update_is_replaced(harness: BotHarness) -> None:
    """Valid pairs (an escaped emoji) stay as they are; lone ones, high or low, in the
    text, the chat or the sender, become U+FFFD."""
    await harness.start_app()
    update = _start(2, {"id": 4243, "is_bot": False, "first_name": "Bea"}, chat_id=4243)
    update["message"]["chat"]["first_name"] = "ch"
    body = (
        json.dumps(update)
        .replace(
            '"first_name": "Bea"', '"first_name": "B\\uDC00\\ud83d\\ude00", "username": "b\\ud801"'
        )
        .replace('"first_name": "ch"', '"first_name": "\\udfff"')
    )
    status, reply = await _post(harness, body.encode())
    assert status == 200
    assert "B\ufffd\U0001f600" in json.loads(reply)["text"]
    assert await _stored_name(harness, 4243) == "B\ufffd\U0001f600"


@pytest.mark.parametrize("db_kind", ["sqlite"], indirect=True)
async def test_deeply_nested_json_is_400_without_a_recursion_error(
    harness: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    await harness.start_app()
    caplog.set_level(logging.WARNING)
    for body in (b"[" * 100_000 + b"]" * 100_000, b'{"update_id": 1, "x": ' + b"[" * 100_000):
        status, _ = await _post(harness, body)
        assert status == 400
    # Nested deep enough for pydantic but not for json: refused by validation, not a 500.
    deep = json.dumps({"update_id": 3, "message": None}).replace("null", "[" * 900 + "]" * 900)
    status, _ = await _post(harness, deep.encode())
    assert status == 400
    assert not [r for r in caplog.records if r.exc_info and r.exc_info[0] is RecursionError]
    assert "RecursionError" not in caplog.text
    # The webhook still answers updates afterwards.
    status, reply = await _post(
        harness, json.dumps(_start(4, {"id": 7, "is_bot": False, "first_name": "Ana"})).encode()
    )
    assert status == 200 and json.loads(reply)["method"] == "sendMessage"


@pytest.mark.parametrize("db_kind", ["sqlite"], indirect=True)
async def test_start_without_from_raises_nothing(
    harness: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    """A group message from an anonymous admin (only `sender_chat`) and a channel post:
    answered or ignored, never an exception."""
    club = harness.emulator.create_channel("Club", chat_type="supergroup")
    await harness.start_app()
    caplog.set_level(logging.ERROR)
    group = _start(5, None, chat_id=club.id)
    group["message"]["chat"] = {"id": club.id, "type": "supergroup", "title": "Club"}
    group["message"]["sender_chat"] = group["message"]["chat"]
    status, reply = await _post(harness, json.dumps(group).encode())
    assert status == 200
    answer = json.loads(reply)
    assert answer["method"] == "sendMessage" and answer["chat_id"] == club.id
    assert "error" not in answer["text"].lower()

    private = _start(6, None)
    status, reply = await _post(harness, json.dumps(private).encode())
    assert status == 200

    # Every command a stranger can reach, in the group, without `from`: the role-gated
    # ones refused, the rest answered; none raises.
    texts = ["/menu", "/start VIP-NOPE", "VIP-ABCDEF", "/vip", "/admin", "/config", "/diag"]
    texts += ["/start nobody-claims-this", "hello"]
    for n, text in enumerate(texts, start=100):
        anonymous = json.loads(json.dumps(group))
        anonymous["update_id"] = n
        anonymous["message"].update(message_id=n, text=text)
        anonymous["message"]["entities"][0]["length"] = len(text.split()[0])
        if not text.startswith("/"):
            del anonymous["message"]["entities"]
        status, _ = await _post(harness, json.dumps(anonymous).encode())
        assert status == 200, text
    # /vip without a sender: the public offer, sent to the group.
    assert any(c.params.get("chat_id") == club.id for c in harness.emulator.calls_of("sendMessage"))

    channel = _start(7, None, chat_id=-1002)
    channel["channel_post"] = channel.pop("message")
    channel["channel_post"]["chat"] = {"id": -1002, "type": "channel", "title": "News"}
    channel["channel_post"]["sender_chat"] = channel["channel_post"]["chat"]
    status, _ = await _post(harness, json.dumps(channel).encode())
    assert status == 200
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert harness.app.metrics is not None


async def test_a_name_with_nul_and_control_characters_is_stored_and_shown_safely(
    harness: BotHarness,
) -> None:
    await harness.start_app()
    name = "A\x00n\x07a\x1b[31m"
    update = _start(8, {"id": 4244, "is_bot": False, "first_name": name, "username": "a\x00b"})
    status, reply = await _post(harness, json.dumps(update).encode())
    assert status == 200
    text = json.loads(reply)["text"]
    assert "\x00" not in text and "\x07" not in text and "\x1b" not in text
    stored = await _stored_name(harness, 4244)
    assert stored is not None and "\x00" not in stored
    assert stored.startswith("A") and "n" in stored and "a" in stored
