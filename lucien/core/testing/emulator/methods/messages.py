"""Sending text, editing and deleting messages, and answering callback queries.

Files and albums are in ``media.py``; copies and forwards in ``copies.py``.
"""

from __future__ import annotations

from typing import Any

from ..errors import NOT_MODIFIED, bad_request
from ..state import ChatState, StoredMessage
from . import MethodContext, method
from .compose import (
    MAX_CAPTION,
    MAX_TEXT,
    Destination,
    count,
    destination,
    format_text,
    new_message,
    reply_markup,
)

QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"


@method("sendMessage")
async def send_message(ctx: MethodContext) -> dict[str, Any]:
    dest = destination(ctx)
    plain, raw, entities = format_text(ctx, "text", "entities", required=True, limit=MAX_TEXT)
    markup = reply_markup(ctx)
    count(ctx, dest)
    return new_message(
        ctx,
        dest,
        text=plain,
        html=raw,
        entities=entities,
        reply_markup=markup,
        protect_content=ctx.params.bool("protect_content"),
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
    dest = destination(ctx, sending=False)
    message = _find(ctx, dest, "message to edit not found")
    if not message.from_bot:
        raise bad_request("message can't be edited")
    if message.is_media:
        raise bad_request("there is no text in the message to edit")
    plain, raw, entities = format_text(ctx, "text", "entities", required=True, limit=MAX_TEXT)
    return _replace_content(ctx, message, plain, raw, entities)


def _replace_content(
    ctx: MethodContext, message: Any, plain: Any, raw: Any, entities: Any
) -> dict[str, Any]:
    """Text or caption edits: refuse an unchanged message, else apply and report."""
    # Without reply_markup Telegram removes the inline keyboard.
    markup = reply_markup(ctx)
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
    dest = destination(ctx, sending=False)
    message = _find(ctx, dest, "message to edit not found")
    if not message.from_bot or not message.is_media:
        raise bad_request("message can't be edited")
    plain, raw, entities = format_text(
        ctx, "caption", "caption_entities", required=False, limit=MAX_CAPTION
    )
    return _replace_content(ctx, message, plain, raw, entities)


@method("editMessageReplyMarkup")
async def edit_message_reply_markup(ctx: MethodContext) -> dict[str, Any]:
    dest = destination(ctx, sending=False)
    message = _find(ctx, dest, "message to edit not found")
    if not message.from_bot:
        raise bad_request("message can't be edited")
    markup = reply_markup(ctx)
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
    dest = destination(ctx, sending=False)
    _delete_one(ctx, dest, ctx.params.req_int("message_id"))
    return True


@method("deleteMessages")
async def delete_messages(ctx: MethodContext) -> bool:
    dest = destination(ctx, sending=False)
    ids = ctx.params.json("message_ids") or []
    for message_id in ids:
        message = dest.store.messages.get(int(message_id))
        if message is not None and not message.deleted:
            _delete_one(ctx, dest, int(message_id))
    return True


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
