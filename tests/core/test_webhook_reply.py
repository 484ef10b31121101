"""A handler's method written into the webhook response: the quick path for plain JSON
and the full walk (dates, defaults deeper down) give what aiogram's own value preparation
gives, and a file goes out as multipart, as aiogram would send it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.parser import BytesParser
from types import SimpleNamespace
from typing import Any

import pytest
from aiogram import Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode
from aiogram.methods import (
    AnswerCallbackQuery,
    BanChatMember,
    EditMessageText,
    SendDocument,
    SendMessage,
    TelegramMethod,
)
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    ReplyParameters,
)

from lucien.core.app import create_bot
from lucien.core.replies import freeze_markup, frozen_dump
from lucien.core.webhook import method_response

TOKEN = "123456:" + "A" * 35


def app_with(default: DefaultBotProperties) -> Any:
    bot = create_bot(TOKEN)
    bot.default = default
    return SimpleNamespace(ctx=SimpleNamespace(bot=bot, dispatcher=Dispatcher()))


KEYBOARD = InlineKeyboardMarkup(
    inline_keyboard=[
        [InlineKeyboardButton(text="Planes <VIP>", callback_data="menu:vip")],
        [InlineKeyboardButton(text="Canal", url="https://t.me/lucien")],
    ]
)

METHODS: list[TelegramMethod[Any]] = [
    SendMessage(chat_id=42, text="Bienvenido, <b>señor</b> «Ünïcode» 🎩", reply_markup=KEYBOARD),
    SendMessage(chat_id=42, text="plain", parse_mode=None),
    SendMessage(chat_id=42, text="x", link_preview_options=LinkPreviewOptions(url="https://a.b")),
    SendMessage(chat_id=42, text="x", reply_parameters=ReplyParameters(message_id=7)),
    EditMessageText(chat_id=42, message_id=3, text="edited", reply_markup=KEYBOARD),
    AnswerCallbackQuery(callback_query_id="q1", text="Hecho", show_alert=True),
    BanChatMember(chat_id=-100, user_id=42, until_date=datetime(2030, 1, 1, tzinfo=UTC)),
]

DEFAULTS = [
    DefaultBotProperties(parse_mode=ParseMode.HTML),
    DefaultBotProperties(
        parse_mode=ParseMode.HTML,
        protect_content=True,
        link_preview_is_disabled=True,
        allow_sending_without_reply=True,
    ),
]


def aiogram_fields(app: Any, method: TelegramMethod[Any]) -> dict[str, str]:
    """The method's fields as aiogram's session prepares them for a request (each a
    string: JSON for objects and numbers, as is for text)."""
    bot = app.ctx.bot
    fields = {"method": method.__api_method__}
    for key, value in method.model_dump(warnings=False).items():
        prepared = bot.session.prepare_value(value, bot=bot, files={})
        if prepared is not None:
            fields[key] = prepared
    return fields


def as_fields(body: dict[str, Any]) -> dict[str, str]:
    """A JSON reply written the way `aiogram_fields` writes each value."""
    return {
        key: value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        for key, value in body.items()
    }


def same_fields(ours: dict[str, str], aiogram: dict[str, str]) -> bool:
    """Equal field by field, JSON read back (aiogram writes a date as a string)."""

    def read(value: str) -> Any:
        try:
            return json.loads(value)
        except ValueError:
            return value

    return ours.keys() == aiogram.keys() and all(
        read(ours[k]) == read(aiogram[k]) or ours[k] == aiogram[k] for k in ours
    )


@pytest.mark.parametrize("default", DEFAULTS, ids=["html", "many-defaults"])
@pytest.mark.parametrize("method", METHODS, ids=lambda m: type(m).__name__)
async def test_json_reply_equals_aiogram_preparation(
    method: TelegramMethod[Any], default: DefaultBotProperties
) -> None:
    app = app_with(default)
    reply = method_response(app, method)
    assert reply.content_type == "application/json"
    assert same_fields(as_fields(json.loads(reply.body)), aiogram_fields(app, method))
    await app.ctx.bot.session.close()


async def test_defaults_are_filled_in_and_unset_ones_left_out() -> None:
    app = app_with(DefaultBotProperties(parse_mode=ParseMode.HTML))
    body = json.loads(method_response(app, SendMessage(chat_id=1, text="hola")).body)
    assert body == {"method": "sendMessage", "chat_id": 1, "text": "hola", "parse_mode": "HTML"}
    await app.ctx.bot.session.close()


async def test_a_file_goes_out_as_multipart() -> None:
    app = app_with(DefaultBotProperties(parse_mode=ParseMode.HTML))
    method = SendDocument(
        chat_id=1, document=BufferedInputFile(b"a,b\n", "tokens.csv"), caption="Tokens"
    )
    body = method_response(app, method).body
    assert "multipart/form-data" in body.content_type
    raw = await body.as_bytes()
    message = BytesParser().parsebytes(
        b"Content-Type: " + body.content_type.encode() + b"\r\n\r\n" + raw
    )
    parts = {
        part.get_param("name", header="content-disposition"): part for part in message.get_payload()
    }
    text = {name: part.get_payload(decode=True).decode() for name, part in parts.items()}
    assert text["method"] == "sendDocument"
    assert text["chat_id"] == "1" and text["caption"] == "Tokens" and text["parse_mode"] == "HTML"
    attached = text["document"].removeprefix("attach://")
    assert parts[attached].get_filename() == "tokens.csv"
    assert parts[attached].get_payload(decode=True) == b"a,b\n"
    await app.ctx.bot.session.close()


async def test_a_frozen_markup_is_written_from_its_dump_and_equals_aiogram() -> None:
    app = app_with(DefaultBotProperties(parse_mode=ParseMode.HTML))
    markup = freeze_markup(
        InlineKeyboardMarkup(
            inline_keyboard=[
                [InlineKeyboardButton(text="Mi suscripción", callback_data="vip:me")],
            ]
        )
    )
    method = SendMessage(chat_id=7, text="Menú", reply_markup=markup)
    body = json.loads(method_response(app, method).body)
    assert same_fields(as_fields(body), aiogram_fields(app, method))
    # The dump is reused, not redone: it is what a frozen markup promises.
    frozen_dump(markup)["inline_keyboard"][0][0]["text"] = "from the memo"
    body = json.loads(method_response(app, method).body)
    assert body["reply_markup"]["inline_keyboard"][0][0]["text"] == "from the memo"
    # A markup that was not frozen is dumped every time.
    loose = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="a", callback_data="b")]]
    )
    assert frozen_dump(loose) is None
    loose.inline_keyboard[0][0].text = "changed"
    body = json.loads(
        method_response(app, SendMessage(chat_id=7, text="x", reply_markup=loose)).body
    )
    assert body["reply_markup"]["inline_keyboard"][0][0]["text"] == "changed"
    await app.ctx.bot.session.close()


@pytest.mark.parametrize(
    "method", [METHODS[0], METHODS[1], METHODS[4], METHODS[5]], ids=lambda m: type(m).__name__
)
async def test_plain_replies_skip_aiogram_preparation(
    method: TelegramMethod[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import lucien.core.webhook as webhook

    def refuse(*_: Any) -> Any:
        raise AssertionError("a plain reply went through aiogram's preparation")

    monkeypatch.setattr(webhook, "_prepared_response", refuse)
    app = app_with(DefaultBotProperties(parse_mode=ParseMode.HTML))
    assert json.loads(method_response(app, method).body)["method"] == method.__api_method__
    await app.ctx.bot.session.close()


def test_a_router_with_only_startup_or_shutdown_hooks_is_kept() -> None:
    from aiogram import Router

    from lucien.core.app import _plugin_router

    hooks_only = Router(name="hooks")

    @hooks_only.startup()
    async def on_startup() -> None: ...

    assert _plugin_router("p", [hooks_only]) is hooks_only
    assert _plugin_router("p", [Router(name="empty")]) is None
