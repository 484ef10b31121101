"""Files as Telegram describes them: photos, videos, voice notes, animations, documents.

Both sides make them: a user's client uploading (``actors_media.py``) and the bot's
send methods (``methods/media.py``). Each kind gets the Bot API object aiogram
validates (a photo is a list of PhotoSize; a video has width, height and duration...)
and a file id with Telegram's prefix for that kind. The emulator remembers every file
id with its name, bytes, kind and object, so a bot can send it again by id and sending
it as another kind fails as on Telegram ("can't use file of type Video as Photo").
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from .server import Emulator

#: Every media kind the emulator stores, in the order ``StoredMessage.kind`` checks them.
MEDIA_KINDS = ("photo", "video", "animation", "voice", "document")
#: Kinds that may share an album, and with what (documents only with documents).
ALBUM_KINDS = frozenset({"photo", "video", "document"})

# Telegram's file ids start with a tag of the file's type; kept so a log reads like one.
_PREFIX = {
    "photo": "AgAC",
    "video": "BAAC",
    "voice": "AwAC",
    "animation": "CgAC",
    "document": "BQAC",
}
_DEFAULT_NAME = {
    "photo": "photo.jpg",
    "video": "video.mp4",
    "voice": "voice.ogg",
    "animation": "animation.mp4",
    "document": "file",
}
_MIME = {
    "video": "video/mp4",
    "voice": "audio/ogg",
    "animation": "video/mp4",
    "document": "application/octet-stream",
}
#: Photo sizes Telegram makes from an upload (thumbnail and the shown one).
PHOTO_SIDES = (90, 320)


class MediaFile(NamedTuple):
    """What the emulator knows of a file id: its kind, name, bytes and Bot API object."""

    kind: str
    filename: str
    data: bytes
    api: Any  # a dict, or for photos the list of PhotoSize


def default_name(kind: str) -> str:
    return _DEFAULT_NAME.get(kind, "file")


def new_file_id(kind: str) -> str:
    return _PREFIX.get(kind, "BQAC") + secrets.token_urlsafe(24)


def type_name(kind: str) -> str:
    """The type as Telegram names it in its refusals ("Photo", "Video"...)."""
    return kind.capitalize()


def build_api(
    kind: str,
    file_id: str,
    filename: str,
    data: bytes,
    *,
    duration: int | None = None,
    width: int | None = None,
    height: int | None = None,
    mime_type: str | None = None,
) -> Any:
    """The Bot API object of a file of ``kind`` (fields aiogram requires always present)."""
    unique = file_id[-16:]
    if kind == "photo":
        return [
            {
                "file_id": f"{file_id}{n}",
                "file_unique_id": f"{file_id[-15:]}{n}",
                "width": side,
                "height": side,
                "file_size": len(data),
            }
            for n, side in enumerate(PHOTO_SIDES)
        ]
    api: dict[str, Any] = {"file_id": file_id, "file_unique_id": unique}
    if kind in ("video", "animation"):
        api.update(
            width=width or 640,
            height=height or 360,
            duration=duration if duration is not None else 5,
            file_name=filename,
        )
    elif kind == "voice":
        api["duration"] = duration if duration is not None else 3
    else:
        api["file_name"] = filename
    api["mime_type"] = mime_type or _MIME.get(kind, "application/octet-stream")
    api["file_size"] = len(data)
    return api


def file_ids(kind: str, api: Any) -> list[str]:
    """Every file id an object carries (each photo size has its own)."""
    if kind == "photo":
        return [str(size["file_id"]) for size in api]
    return [str(api["file_id"])]


def store(emu: Emulator, kind: str, filename: str, data: bytes, **meta: Any) -> MediaFile:
    """A new file of ``kind``: a fresh id, its object, remembered under each of its ids."""
    file_id = new_file_id(kind)
    media = MediaFile(kind, filename, data, build_api(kind, file_id, filename, data, **meta))
    remember(emu, media)
    return media


def remember(emu: Emulator, media: MediaFile) -> None:
    for file_id in file_ids(media.kind, media.api):
        emu.files[file_id] = (media.filename, media.data)
        emu.file_meta[file_id] = media


def new_media_group_id() -> str:
    """A media_group_id as Telegram writes them (a long decimal number, as a string)."""
    return str(10**17 + secrets.randbelow(9 * 10**17))


def animation_document(api: dict[str, Any]) -> dict[str, Any]:
    """The ``document`` Telegram adds beside an ``animation`` (for older clients)."""
    keys = ("file_id", "file_unique_id", "file_name", "mime_type", "file_size")
    return {key: api[key] for key in keys if key in api}
