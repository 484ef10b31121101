"""Sending, editing and deleting messages, files, forwards and callback answers."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from ..errors import NOT_MODIFIED, bad_request
from ..html import parse_html
from ..limits import SENDING_METHODS
from ..params import UploadedFile
from ..state import ChatState, DocumentFile, MessageStore, StoredMessage, UserState
from . import MethodContext, method

MAX_TEXT = 4096
MAX_CAPTION = 1024
QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"


@dataclass
class Destination:
    """Where a message goes: its store, its Chat object and whether it is a private chat."""

    store: MessageStore
    chat: dict[str, Any]
    chat_id: int
    private: bool
    channel: bool = False


def _destination(ctx: MethodContext, name: str = "chat_id", sending: bool = True) -> Destination:
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


def _format(
    ctx: MethodContext, key: str, entities_key: str, *, required: bool, limit: int
) -> tuple[str | None, str | None, list[dict[str, Any]]]:
    """(plain text, raw text, entities) following parse_mode like Telegram."""
    raw = ctx.params.str(key)
    if raw is None or raw.strip() == "":
        if required:
            raise bad_request("message text is empty")
        return None, None, []
    explicit = ctx.params.json(entities_key)
    mode = (ctx.params.str("parse_mode") or "").lower()
    if explicit:
        plain, entities = raw, list(explicit)
    elif mode == "html":
        plain, entities = parse_html(raw)
    else:
        # Markdown modes are stored as sent: the emulator does not interpret them.
        plain, entities = raw, []
    if not plain.strip():
        raise bad_request("message text is empty")
    if len(plain) > limit:
        raise bad_request("message is too long" if key == "text" else "message caption is too long")
    return plain, raw, entities


def _reply_markup(ctx: MethodContext) -> dict[str, Any] | None:
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


def _new_message(ctx: MethodContext, dest: Destination, **content: Any) -> StoredMessage:
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


def _count(ctx: MethodContext, dest: Destination) -> None:
    """Count a sent message toward Telegram's limits (429 when exceeded)."""
    if ctx.method in SENDING_METHODS:
        ctx.emu.limiter.acquire(ctx.bot.id, dest.chat_id, dest.private)


@method("sendMessage")
async def send_message(ctx: MethodContext) -> dict[str, Any]:
    dest = _destination(ctx)
    plain, raw, entities = _format(ctx, "text", "entities", required=True, limit=MAX_TEXT)
    markup = _reply_markup(ctx)
    _count(ctx, dest)
    return _new_message(
        ctx, dest, text=plain, html=raw, entities=entities, reply_markup=markup
    ).to_api()


def _file(ctx: MethodContext, name: str) -> tuple[str, bytes, str]:
    """(filename, bytes, file_id) of an uploaded, re-sent (file_id) or URL file."""
    value = ctx.params.file(name)
    if value is None:
        raise bad_request(f"there is no {name} in the request")
    if isinstance(value, UploadedFile):
        file_id = "BQAC" + secrets.token_urlsafe(24)
        ctx.emu.files[file_id] = (value.filename, value.data)
        return value.filename, value.data, file_id
    if value in ctx.emu.files:
        filename, data = ctx.emu.files[value]
        return filename, data, value
    if value.startswith(("http://", "https://")):
        filename = value.rstrip("/").rsplit("/", 1)[-1] or "file"
        file_id = "BQAC" + secrets.token_urlsafe(24)
        ctx.emu.files[file_id] = (filename, b"")
        return filename, b"", file_id
    raise bad_request("wrong file identifier/HTTP URL specified")


@method("sendDocument")
async def send_document(ctx: MethodContext) -> dict[str, Any]:
    dest = _destination(ctx)
    filename, data, file_id = _file(ctx, "document")
    plain, raw, entities = _format(
        ctx, "caption", "caption_entities", required=False, limit=MAX_CAPTION
    )
    markup = _reply_markup(ctx)
    _count(ctx, dest)
    api = {
        "file_id": file_id,
        "file_unique_id": file_id[-16:],
        "file_name": filename,
        "mime_type": "application/octet-stream",
        "file_size": len(data),
    }
    return _new_message(
        ctx,
        dest,
        text=plain,
        html=raw,
        entities=entities,
        reply_markup=markup,
        document=DocumentFile(filename, data),
        document_api=api,
    ).to_api()


@method("sendPhoto")
async def send_photo(ctx: MethodContext) -> dict[str, Any]:
    dest = _destination(ctx)
    filename, data, file_id = _file(ctx, "photo")
    plain, raw, entities = _format(
        ctx, "caption", "caption_entities", required=False, limit=MAX_CAPTION
    )
    markup = _reply_markup(ctx)
    _count(ctx, dest)
    sizes = [
        {
            "file_id": f"{file_id}{n}",
            "file_unique_id": f"{file_id[-15:]}{n}",
            "width": side,
            "height": side,
            "file_size": len(data),
        }
        for n, side in enumerate((90, 320))
    ]
    return _new_message(
        ctx,
        dest,
        text=plain,
        html=raw,
        entities=entities,
        reply_markup=markup,
        photo=DocumentFile(filename, data),
        photo_api=sizes,
    ).to_api()


def _find(ctx: MethodContext, dest: Destination, missing: str) -> StoredMessage:
    if "inline_message_id" in ctx.params:
        raise bad_request(missing)
    message = dest.store.messages.get(ctx.params.req_int("message_id"))
    if message is None or message.deleted:
        raise bad_request(missing)
    return message


