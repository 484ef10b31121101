"""End-to-end: a real aiogram Dispatcher on a webhook talks with an emulated user."""

from __future__ import annotations

from aiogram import Bot, Dispatcher, F
from aiogram.filters import CommandStart
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from lucien.core.testing.emulator import Emulator


async def test_conversation_over_webhook(emu: Emulator, bot: Bot, webhook_bot) -> None:
    """Telegram: the bot receives /start with a bot_command entity, replies with an inline
    keyboard, and a button press arrives as a callback_query the bot must answer."""
    dp = Dispatcher()

    @dp.message(CommandStart())
    async def start(message: Message) -> None:
        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(text="Sí", callback_data="yes"),
                    InlineKeyboardButton(text="Web", url="https://example.com"),
                ]
            ]
        )
        await message.answer(
            f"<b>Bienvenido</b>, {message.from_user.first_name} &amp; co",
            parse_mode="HTML",
            reply_markup=keyboard,
        )

    @dp.callback_query(F.data == "yes")
    async def yes(query: CallbackQuery) -> None:
        await query.message.edit_text("Elegido")
        await query.answer("Hecho", show_alert=True)

    await webhook_bot(dp)
    ana = emu.add_user("Ana")
    await ana.send("/start promo")
    assert ana.last_text == "Bienvenido, Ana & co"
    assert ana.last.html.startswith("<b>Bienvenido</b>")
    assert ana.last.buttons == [["Sí", "Web"]]
    query = await ana.click("Sí")
    assert query.answered and query.text == "Hecho" and query.show_alert
    assert ana.last_text == "Elegido"
    assert ana.last.buttons == []
    assert [c.method for c in emu.calls] == [
        "setWebhook",
        "sendMessage",
        "editMessageText",
        "answerCallbackQuery",
    ]
