"""copyMessage and copyMessages: every kind keeps its content, albums stay albums, and
the new sending methods meet limits, faults and blocked users like the old ones."""

from __future__ import annotations

import asyncio

import pytest
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    InputMediaVideo,
)

from lucien.core.testing.emulator import Emulator, StoredMessage, UserActor

BOLD = [{"type": "bold", "offset": 0, "length": 4}]
REACT = InlineKeyboardMarkup(
    inline_keyboard=[[InlineKeyboardButton(text="❤️", callback_data="react:1")]]
)


async def one_of_each(ana: UserActor) -> list[StoredMessage]:
    """Ana sends the bot one message of every kind, each with a bold word."""
    return [
        await ana.send("<b>Hola</b> texto", parse_mode="HTML"),
        await ana.send_photo(caption="<b>Foto</b> sí", parse_mode="HTML"),
        await ana.send_video(caption="<b>Vído</b> sí", parse_mode="HTML"),
        await ana.send_voice(caption="<b>Voz.</b> sí", parse_mode="HTML"),
        await ana.send_animation(caption="<b>Gif!</b> sí", parse_mode="HTML"),
        await ana.send_document("a.pdf", b"%PDF", caption="<b>Docu</b> sí", parse_mode="HTML"),
    ]


async def test_copy_message_keeps_every_kind_with_entities(bot: Bot, emu: Emulator, hooked) -> None:
    """Bot API: copyMessage returns a MessageId; the copy has the original's content and
    caption entities, no link to it, no inline keyboard unless reply_markup is given, and
    protect_content of its own; a caption parameter replaces the caption."""
    channel = emu.create_channel("VIP")
    ana = emu.add_user("Ana")
    originals = await one_of_each(ana)
    copies = []
    for original in originals:
        result = await bot.copy_message(
            channel.id, ana.id, original.message_id, protect_content=True, reply_markup=REACT
        )
        copies.append(channel.messages[result.message_id])
    assert [c.kind for c in copies] == ["text", "photo", "video", "voice", "animation", "document"]
    assert [c.text for c in copies] == [o.text for o in originals]
    assert all(c.entities == BOLD for c in copies)
    assert all(c.protect_content and c.buttons == [["❤️"]] for c in copies)
    assert all(c.copy_of == (ana.id, o.message_id) for c, o in zip(copies, originals, strict=True))
    assert [c.file for c in copies[1:]] == [o.file for o in originals[1:]]
    assert copies[4].to_api()["document"]["file_id"] == copies[4].animation_api["file_id"]
    assert "forward_origin" not in copies[1].to_api()

    # Within the private chat, without a keyboard, with a new caption.
    bare = await bot.copy_message(
        ana.id, ana.id, originals[2].message_id, caption="<i>otro</i>", parse_mode="HTML"
    )
    copy = ana.chat_with().messages[bare.message_id]
    assert (copy.kind, copy.caption, copy.buttons, copy.protect_content) == (
        "video",
        "otro",
        [],
        False,
    )
    assert copy.entities == [{"type": "italic", "offset": 0, "length": 4}]
    # A protected message cannot be copied on.
    with pytest.raises(TelegramBadRequest, match="message can't be copied"):
        await bot.copy_message(ana.id, channel.id, copies[0].message_id)
    with pytest.raises(TelegramBadRequest, match="message to copy not found"):
        await bot.copy_message(ana.id, channel.id, 999)


async def test_copy_messages_keeps_albums_as_new_albums(bot: Bot, emu: Emulator, hooked) -> None:
    """Bot API: copyMessages copies 1-100 ids in strictly increasing order and returns a
    MessageId each; album grouping is kept (the copies share a new media_group_id);
    missing or protected messages are skipped; remove_caption drops captions."""
    channel = emu.create_channel("VIP")
    ana = emu.add_user("Ana")
    intro = await ana.send("<b>Hola</b> texto", parse_mode="HTML")
    album = await ana.send_album([("photo", "<b>Unos</b>."), ("video", None)], parse_mode="HTML")
    ids = [intro.message_id, *(m.message_id for m in album)]

    result = await bot.copy_messages(channel.id, ana.id, [*ids, 999], protect_content=True)
    assert len(result) == 3
    copies = [channel.messages[r.message_id] for r in result]
    assert [c.kind for c in copies] == ["text", "photo", "video"]
    assert copies[0].media_group_id is None
    group = copies[1].media_group_id
    assert group and group == copies[2].media_group_id and group != album[0].media_group_id
    assert copies[1].caption == "Unos." and copies[1].entities == BOLD
    assert all(c.protect_content for c in copies)
    assert [c.copy_of for c in copies] == [(ana.id, i) for i in ids]

    # Again from the channel: protected copies are skipped, so nothing is left to copy.
    with pytest.raises(TelegramBadRequest, match="message to copy not found"):
        await bot.copy_messages(ana.id, channel.id, [r.message_id for r in result])
    plain = await bot.copy_messages(ana.id, ana.id, ids[1:], remove_caption=True)
    again = [ana.chat_with().messages[r.message_id] for r in plain]
    assert [c.caption for c in again] == [None, None] and again[0].entities == []
    assert again[0].media_group_id == again[1].media_group_id != group
    with pytest.raises(TelegramBadRequest, match="strictly increasing"):
        await bot.copy_messages(channel.id, ana.id, [ids[2], ids[1]])


