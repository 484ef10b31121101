"""What every sending method shares: where the message goes, its text and keyboard, the
new stored message, and counting it toward Telegram's limits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import bad_request
from ..html import parse_html
from ..limits import SENDING_METHODS
from ..state import MessageStore, StoredMessage, UserState
from . import MethodContext

MAX_TEXT = 4096
MAX_CAPTION = 1024


@dataclass
class Destination:
    """Where a message goes: its store, its Chat object and whether it is a private chat."""

    store: MessageStore
    chat: dict[str, Any]
    chat_id: int
    private: bool
    channel: bool = False


def destination(ctx: MethodContext, name: str = "chat_id", sending: bool = True) -> Destination:
    """The chat named by parameter ``name``; when ``sending``, refusals as Telegram makes
    them (403 blocked / never started, 400 without the right to post in a channel)."""
    target = ctx.resolve(name)
    if isinstance(target, UserState):
        if sending:
            ctx.may_write_privately(target)
        return Destination(ctx.private(target), target.private_chat(), target.id, True)
    ctx.require_member(target)
    if sending and target.type == "channel":
        record = ctx.bot_record(target)
        if record is None or (
            record.status != "creator" and not record.rights.get("can_post_messages")
        ):
            raise bad_request("need administrator rights in the channel chat")
    return Destination(target, target.to_api(), target.id, False, target.type == "channel")


def format_text(
    ctx: MethodContext, key: str, entities_key: str, *, required: bool, limit: int
) -> tuple[str | None, str | None, list[dict[str, Any]]]:
    """(plain text, raw text, entities) of parameter ``key`` following parse_mode."""
    return format_value(
        ctx.params.str(key),
        ctx.params.json(entities_key),
        ctx.params.str("parse_mode"),
        required=required,
        limit=limit,
        what="text" if key == "text" else "caption",
    )


def format_value(
    raw: str | None,
    explicit: Any,
    parse_mode: str | None,
    *,
    required: bool,
    limit: int,
    what: str = "caption",
) -> tuple[str | None, str | None, list[dict[str, Any]]]:
    """(plain text, raw text, entities) like Telegram: explicit entities win over
    parse_mode; Markdown modes are stored as sent (the emulator does not interpret them)."""
    if raw is None or raw.strip() == "":
        if required:
            raise bad_request("message text is empty")
        return None, None, []
    mode = (parse_mode or "").lower()
    if explicit:
        if not isinstance(explicit, list):
            raise bad_request(f"can't parse {what} entities JSON object")
        plain, entities = raw, list(explicit)
    elif mode == "html":
        plain, entities = parse_html(raw)
    else:
        plain, entities = raw, []
    if not plain.strip():
        if required:
            raise bad_request("message text is empty")
        return None, None, []
    if len(plain) > limit:
        raise bad_request(
            "message is too long" if what == "text" else "message caption is too long"
        )
    return plain, raw, entities


def reply_markup(ctx: MethodContext) -> dict[str, Any] | None:
    """The reply_markup parameter, checked as Telegram checks inline keyboards."""
    markup = ctx.params.json("reply_markup")
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    for row in markup.get("inline_keyboard") or []:
        for button in row:
            if not button.get("text"):
                raise bad_request("text buttons are unallowed in the inline keyboard")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                raise bad_request("BUTTON_DATA_INVALID")
            if "url" in button and not str(button["url"]).strip():
                raise bad_request("BUTTON_URL_INVALID")
    return markup


def new_message(ctx: MethodContext, dest: Destination, **content: Any) -> StoredMessage:
    """Store a message the bot sends to ``dest`` (a channel post is signed by the channel)."""
    message = StoredMessage(
        message_id=dest.store.next_message_id(),
        chat=dest.chat,
        date=ctx.emu.clock.now(),
        sender=None if dest.channel else ctx.bot.to_api(),
        sender_chat=dest.chat if dest.channel else None,
        from_bot=True,
        **content,
    )
    dest.store.messages[message.message_id] = message
    return message


def count(ctx: MethodContext, dest: Destination, messages: int = 1) -> None:
    """Count sent messages toward Telegram's limits (429 when exceeded)."""
    if ctx.method in SENDING_METHODS:
        ctx.emu.limiter.acquire(ctx.bot.id, dest.chat_id, dest.private, messages)
