"""Sending files: photos, videos, voice notes, animations, documents, and albums.

A file comes as an upload (multipart, ``attach://``), as a file id the emulator gave
out before, or as an http(s) URL. A known file id sent as another kind is refused
as Telegram refuses it; animations and documents may stand for each other (an
animation is a document to Telegram).
"""

from __future__ import annotations

from typing import Any

from ..errors import bad_request
from ..media import (
    ALBUM_KINDS,
    MediaFile,
    build_api,
    default_name,
    new_media_group_id,
    store,
    type_name,
)
from ..params import UploadedFile
from ..state import DocumentFile
from . import MethodContext, method
from .compose import (
    MAX_CAPTION,
    count,
    destination,
    format_text,
    format_value,
    new_message,
    reply_markup,
)

#: Kinds a file id may be sent as besides its own.
_INTERCHANGEABLE = {("animation", "document"), ("document", "animation")}
_META_KEYS = ("duration", "width", "height")
MEDIA_GROUP_SIZE = (2, 10)


def resolve_file(ctx: MethodContext, value: Any, kind: str, **meta: Any) -> MediaFile:
    """The file of an upload, a known file id or a URL, to be sent as ``kind``."""
    value = ctx.params.file_value(value)
    if value is None:
        raise bad_request(f"there is no {kind} in the request")
    if isinstance(value, UploadedFile):
        return store(ctx.emu, kind, value.filename or default_name(kind), value.data, **meta)
    known = ctx.emu.file_meta.get(value)
    if known is not None:
        if known.kind == kind:
            return known
        if (known.kind, kind) not in _INTERCHANGEABLE:
            raise bad_request(
                f"can't use file of type {type_name(known.kind)} as {type_name(kind)}"
            )
        return MediaFile(
            kind,
            known.filename,
            known.data,
            build_api(kind, value, known.filename, known.data, **meta),
        )
    if value in ctx.emu.files:
        # Registered by hand (a test's own upload): its kind is whatever it is sent as.
        filename, data = ctx.emu.files[value]
        return MediaFile(kind, filename, data, build_api(kind, value, filename, data, **meta))
    if value.startswith(("http://", "https://")):
        filename = value.rstrip("/").rsplit("/", 1)[-1] or default_name(kind)
        return store(ctx.emu, kind, filename, b"", **meta)
    raise bad_request("wrong file identifier/HTTP URL specified")


def media_content(media: MediaFile) -> dict[str, Any]:
    """The StoredMessage fields that carry ``media``."""
    return {
        media.kind: DocumentFile(media.filename, media.data),
        f"{media.kind}_api": media.api,
    }


def _meta(source: Any) -> dict[str, Any]:
    """duration/width/height given by the bot (parameters or a media group item)."""
    meta: dict[str, Any] = {}
    for key in _META_KEYS:
        value = source.get(key)
        if value not in (None, ""):
            try:
                meta[key] = int(value)
            except (TypeError, ValueError):
                raise bad_request(f"invalid {key} specified") from None
    return meta


async def _send_media(ctx: MethodContext, kind: str) -> dict[str, Any]:
    dest = destination(ctx)
    media = resolve_file(ctx, ctx.params.raw.get(kind), kind, **_meta(ctx.params.raw))
    plain, raw, entities = format_text(
        ctx, "caption", "caption_entities", required=False, limit=MAX_CAPTION
    )
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
        **media_content(media),
    ).to_api()


@method("sendPhoto")
async def send_photo(ctx: MethodContext) -> dict[str, Any]:
    return await _send_media(ctx, "photo")


@method("sendVideo")
async def send_video(ctx: MethodContext) -> dict[str, Any]:
    return await _send_media(ctx, "video")


@method("sendVoice")
async def send_voice(ctx: MethodContext) -> dict[str, Any]:
    return await _send_media(ctx, "voice")


@method("sendAnimation")
async def send_animation(ctx: MethodContext) -> dict[str, Any]:
    return await _send_media(ctx, "animation")


@method("sendDocument")
async def send_document(ctx: MethodContext) -> dict[str, Any]:
    return await _send_media(ctx, "document")


def _album_items(ctx: MethodContext) -> list[dict[str, Any]]:
    """sendMediaGroup's ``media``: 2-10 photos and videos, or 2-10 documents."""
    items = ctx.params.json("media")
    low, high = MEDIA_GROUP_SIZE
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise bad_request("can't parse media JSON object")
    if not low <= len(items) <= high:
        raise bad_request(f"media must include {low}-{high} items")
    kinds = {str(item.get("type")) for item in items}
    unsupported = kinds - ALBUM_KINDS
    if unsupported:
        raise bad_request(f"media of type {sorted(unsupported)[0]!r} can't be sent in an album")
    if "document" in kinds and len(kinds) > 1:
        raise bad_request("documents can't be mixed with other media types in an album")
    return items


@method("sendMediaGroup")
async def send_media_group(ctx: MethodContext) -> list[dict[str, Any]]:
    dest = destination(ctx)
    prepared = []
    for item in _album_items(ctx):
        kind = str(item["type"])
        media = resolve_file(ctx, item.get("media"), kind, **_meta(item))
        plain, raw, entities = format_value(
            item.get("caption"),
            item.get("caption_entities"),
            item.get("parse_mode"),
            required=False,
            limit=MAX_CAPTION,
        )
        prepared.append((media, plain, raw, entities))
    count(ctx, dest, len(prepared))
    group = new_media_group_id()
    protect = ctx.params.bool("protect_content")
    return [
        new_message(
            ctx,
            dest,
            text=plain,
            html=raw,
            entities=entities,
            media_group_id=group,
            protect_content=protect,
            **media_content(media),
        ).to_api()
        for media, plain, raw, entities in prepared
    ]
