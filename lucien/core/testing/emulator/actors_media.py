"""What a user's client uploads to a bot: photos, videos, voice notes, animations,
documents and albums, with captions formatted as the client formats them.

Formatting is given either as Telegram HTML (``parse_mode="HTML"``: the tags become
entities, as when a person uses the client's bold/italic/link menu) or as explicit
entities (dicts, or aiogram ``MessageEntity`` objects). An album is what Telegram
delivers for one: a separate ``message`` update per item, consecutive message ids,
one shared ``media_group_id``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .errors import ActorError, ApiError
from .html import parse_html
from .media import ALBUM_KINDS, default_name, new_media_group_id, store
from .state import BotAccount, DocumentFile, StoredMessage, UserState

if TYPE_CHECKING:
    from .server import Emulator

_COMMAND = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")
#: Placeholder bytes for media a test does not care about (any bytes do).
SAMPLE = {
    "photo": b"\xff\xd8\xff\xe0 sample jpeg",
    "video": b"\x00\x00\x00\x18ftypmp42 sample video",
    "voice": b"OggS sample voice",
    "animation": b"\x00\x00\x00\x18ftypmp42 sample animation",
    "document": b"sample document",
}
ALBUM_SIZE = (2, 10)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def formatted(
    text: str, parse_mode: str | None, entities: Sequence[Any] | None
) -> tuple[str, list[dict[str, Any]]]:
    """(plain text, entities) as a client sends them: explicit entities, or parsed HTML."""
    if entities is not None:
        return text, [
            e.model_dump(exclude_none=True) if hasattr(e, "model_dump") else dict(e)
            for e in entities
        ]
    if parse_mode is not None and parse_mode.lower() == "html":
        try:
            return parse_html(text)
        except ApiError as exc:
            raise ActorError(f"the HTML does not parse: {exc.description}") from None
    if parse_mode is not None:
        raise ActorError('only parse_mode="HTML" (or explicit entities) is understood')
    return text, []


def command_entities(text: str) -> list[dict[str, Any]]:
    """bot_command entities for every /command in ``text``, as clients mark them."""
    return [
        {
            "type": "bot_command",
            "offset": utf16_len(text[: m.start()]),
            "length": utf16_len(m.group()),
        }
        for m in _COMMAND.finditer(text)
    ]


class MediaSending:
    """The upload side of :class:`~.actors.UserActor` (a mixin: it relies on the actor's
    ``_emu``, ``user``, ``_bot`` and ``_message``)."""

    _emu: Emulator
    user: UserState

    def _bot(self, bot: BotAccount | None) -> BotAccount:
        raise NotImplementedError

    def _message(self, bot: BotAccount, text: str | None, **extra: Any) -> StoredMessage:
        raise NotImplementedError

    def _media_message(
        self,
        account: BotAccount,
        kind: str,
        data: bytes | None,
        *,
        filename: str | None = None,
        caption: str | None = None,
        parse_mode: str | None = None,
        caption_entities: Sequence[Any] | None = None,
        media_group_id: str | None = None,
        **meta: Any,
    ) -> StoredMessage:
        """Store the message a client makes of an upload (not yet delivered)."""
        body = SAMPLE[kind] if data is None else data
        media = store(self._emu, kind, filename or default_name(kind), body, **meta)
        text: str | None = None
        entities: list[dict[str, Any]] = []
        if caption is not None:
            text, entities = formatted(caption, parse_mode, caption_entities)
        return self._message(
            account,
            text,
            entities=entities,
            html=caption if parse_mode else None,
            media_group_id=media_group_id,
            **{kind: DocumentFile(media.filename, media.data), f"{kind}_api": media.api},
        )

    async def _upload(
        self, kind: str, data: bytes | None, bot: BotAccount | None, **options: Any
    ) -> StoredMessage:
        account = self._bot(bot)
        message = self._media_message(account, kind, data, **options)
        await self._emu.wait_handled([account.queue.push("message", message.to_api())])
        return message

    async def send_photo(
        self,
        data: bytes | None = None,
        *,
        caption: str | None = None,
        parse_mode: str | None = None,
        caption_entities: Sequence[Any] | None = None,
        filename: str = "photo.jpg",
        bot: BotAccount | None = None,
    ) -> StoredMessage:
        """Send a photo (Telegram delivers it as sizes, each with its file id)."""
        return await self._upload(
            "photo", data, bot, filename=filename, caption=caption,
            parse_mode=parse_mode, caption_entities=caption_entities,
        )  # fmt: skip

    async def send_video(
        self,
        data: bytes | None = None,
        *,
        caption: str | None = None,
        parse_mode: str | None = None,
        caption_entities: Sequence[Any] | None = None,
        filename: str = "video.mp4",
        duration: int = 5,
        width: int = 640,
        height: int = 360,
        bot: BotAccount | None = None,
    ) -> StoredMessage:
        """Send a video."""
        return await self._upload(
            "video", data, bot, filename=filename, caption=caption, parse_mode=parse_mode,
            caption_entities=caption_entities, duration=duration, width=width, height=height,
        )  # fmt: skip

    async def send_voice(
        self,
        data: bytes | None = None,
        *,
        caption: str | None = None,
        parse_mode: str | None = None,
        caption_entities: Sequence[Any] | None = None,
        duration: int = 3,
        bot: BotAccount | None = None,
    ) -> StoredMessage:
        """Send a voice note."""
        return await self._upload(
            "voice", data, bot, filename="voice.ogg", caption=caption, parse_mode=parse_mode,
            caption_entities=caption_entities, duration=duration,
        )  # fmt: skip

    async def send_animation(
        self,
        data: bytes | None = None,
        *,
        caption: str | None = None,
        parse_mode: str | None = None,
        caption_entities: Sequence[Any] | None = None,
        filename: str = "animation.mp4",
        duration: int = 2,
        width: int = 320,
        height: int = 240,
        bot: BotAccount | None = None,
    ) -> StoredMessage:
        """Send an animation (a GIF); Telegram adds a ``document`` beside the ``animation``."""
        return await self._upload(
            "animation", data, bot, filename=filename, caption=caption, parse_mode=parse_mode,
            caption_entities=caption_entities, duration=duration, width=width, height=height,
        )  # fmt: skip

    async def send_document(
        self,
        filename: str,
        data: bytes,
        *,
        caption: str | None = None,
        parse_mode: str | None = None,
        caption_entities: Sequence[Any] | None = None,
        bot: BotAccount | None = None,
    ) -> StoredMessage:
        """Send a file to the bot."""
        return await self._upload(
            "document", data, bot, filename=filename, caption=caption,
            parse_mode=parse_mode, caption_entities=caption_entities,
        )  # fmt: skip

    async def send_album(
        self,
        items: Sequence[tuple[str, str | None] | tuple[str, str | None, bytes]],
        *,
        parse_mode: str | None = None,
        bot: BotAccount | None = None,
    ) -> list[StoredMessage]:
        """Send an album: ``[("photo", "caption"), ("video", None), ...]`` (a third element
        gives the bytes). 2-10 photos and videos, or 2-10 documents, as a client allows.
        The bot gets one message update per item, all sharing a media_group_id."""
        low, high = ALBUM_SIZE
        if not low <= len(items) <= high:
            raise ActorError(f"an album has {low}-{high} items, not {len(items)}")
        kinds = {item[0] for item in items}
        if not kinds <= ALBUM_KINDS:
            raise ActorError(f"albums hold photos, videos or documents, not {sorted(kinds)}")
        if "document" in kinds and len(kinds) > 1:
            raise ActorError("a client does not mix documents with photos or videos")
        account = self._bot(bot)
        group = new_media_group_id()
        messages = [
            self._media_message(
                account,
                item[0],
                item[2] if len(item) > 2 else None,
                caption=item[1],
                parse_mode=parse_mode,
                media_group_id=group,
            )
            for item in items
        ]
        updates = [account.queue.push("message", m.to_api()) for m in messages]
        await self._emu.wait_handled(updates)
        return messages
