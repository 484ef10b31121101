"""A third-party-style plugin the house-style tests install by entry point: it sends each
kind of message the frame must touch (texts, edits, captions) or must never touch
(copies, alerts, channel posts), through the session and as a returned reply."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from lucien.core.menus import back_to_menu_button
from lucien.core.plugin import PluginInfo, hookimpl

# The channel /post writes to (set by the test that creates it).
CHANNEL: dict[str, int] = {}


def _buttons(*labels: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=label, callback_data=f"framed:{label}")]
                         for label in labels]
    )  # fmt: skip


def _size(command: CommandObject, default: int) -> int:
    return int(command.args) if command.args else default


class FramedPlugin:
    """Commands that send what the frame is tested on (literal texts: a test fixture)."""

    @hookimpl
    def lucien_plugin_info(self) -> PluginInfo:
        return PluginInfo(name="framed", version="0.1.0")

    @hookimpl
    def lucien_routers(self, ctx: Any) -> list[Router]:
        router = Router(name="framed")

        @router.message(Command("screen"))
        async def screen(message: Message, ctx: Any) -> Any:
            markup = _buttons("Next", "Returned", "Again")
            markup.inline_keyboard.append([await back_to_menu_button(ctx, message.from_user)])
            return message.answer("Pantalla <i>uno</i>", reply_markup=markup)

        @router.callback_query(F.data == "framed:Next")
        async def next_screen(query: CallbackQuery) -> Any:
            # An edit through the session, then the answer returned.
            assert isinstance(query.message, Message)
            await query.message.edit_text("Pantalla dos", reply_markup=query.message.reply_markup)
            return query.answer()

        @router.callback_query(F.data == "framed:Returned")
        async def returned_edit(query: CallbackQuery) -> Any:
            # An edit returned: the webhook sends it in its response body.
            assert isinstance(query.message, Message)
            return query.message.edit_text("Pantalla tres", reply_markup=query.message.reply_markup)

        @router.callback_query(F.data == "framed:Again")
        async def again(query: CallbackQuery) -> Any:
            # The message's own HTML (header included) with a word more.
            assert isinstance(query.message, Message)
            await query.message.edit_text(
                query.message.html_text + " y más", reply_markup=query.message.reply_markup
            )
            return query.answer()

        @router.message(Command("alert"))
        async def alert(message: Message) -> Any:
            return message.answer("Pulse", reply_markup=_buttons("Alert"))

        @router.callback_query(F.data == "framed:Alert")
        async def alert_answer(query: CallbackQuery) -> Any:
            return query.answer("Una alerta, nada más", show_alert=True)

        @router.message(Command("post"))
        async def post(message: Message, ctx: Any) -> Any:
            await ctx.bot.send_message(CHANNEL["id"], "Aviso del canal")
            await ctx.bot.send_photo(
                CHANNEL["id"], BufferedInputFile(b"jpg", "a.jpg"), caption="Foto del canal"
            )
            return message.answer("Publicado")

        @router.message(Command("photo"))
        async def photo(message: Message, command: CommandObject) -> Any:
            caption = "f" * _size(command, 10)
            await message.answer_photo(BufferedInputFile(b"jpg", "a.jpg"), caption=caption)

        @router.message(Command("long"))
        async def long_returned(message: Message, command: CommandObject) -> Any:
            return message.answer("x" * _size(command, 4090))

        @router.message(Command("longsent"))
        async def long_sent(message: Message, command: CommandObject) -> Any:
            await message.answer("y" * _size(command, 4090))

        @router.message(Command("plain"))
        async def plain(message: Message) -> Any:
            # No parse mode: the header's markup would show as typed.
            return message.answer("Sin <b>formato</b>", parse_mode=None)

        @router.message(F.text.startswith("copy "))
        async def copy_sent(message: Message, ctx: Any) -> Any:
            await ctx.bot.copy_message(message.chat.id, message.chat.id, message.message_id)

        @router.message(F.text.startswith("copyback "))
        async def copy_returned(message: Message) -> Any:
            return message.copy_to(message.chat.id)

        return [router]


framed = FramedPlugin()
