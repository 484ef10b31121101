"""What users send a bot: formatted text, photos, videos, voice notes, animations,
documents and albums, as Telegram delivers them (aiogram parses every update)."""

from __future__ import annotations

import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import Message, MessageEntity, Update

from lucien.core.testing.emulator import ActorError, Emulator

from .conftest import Receiver


def last_update(bot: Bot, hooked: Receiver) -> Message:
    """The latest update the bot got, parsed by aiogram as a Message."""
    update = Update.model_validate(hooked.requests[-1][1], context={"bot": bot})
    assert update.message is not None
    return update.message


def spans(entities: list[MessageEntity] | None) -> list[tuple[str, int, int]]:
    return [(e.type, e.offset, e.length) for e in entities or []]


async def test_text_with_formatting_as_html_or_entities(
    bot: Bot, emu: Emulator, hooked: Receiver
) -> None:
    """Telegram: a client sends formatting as entities (UTF-16 offsets) beside the plain
    text; /commands are marked bot_command whatever else the text carries."""
    ana = emu.add_user("Ana")
    sent = await ana.send("<b>Hola</b> 🎩 <i>señor</i> /menu", parse_mode="HTML")
    message = last_update(bot, hooked)
    assert message.text == "Hola 🎩 señor /menu" == sent.text
    assert spans(message.entities) == [
        ("bold", 0, 4),
        ("italic", 8, 5),
        ("bot_command", 14, 5),
    ]
    await ana.send(
        "mira esto",
        entities=[MessageEntity(type="text_link", offset=0, length=4, url="https://x.org")],
    )
    message = last_update(bot, hooked)
    assert message.text == "mira esto" and message.entities[0].url == "https://x.org"
    assert ana.chat_with().messages[message.message_id].entities[0]["type"] == "text_link"
    with pytest.raises(ActorError, match="does not parse"):
        await ana.send("<b>sin cerrar", parse_mode="HTML")


async def test_each_media_kind_arrives_with_caption_and_entities(
    bot: Bot, emu: Emulator, hooked: Receiver
) -> None:
    """Telegram: a photo arrives as a list of PhotoSize; video, voice and animation as
    objects with file_id, file_unique_id and duration (and sizes for videos); captions
    carry caption_entities; an animation also carries a document for older clients."""
    ana = emu.add_user("Ana")
    photo = await ana.send_photo(
        caption='<b>hola</b> <a href="https://x.org">aquí</a>', parse_mode="HTML"
    )
    message = last_update(bot, hooked)
    assert message.content_type == "photo" and len(message.photo) == 2
    assert message.caption == "hola aquí" and message.text is None
    assert spans(message.caption_entities) == [("bold", 0, 4), ("text_link", 5, 4)]
    assert (photo.kind, photo.caption, photo.media_group_id) == ("photo", "hola aquí", None)
    # The bot may send any size of it again by id; the file keeps its bytes.
    again = await bot.send_photo(ana.id, message.photo[-1].file_id)
    assert again.photo[-1].file_id == message.photo[-1].file_id
    assert ana.last.file == ("photo.jpg", photo.file.data)

    video = await ana.send_video(
        b"clip", caption="corto", caption_entities=[{"type": "italic", "offset": 0, "length": 5}]
    )
    message = last_update(bot, hooked)
    assert message.content_type == "video" and message.caption == "corto"
    assert (message.video.duration, message.video.width, message.video.height) == (5, 640, 360)
    assert message.video.file_name == "video.mp4" and message.video.file_size == 4
    assert spans(message.caption_entities) == [("italic", 0, 5)] and video.kind == "video"

    await ana.send_voice(duration=9)
    message = last_update(bot, hooked)
    assert message.content_type == "voice" and message.voice.duration == 9
    assert message.voice.mime_type == "audio/ogg" and message.caption is None

    await ana.send_animation(caption="gif")
    message = last_update(bot, hooked)
    assert message.content_type == "animation" and message.animation.duration == 2
    assert message.document.file_id == message.animation.file_id

    document = await ana.send_document(
        "notas.txt", b"hola", caption="<i>notas</i>", parse_mode="HTML"
    )
    message = last_update(bot, hooked)
    assert message.document.file_name == "notas.txt" and message.caption == "notas"
    assert (document.kind, document.file) == ("document", ("notas.txt", b"hola"))
    # A file id of one kind is refused as another, as Telegram refuses it.
    await ana.send("/start")
    with pytest.raises(TelegramBadRequest, match="can't use file of type Video as Photo"):
        await bot.send_photo(ana.id, video.video_api["file_id"])


async def test_album_is_one_update_per_item_sharing_a_media_group(
    bot: Bot, emu: Emulator, webhook_bot
) -> None:
    """Telegram: an album reaches the bot as separate message updates with consecutive
    message ids and one media_group_id; only the items given a caption have one."""
    seen: list[Message] = []
    dp = Dispatcher()

    @dp.message(F.media_group_id)
    async def collect(message: Message) -> None:
        seen.append(message)

    await webhook_bot(dp)
    ana = emu.add_user("Ana")
    sent = await ana.send_album(
        [("photo", "<b>uno</b>"), ("video", None), ("photo", "tres", b"\xff\xd8three")],
        parse_mode="HTML",
    )
    assert [m.content_type for m in seen] == ["photo", "video", "photo"]
    assert len({m.media_group_id for m in seen}) == 1 and seen[0].media_group_id
    ids = [m.message_id for m in seen]
    assert ids == list(range(ids[0], ids[0] + 3)) == [m.message_id for m in sent]
    assert [m.caption for m in seen] == ["uno", None, "tres"]
    assert spans(seen[0].caption_entities) == [("bold", 0, 3)]
    assert sent[2].file.data == b"\xff\xd8three"
    assert {m.media_group_id for m in sent} == {seen[0].media_group_id}

    with pytest.raises(ActorError, match="2-10 items"):
        await ana.send_album([("photo", None)])
    with pytest.raises(ActorError, match="does not mix"):
        await ana.send_album([("photo", None), ("document", None)])
    with pytest.raises(ActorError, match="not"):
        await ana.send_album([("voice", None), ("photo", None)])
    assert len(seen) == 3