async def test_blocked_user_refuses_every_new_sending_method(
    bot: Bot, emu: Emulator, hooked
) -> None:
    """Telegram: every way of sending to a user who blocked the bot fails with 403
    "Forbidden: bot was blocked by the user", and nothing reaches their chat."""
    channel = emu.create_channel("VIP")
    post = await bot.send_photo(channel.id, BufferedInputFile(b"jpg", "a.jpg"))
    video = await bot.send_video(channel.id, BufferedInputFile(b"mp4", "a.mp4"))
    ana = emu.add_user("Ana")
    await ana.send("/start")
    await ana.block_bot()
    file_id = post.photo[-1].file_id
    attempts = [
        bot.send_photo(ana.id, file_id),
        bot.send_video(ana.id, video.video.file_id),
        bot.send_voice(ana.id, BufferedInputFile(b"ogg", "v.ogg")),
        bot.send_animation(ana.id, "https://example.com/a.gif"),
        bot.send_document(ana.id, BufferedInputFile(b"d", "d.txt")),
        bot.send_media_group(
            ana.id,
            media=[InputMediaPhoto(media=file_id), InputMediaVideo(media=video.video.file_id)],
        ),
        bot.copy_message(ana.id, channel.id, post.message_id),
        bot.copy_messages(ana.id, channel.id, [post.message_id, video.message_id]),
    ]
    for attempt in attempts:
        with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
            await attempt
    assert ana.messages == []
    methods = ["sendPhoto", "sendVideo", "sendVoice", "sendAnimation", "sendDocument"]
    methods += ["sendMediaGroup", "copyMessage", "copyMessages"]
    assert [emu.calls_of(m)[-1].status for m in methods] == [403] * len(methods)


async def test_albums_and_batches_count_each_message_toward_limits(
    bot: Bot, emu: Emulator, hooked
) -> None:
    """Telegram's limits count messages: an album of 10 to a private chat is accepted (one
    call) and the chat's next message waits for about 8 s of refill; 25 copies into a
    channel are accepted and the channel's next message waits for the minute window."""
    channel = emu.create_channel("VIP")
    ana = emu.add_user("Ana")
    await ana.send("/start")
    post = await bot.send_photo(channel.id, BufferedInputFile(b"jpg", "a.jpg"))
    emu.limiter.enabled = True
    album = await bot.send_media_group(
        ana.id, media=[InputMediaPhoto(media=post.photo[-1].file_id) for _ in range(10)]
    )
    assert len(album) == 10
    with pytest.raises(TelegramRetryAfter) as refused:
        await bot.send_message(ana.id, "otra")
    assert refused.value.retry_after == 8

    texts = [await ana.send(f"n{n}") for n in range(25)]
    copied = await bot.copy_messages(channel.id, ana.id, [m.message_id for m in texts])
    assert len(copied) == 25
    with pytest.raises(TelegramRetryAfter) as refused:
        await bot.copy_message(channel.id, ana.id, texts[0].message_id)
    assert refused.value.retry_after == 60
    assert [c.status for c in emu.calls_of("copyMessages")] == [200]


async def test_new_methods_go_through_faults(bot: Bot, emu: Emulator, hooked) -> None:
    """emu.faults catches the new methods by name like any other: a 502 once, then normal;
    a 429 with retry_after; a delay holds the call."""
    channel = emu.create_channel("VIP")
    emu.faults.add("sendVideo", status=502, times=1)
    with pytest.raises(TelegramServerError):
        await bot.send_video(channel.id, BufferedInputFile(b"v", "v.mp4"))
    video = await bot.send_video(channel.id, BufferedInputFile(b"v", "v.mp4"))
    emu.faults.add("copyMessages", retry_after=3, chat_id=channel.id)
    with pytest.raises(TelegramRetryAfter) as refused:
        await bot.copy_messages(channel.id, channel.id, [video.message_id])
    assert refused.value.retry_after == 3
    emu.faults.clear()
    emu.faults.add("sendMediaGroup", delay=5)
    album = [InputMediaVideo(media=video.video.file_id) for _ in range(2)]
    pending = asyncio.create_task(bot.send_media_group(channel.id, media=album))
    held = await emu.faults.wait_held(1, method="sendMediaGroup")
    assert held[0].params["media"][0]["type"] == "video"
    emu.faults.clear()
    assert len(await pending) == 2
    assert [c.status for c in emu.calls_of("sendVideo")] == [502, 200]
    assert [m.kind for m in channel.posts] == ["video", "video", "video"]
