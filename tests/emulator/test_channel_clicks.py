"""Buttons on channel posts: anyone who sees the post may press them, member or not; the
bot gets a callback_query carrying the post and the presser, checks membership itself,
answers, and may edit the post's keyboard."""

from __future__ import annotations

import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
)

from lucien.core.testing.emulator import ActorError, Emulator


def counter(count: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text=f"❤️ {count}", callback_data="react:heart"),
                InlineKeyboardButton(text="Web", url="https://example.com"),
            ]
        ]
    )


async def test_a_reaction_button_on_a_channel_post(bot: Bot, emu: Emulator, webhook_bot) -> None:
    channel = emu.create_channel("VIP", username="vipchan")
    seen: list[CallbackQuery] = []
    hearts: set[int] = set()
    dp = Dispatcher()

    @dp.callback_query(F.data == "react:heart")
    async def react(query: CallbackQuery, bot: Bot) -> None:
        seen.append(query)
        member = await bot.get_chat_member(channel.id, query.from_user.id)
        if member.status not in ("member", "administrator", "creator"):
            await query.answer("Solo para miembros del canal.", show_alert=True)
            return
        hearts.add(query.from_user.id)
        await query.answer("Anotado.")
        assert query.message is not None
        await bot.edit_message_reply_markup(
            chat_id=query.message.chat.id,
            message_id=query.message.message_id,
            reply_markup=counter(len(hearts)),
        )

    await webhook_bot(dp)
    post = await bot.send_photo(
        channel.id, BufferedInputFile(b"jpg", "p.jpg"), caption="Nuevo", reply_markup=counter(0)
    )
    ana = emu.add_user("Ana")

    # Not a member: the bot sees who pressed, on which post, and refuses with an alert.
    refused = await ana.click_in(channel, post.message_id, "❤️ 0")
    query = seen[-1]
    assert query.from_user.id == ana.id and query.message.chat.type == "channel"
    assert query.message.chat.id == channel.id and query.message.message_id == post.message_id
    assert query.message.photo and query.message.caption == "Nuevo"
    assert (refused.text, refused.show_alert, refused.chat_id) == (
        "Solo para miembros del canal.",
        True,
        channel.id,
    )
    assert channel.messages[post.message_id].buttons == [["❤️ 0", "Web"]]

    # A member: counted, answered, and the post's keyboard edited in place.
    assert await ana.join("https://t.me/vipchan") == "joined"
    counted = await ana.click_in(channel.id, channel.messages[post.message_id], "❤️ 0")
    assert (counted.answered, counted.text, counted.show_alert) == (True, "Anotado.", False)
    assert channel.messages[post.message_id].buttons == [["❤️ 1", "Web"]]
    assert [q.text for q in ana.callback_answers] == ["Solo para miembros del canal.", "Anotado."]
    assert emu.calls_of("getChatMember")[-1].params["user_id"] == ana.id

    # What a client would not let a person do.
    with pytest.raises(ActorError, match="not a callback button"):
        await ana.click_in(channel, post.message_id, "Web")
    with pytest.raises(ActorError, match="no inline button"):
        await ana.click_in(channel, post.message_id, "❤️ 0")
    await bot.delete_message(channel.id, post.message_id)
    with pytest.raises(ActorError, match="no message"):
        await ana.click_in(channel, post.message_id, "❤️ 1")
    assert len(seen) == 2