def _edited(ctx: MethodContext, message: StoredMessage) -> dict[str, Any]:
    message.edit_date = ctx.emu.clock.now()
    return message.to_api()


@method("editMessageText")
async def edit_message_text(ctx: MethodContext) -> dict[str, Any]:
    dest = _destination(ctx, sending=False)
    message = _find(ctx, dest, "message to edit not found")
    if not message.from_bot:
        raise bad_request("message can't be edited")
    if message.is_media:
        raise bad_request("there is no text in the message to edit")
    plain, raw, entities = _format(ctx, "text", "entities", required=True, limit=MAX_TEXT)
    return _replace_content(ctx, message, plain, raw, entities)


def _replace_content(
    ctx: MethodContext, message: Any, plain: Any, raw: Any, entities: Any
) -> dict[str, Any]:
    """Text or caption edits: refuse an unchanged message, else apply and report."""
    # Without reply_markup Telegram removes the inline keyboard.
    markup = _reply_markup(ctx)
    if (plain, entities, markup) == (message.text, message.entities, message.reply_markup):
        raise bad_request(NOT_MODIFIED)
    message.text, message.html, message.entities, message.reply_markup = (
        plain,
        raw,
        entities,
        markup,
    )
    return _edited(ctx, message)


@method("editMessageCaption")
async def edit_message_caption(ctx: MethodContext) -> dict[str, Any]:
    dest = _destination(ctx, sending=False)
    message = _find(ctx, dest, "message to edit not found")
    if not message.from_bot or not message.is_media:
        raise bad_request("message can't be edited")
    plain, raw, entities = _format(
        ctx, "caption", "caption_entities", required=False, limit=MAX_CAPTION
    )
    return _replace_content(ctx, message, plain, raw, entities)


@method("editMessageReplyMarkup")
async def edit_message_reply_markup(ctx: MethodContext) -> dict[str, Any]:
    dest = _destination(ctx, sending=False)
    message = _find(ctx, dest, "message to edit not found")
    if not message.from_bot:
        raise bad_request("message can't be edited")
    markup = _reply_markup(ctx)
    if markup == message.reply_markup or (not markup and not message.inline_buttons):
        raise bad_request(NOT_MODIFIED)
    message.reply_markup = markup
    return _edited(ctx, message)


def _delete_one(ctx: MethodContext, dest: Destination, message_id: int) -> None:
    message = dest.store.messages.get(message_id)
    if message is None or message.deleted:
        raise bad_request("message to delete not found")
    if isinstance(dest.store, ChatState) and not message.from_bot:
        record = ctx.bot_record(dest.store)
        if record is None or not (
            record.status == "creator" or record.rights.get("can_delete_messages")
        ):
            raise bad_request("message can't be deleted")
    message.deleted = True


@method("deleteMessage")
async def delete_message(ctx: MethodContext) -> bool:
    dest = _destination(ctx, sending=False)
    _delete_one(ctx, dest, ctx.params.req_int("message_id"))
    return True


@method("deleteMessages")
async def delete_messages(ctx: MethodContext) -> bool:
    dest = _destination(ctx, sending=False)
    ids = ctx.params.json("message_ids") or []
    for message_id in ids:
        message = dest.store.messages.get(int(message_id))
        if message is not None and not message.deleted:
            _delete_one(ctx, dest, int(message_id))
    return True


def _source(ctx: MethodContext) -> StoredMessage:
    source = _destination(ctx, "from_chat_id", sending=False)
    message = source.store.messages.get(ctx.params.req_int("message_id"))
    if message is None or message.deleted:
        raise bad_request("message to copy not found")
    return message


@method("copyMessage")
async def copy_message(ctx: MethodContext) -> dict[str, Any]:
    original = _source(ctx)
    dest = _destination(ctx)
    markup = _reply_markup(ctx)
    text, html, entities = original.text, original.html, original.entities
    if "caption" in ctx.params and original.is_media:
        text, html, entities = _format(
            ctx, "caption", "caption_entities", required=False, limit=MAX_CAPTION
        )
    _count(ctx, dest)
    copy = _new_message(
        ctx,
        dest,
        text=text,
        html=html,
        entities=list(entities),
        reply_markup=markup,
        document=original.document,
        document_api=original.document_api,
        photo=original.photo,
        photo_api=original.photo_api,
    )
    return {"message_id": copy.message_id}


@method("forwardMessage")
async def forward_message(ctx: MethodContext) -> dict[str, Any]:
    original = _source(ctx)
    dest = _destination(ctx)
    _count(ctx, dest)
    if original.sender_chat is not None:
        origin: dict[str, Any] = {
            "type": "channel",
            "chat": original.sender_chat,
            "message_id": original.message_id,
        }
    else:
        origin = {"type": "user", "sender_user": original.sender}
    origin["date"] = original.to_api()["date"]
    return _new_message(
        ctx,
        dest,
        text=original.text,
        html=original.html,
        entities=list(original.entities),
        document=original.document,
        document_api=original.document_api,
        photo=original.photo,
        photo_api=original.photo_api,
        forward_origin=origin,
    ).to_api()


@method("answerCallbackQuery")
async def answer_callback_query(ctx: MethodContext) -> bool:
    query = ctx.emu.callback_queries.get(ctx.params.req_str("callback_query_id"))
    if query is None or query.answered or query.bot_id != ctx.bot.id:
        raise bad_request(QUERY_INVALID)
    text = ctx.params.str("text")
    if text is not None and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    query.answered = True
    query.text = text
    query.show_alert = ctx.params.bool("show_alert")
    query.url = ctx.params.str("url")
    return True
