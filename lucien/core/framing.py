"""The frame: a header the voice opens every text to a private chat with.

The voice may give one (`Voice.frame_header`: Lucien's emblem and name in bold, then a
line break); plugins write their texts without it. The core applies it where a text
leaves for a private chat, in one place per path:

- Bot API calls made through the bot's session (`FrameRequests`, a request middleware):
  sendMessage and editMessageText, and the caption of a photo, video, animation,
  document, audio or voice note sent (or of a caption edited);
- the method a handler returns, which the webhook writes into its response body without
  the session: the context middleware frames it (`Framer.method`).

Never framed: copies (copyMessage, copyMessages: what an admin broadcasts arrives as they
wrote it), callback answers (alerts), channels and groups (a negative chat id or an
@username), a text with explicit entities (their offsets would shift) or not in HTML.
A text that already opens with the header is left alone, so nothing is framed twice (a
reply returned in polling mode reaches the session framed, a retried call, an edit that
reuses the message's own HTML); an edit frames its new text. The header counts toward
Telegram's limits (4,096 characters of text, 1,024 of caption): a text it would push over
is sent unframed rather than refused.

On the hot path this costs a dict lookup on the method's type, a few attribute reads, a
`startswith` and a concatenation: the header is read from the voice once, when the
dispatcher is built (what plugins send from their startup hooks goes out unframed).
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, Any

from aiogram.client.default import Default
from aiogram.client.session.middlewares.base import BaseRequestMiddleware
from aiogram.methods import (
    EditMessageCaption,
    EditMessageText,
    SendAnimation,
    SendAudio,
    SendDocument,
    SendMessage,
    SendPhoto,
    SendVideo,
    SendVoice,
)

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.client.session.middlewares.base import NextRequestMiddlewareType
    from aiogram.methods import Response, TelegramMethod
    from aiogram.methods.base import TelegramType

    from lucien.core.context import AppContext

MAX_TEXT = 4096  # Telegram's limit on a message's text, once its markup is parsed
MAX_CAPTION = 1024  # and on a caption
SERVICE = "core.framer"  # the framer's name among the context's services

# What is framed, per method: the text's field, its explicit entities' field, the limit.
_FRAMED: dict[type[Any], tuple[str, str, int]] = {
    SendMessage: ("text", "entities", MAX_TEXT),
    EditMessageText: ("text", "entities", MAX_TEXT),
    **{
        method: ("caption", "caption_entities", MAX_CAPTION)
        for method in (
            SendPhoto,
            SendVideo,
            SendAnimation,
            SendDocument,
            SendAudio,
            SendVoice,
            EditMessageCaption,
        )
    },
}

_TAG = re.compile(r"<[^>]*>")


def visible_length(text: str) -> int:
    """How long `text` (Telegram HTML) reads once parsed, in UTF-16 code units: the
    largest count Telegram may apply (an emoji outside the basic plane counts two)."""
    shown = html.unescape(_TAG.sub("", text))
    return len(shown.encode("utf-16-le")) // 2


class Framer:
    """Puts the header before a text bound for a private chat (see the module)."""

    __slots__ = ("_header_length", "header", "html_default")

    def __init__(self, header: str = "", *, html_default: bool = True) -> None:
        # Whether a method that leaves parse_mode to the bot's default speaks HTML.
        self.html_default = html_default
        self.header = ""
        self._header_length = 0
        self.set_header(header)

    def set_header(self, header: str) -> None:
        """Use `header` from now on ("" frames nothing)."""
        self.header = header
        self._header_length = visible_length(header) if header else 0

    def text(self, text: str, limit: int = MAX_TEXT) -> str:
        """`text` with the header before it, unless it has it already or would then go
        over `limit` (parsed length)."""
        header = self.header
        if not header or text.startswith(header):
            return text
        # A text this short fits whatever Telegram counts (no character counts more than
        # two units, markup only adds): the usual case skips parsing the text.
        if 2 * len(text) + self._header_length > limit:
            if visible_length(text) + self._header_length > limit:
                return text
        return header + text

    def method(self, method: Any) -> Any:
        """Frame `method` in place when it carries a text or caption, in HTML, to a private
        chat; return it (anything else is returned untouched)."""
        spec = _FRAMED.get(type(method))
        if spec is None or not self.header:
            return method
        field, entities, limit = spec
        text = getattr(method, field)
        if not text or getattr(method, entities):
            return method  # nothing to frame, or offsets that the header would shift
        chat_id = method.chat_id
        # Private chats have the user's (positive) id; groups and channels are negative
        # or an @username. An inline message (no chat id) is not ours to frame either.
        if type(chat_id) is not int or chat_id <= 0:
            return method
        mode = method.parse_mode
        if isinstance(mode, Default):
            if not self.html_default:
                return method
        elif not isinstance(mode, str) or mode.lower() != "html":
            return method
        framed = self.text(text, limit)
        if framed is not text:
            setattr(method, field, framed)
        return method


class FrameRequests(BaseRequestMiddleware):
    """Frames every call the bot's session makes (see `Framer.method`)."""

    __slots__ = ("framer",)

    def __init__(self, framer: Framer) -> None:
        self.framer = framer

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        self.framer.method(method)
        return await make_request(bot, method)


def frame_point(ctx: AppContext) -> Framer:
    """The context's framer: made on first use, once the voice is known, with the voice's
    header, and installed on the bot's session then."""
    return ctx.service(SERVICE, _install)


def _install(ctx: AppContext) -> Framer:
    header = getattr(ctx.voice, "frame_header", "") or ""
    default_mode = ctx.bot.default["parse_mode"] if ctx.bot is not None else None
    html_default = isinstance(default_mode, str) and default_mode.lower() == "html"
    framer = Framer(header, html_default=html_default)
    if ctx.bot is not None:
        ctx.bot.session.middleware(FrameRequests(framer))
    return framer
