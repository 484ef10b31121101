"""Copies and forwards: copyMessage, copyMessages, forwardMessage.

A copy carries the original's content (text, or media with its caption and entities)
but not its inline keyboard, nor any link to the original: Telegram copies no
reply_markup unless the call gives one. Messages sent with ``protect_content`` cannot
be copied or forwarded. copyMessages keeps albums: the copies of one source album share
a new media_group_id.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from ..errors import bad_request
from ..media import new_media_group_id
from ..state import StoredMessage
from . import MethodContext, method
from .compose import (
    MAX_CAPTION,
    Destination,
    count,
    destination,
    format_text,
    new_message,
    reply_markup,
)

MAX_BATCH = 100
NOT_FOUND = "message to copy not found"


def _source(ctx: MethodContext) -> tuple[Destination, StoredMessage]:
    source = destination(ctx, "from_chat_id", sending=False)
    message = source.store.messages.get(ctx.params.req_int("message_id"))
    if message is None or message.deleted:
        raise bad_request(NOT_FOUND)
    return source, message


def _copy_fields(original: StoredMessage, source: Destination) -> dict[str, Any]:
    """What a copy takes from its original: content, entities and media."""
    return {
        "text": original.text,
        "html": original.html,
        "entities": list(original.entities),
        "copy_of": (source.chat_id, original.message_id),
        **original.media_fields(),
    }


@method("copyMessage")
async def copy_message(ctx: MethodContext) -> dict[str, Any]:
    source, original = _source(ctx)
    if original.protect_content:
        raise bad_request("message can't be copied")
    dest = destination(ctx)
    markup = reply_markup(ctx)
    fields = _copy_fields(original, source)
    if "caption" in ctx.params and original.is_media:
        fields["text"], fields["html"], fields["entities"] = format_text(
            ctx, "caption", "caption_entities", required=False, limit=MAX_CAPTION
        )
    count(ctx, dest)
    copy = new_message(
        ctx,
        dest,
        reply_markup=markup,
        protect_content=ctx.params.bool("protect_content"),
        **fields,
    )
    return {"message_id": copy.message_id}


def _message_ids(ctx: MethodContext) -> list[int]:
    """copyMessages' ``message_ids``: 1-100 ids in strictly increasing order."""
    raw = ctx.params.json("message_ids")
    if not raw:
        raise bad_request("message_ids is empty")
    if not isinstance(raw, list):
        raise bad_request("can't parse message_ids JSON object")
    try:
        ids = [int(value) for value in raw]
    except (TypeError, ValueError):
        raise bad_request("invalid message_ids specified") from None
    if len(ids) > MAX_BATCH:
        raise bad_request("too many messages to copy")
    if any(a >= b for a, b in pairwise(ids)):
        raise bad_request("message identifiers must be in a strictly increasing order")
    return ids


@method("copyMessages")
async def copy_messages(ctx: MethodContext) -> list[dict[str, Any]]:
    """Messages that are missing, deleted or protected are skipped, as on Telegram; when
    none is left the call fails. Each message copied counts toward the limits."""
    source = destination(ctx, "from_chat_id", sending=False)
    ids = _message_ids(ctx)
    dest = destination(ctx)
    originals = [
        message
        for message_id in ids
        if (message := source.store.messages.get(message_id)) is not None
        and not message.deleted
        and not message.protect_content
    ]
    if not originals:
        raise bad_request(NOT_FOUND)
    count(ctx, dest, len(originals))
    remove_caption = ctx.params.bool("remove_caption")
    protect = ctx.params.bool("protect_content")
    groups: dict[str, str] = {}
    copied = []
    for original in originals:
        fields = _copy_fields(original, source)
        if remove_caption and original.is_media:
            fields.update(text=None, html=None, entities=[])
        if original.media_group_id is not None:
            group = groups.setdefault(original.media_group_id, new_media_group_id())
            fields["media_group_id"] = group
        copy = new_message(ctx, dest, protect_content=protect, **fields)
        copied.append({"message_id": copy.message_id})
    return copied


@method("forwardMessage")
async def forward_message(ctx: MethodContext) -> dict[str, Any]:
    source, original = _source(ctx)
    if original.protect_content:
        raise bad_request("message can't be forwarded")
    dest = destination(ctx)
    count(ctx, dest)
    if original.sender_chat is not None:
        origin: dict[str, Any] = {
            "type": "channel",
            "chat": original.sender_chat,
            "message_id": original.message_id,
        }
    else:
        origin = {"type": "user", "sender_user": original.sender}
    origin["date"] = original.to_api()["date"]
    fields = _copy_fields(original, source)
    fields.pop("copy_of")
    return new_message(
        ctx,
        dest,
        forward_origin=origin,
        protect_content=ctx.params.bool("protect_content"),
        **fields,
    ).to_api()
