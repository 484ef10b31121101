"""What a bot sends: videos, voice notes, animations, albums, protected content, and
keyboards edited on media messages and channel posts."""

from __future__ import annotations

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaDocument,
    InputMediaPhoto,
    InputMediaVideo,
)

from lucien.core.testing.emulator import Emulator


def keyboard(*labels: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text=label, callback_data=f"r:{n}")
                for n, label in enumerate(labels)
            ]
        ]
    )


async def test_video_voice_animation_with_caption_keyboard_and_protection(
    bot: Bot, emu: Emulator, hooked
) -> None:
    """Bot API: sendVideo/sendVoice/sendAnimation return the Message with the file's object;
    protect_content shows as has_protected_content; a file id sent again keeps its file."""
    ana = emu.add_user("Ana")
    await ana.send("/start")
    video = await bot.send_video(
        ana.id,
        BufferedInputFile(b"mp4 bytes", "clip.mp4"),
        caption="<b>Estreno</b>",
        parse_mode="HTML",
        duration=7,
        width=1280,
        height=720,
        protect_content=True,
        reply_markup=keyboard("❤️", "🔥"),
    )
    assert (video.video.duration, video.video.width, video.video.file_name) == (7, 1280, "clip.mp4")
    assert video.caption == "Estreno" and video.caption_entities[0].type == "bold"
    assert video.has_protected_content and video.reply_markup.inline_keyboard[0][0].text == "❤️"
    stored = ana.last
    assert (stored.kind, stored.caption, stored.protect_content) == ("video", "Estreno", True)
    assert stored.entities == [{"type": "bold", "offset": 0, "length": 7}]
    assert stored.buttons == [["❤️", "🔥"]] and stored.file == ("clip.mp4", b"mp4 bytes")

    voice = await bot.send_voice(ana.id, BufferedInputFile(b"ogg", "note.ogg"), duration=4)
    assert voice.voice.duration == 4 and ana.last.kind == "voice" and ana.last.caption is None

    animation = await bot.send_animation(ana.id, "https://example.com/dance.gif", caption="baile")
    assert animation.animation.file_name == "dance.gif" and ana.last.kind == "animation"
    # An animation is a document to Telegram: either may stand for the other.
    as_document = await bot.send_document(ana.id, animation.animation.file_id)
    assert as_document.document.file_id == animation.animation.file_id
    again = await bot.send_video(ana.id, video.video.file_id)
    assert again.video.file_unique_id == video.video.file_unique_id
    assert ana.last.file == ("clip.mp4", b"mp4 bytes")
    with pytest.raises(TelegramBadRequest, match="can't use file of type Voice as Video"):
        await bot.send_video(ana.id, voice.voice.file_id)
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_voice(ana.id, "no-such-file")
    with pytest.raises(TelegramBadRequest, match="caption is too long"):
        await bot.send_video(ana.id, video.video.file_id, caption="x" * 1025)


async def test_send_media_group_returns_messages_sharing_a_group(bot: Bot, emu: Emulator) -> None:
    """Bot API: sendMediaGroup takes 2-10 photos/videos (or documents alone) and returns the
    Messages, one per item, with one media_group_id and consecutive ids."""
    channel = emu.create_channel("VIP")
    first = await bot.send_photo(channel.id, BufferedInputFile(b"jpg", "a.jpg"))
    sent = await bot.send_media_group(
        channel.id,
        media=[
            InputMediaPhoto(
                media=BufferedInputFile(b"jpg2", "b.jpg"), caption="<i>dos</i>", parse_mode="HTML"
            ),
            InputMediaVideo(media=BufferedInputFile(b"mp4", "c.mp4"), duration=12),
            InputMediaPhoto(media=first.photo[-1].file_id),
        ],
        protect_content=True,
    )
    assert [m.content_type for m in sent] == ["photo", "video", "photo"]
    group = sent[0].media_group_id
    assert group and all(m.media_group_id == group for m in sent)
    ids = [m.message_id for m in sent]
    assert ids == [first.message_id + 1, first.message_id + 2, first.message_id + 3]
    assert sent[0].caption == "dos" and sent[0].caption_entities[0].type == "italic"
    assert sent[1].video.duration == 12 and all(m.has_protected_content for m in sent)
    assert all(m.chat.type == "channel" and m.sender_chat.id == channel.id for m in sent)
    stored = [channel.messages[i] for i in ids]
    assert [m.kind for m in stored] == ["photo", "video", "photo"]
    assert {m.media_group_id for m in stored} == {group}
    assert stored[2].file == ("a.jpg", b"jpg") and stored[0].caption == "dos"

    documents = await bot.send_media_group(
        channel.id,
        media=[
            InputMediaDocument(media=BufferedInputFile(b"1", "1.txt")),
            InputMediaDocument(media=BufferedInputFile(b"2", "2.txt")),
        ],
    )
    assert [m.document.file_name for m in documents] == ["1.txt", "2.txt"]
    with pytest.raises(TelegramBadRequest, match="2-10 items"):
        await bot.send_media_group(
            channel.id, media=[InputMediaPhoto(media=first.photo[0].file_id)]
        )
    with pytest.raises(TelegramBadRequest, match="can't be mixed"):
        await bot.send_media_group(
            channel.id,
            media=[
                InputMediaPhoto(media=first.photo[0].file_id),
                InputMediaDocument(media=BufferedInputFile(b"3", "3.txt")),
            ],
        )
    assert len(channel.posts) == 6  # the refused albums left nothing behind


async def test_edit_reply_markup_on_media_and_channel_posts(
    bot: Bot, emu: Emulator, hooked
) -> None:
    """Bot API: editMessageReplyMarkup works on any message the bot sent, media included,
    in private chats and channels; the same keyboard again is "message is not modified"."""
    channel = emu.create_channel("VIP")
    post = await bot.send_video(
        channel.id, BufferedInputFile(b"v", "v.mp4"), caption="nuevo", reply_markup=keyboard("❤️ 0")
    )
    edited = await bot.edit_message_reply_markup(
        chat_id=channel.id, message_id=post.message_id, reply_markup=keyboard("❤️ 1", "🔥 0")
    )
    assert edited.video.file_id == post.video.file_id and edited.caption == "nuevo"
    stored = channel.messages[post.message_id]
    assert stored.buttons == [["❤️ 1", "🔥 0"]] and stored.edit_date is not None
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_reply_markup(
            chat_id=channel.id, message_id=post.message_id, reply_markup=keyboard("❤️ 1", "🔥 0")
        )
    text_post = await bot.send_message(channel.id, "texto", reply_markup=keyboard("👍"))
    await bot.edit_message_reply_markup(chat_id=channel.id, message_id=text_post.message_id)
    assert channel.messages[text_post.message_id].buttons == []

    ana = emu.add_user("Ana")
    await ana.send("/start")
    photo = await bot.send_photo(
        ana.id, BufferedInputFile(b"p", "p.jpg"), reply_markup=keyboard("a")
    )
    await bot.edit_message_reply_markup(
        chat_id=ana.id, message_id=photo.message_id, reply_markup=keyboard("b")
    )
    assert ana.last.buttons == [["b"]] and ana.last.kind == "photo"
