"""Files in the web chat: a photo or video the visitor attaches, and serving a message's
file back to the page (shown in place, or downloaded).

The page sends an attachment as base64 inside JSON, never as a form: a form POST from
another site needs no CORS preflight and could then drive the sandbox (see ``web._body``).
Only raster images, videos and audio are served inline, with ``nosniff``: anything else,
an SVG or an HTML file included, is a download, so nothing uploaded runs as a page here.
"""

from __future__ import annotations

import base64
import binascii
import mimetypes
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from aiohttp import web

from lucien.core.testing.emulator import MEDIA_KINDS, StoredMessage

#: Kinds the visitor may attach, and what the page's file input accepts.
UPLOAD_KINDS = ("photo", "video")
#: Telegram lets bots download files up to 20 MB; a sandbox upload stays within that.
MAX_UPLOAD = 20 * 1024 * 1024
MAX_CAPTION = 1024
#: The request body carries the file in base64 (4/3 of its size) plus the JSON around it.
MAX_BODY = MAX_UPLOAD * 4 // 3 + 64 * 1024
_INLINE_TYPES = {
    "photo": ("image/jpeg", {"image/jpeg", "image/png", "image/gif", "image/webp"}),
    "video": ("video/mp4", {"video/mp4", "video/webm", "video/quicktime"}),
    "animation": ("video/mp4", {"video/mp4", "video/webm", "image/gif"}),
    "voice": ("audio/ogg", {"audio/ogg", "audio/mpeg", "audio/mp4"}),
}


class UploadRefused(ValueError):
    """An attachment the page should not have sent; the message says why."""


@dataclass(frozen=True)
class Upload:
    """A decoded attachment, ready for the person's client to send."""

    kind: str
    filename: str
    data: bytes
    caption: str | None


def read_upload(body: dict[str, Any]) -> Upload:
    """The attachment in a /api/send_media body, or UploadRefused."""
    kind = str(body.get("kind") or "")
    if kind not in UPLOAD_KINDS:
        raise UploadRefused('kind is "photo" or "video"')
    raw = body.get("data")
    if not isinstance(raw, str) or not raw:
        raise UploadRefused("no file: data is the file in base64")
    if len(raw) > MAX_BODY:
        raise UploadRefused("files up to 20 MB, please")
    try:
        data = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise UploadRefused("data is not base64") from None
    if not data:
        raise UploadRefused("the file is empty")
    if len(data) > MAX_UPLOAD:
        raise UploadRefused("files up to 20 MB, please")
    # Only the file's own name: a path from the visitor's machine means nothing here.
    name = PurePosixPath(str(body.get("name") or "").replace("\\", "/")).name.strip()[:64]
    caption = str(body.get("caption") or "").strip()
    if len(caption) > MAX_CAPTION:
        raise UploadRefused(f"a caption is at most {MAX_CAPTION} characters")
    return Upload(
        kind, name or ("photo.jpg" if kind == "photo" else "video.mp4"), data, caption or None
    )


def file_response(message: StoredMessage, kind: str, inline: bool) -> web.Response:
    """The message's file of ``kind``: in place when asked and safe to show, else a download."""
    attached = getattr(message, kind, None) if kind in MEDIA_KINDS else None
    if attached is None:
        raise web.HTTPNotFound()
    name = (attached.filename or f"{kind}-{message.message_id}").replace('"', "")
    content_type = "application/octet-stream"
    disposition = "attachment"
    if inline and kind in _INLINE_TYPES:
        default, allowed = _INLINE_TYPES[kind]
        guessed = mimetypes.guess_type(name)[0] or default
        if guessed in allowed:
            content_type, disposition = guessed, "inline"
    return web.Response(
        body=attached.data,
        content_type=content_type,
        headers={
            "Content-Disposition": f'{disposition}; filename="{name}"',
            "X-Content-Type-Options": "nosniff",
        },
    )
