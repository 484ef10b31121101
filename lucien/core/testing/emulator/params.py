"""Reading method parameters the way aiogram sends them.

aiogram posts ``application/x-www-form-urlencoded`` (or ``multipart/form-data``
when a file is attached) where strings go as-is and every other value is JSON:
ints arrive as ``"42"``, booleans as ``"true"``, keyboards as JSON objects, and
files as ``attach://<part name>``. curl users and webhook answers may send a
JSON body instead. :class:`Params` hides the difference and validates types,
answering with Telegram's 400 wording.
"""

from __future__ import annotations

import builtins
import json
from dataclasses import dataclass
from typing import Any

from aiohttp import BodyPartReader, ClientResponse, MultipartReader, web

from .errors import bad_request


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    filename: str
    data: bytes
    content_type: str | None = None


async def read_multipart(reader: MultipartReader) -> dict[str, Any]:
    """Collect the fields of a multipart body; file parts become :class:`UploadedFile`."""
    fields: dict[str, Any] = {}
    while True:
        part = await reader.next()
        if part is None:
            break
        if not isinstance(part, BodyPartReader) or part.name is None:
            continue
        data = await part.read(decode=True)
        if part.filename is not None:
            fields[part.name] = UploadedFile(
                part.filename, bytes(data), part.headers.get("Content-Type")
            )
        else:
            fields[part.name] = bytes(data).decode(part.get_charset("utf-8"))
    return fields


async def read_request(request: web.Request) -> dict[str, Any]:
    """All parameters of an incoming call: query string, then the body (which wins)."""
    fields: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        body = await request.json()
        if isinstance(body, dict):
            fields.update(body)
    elif request.content_type.startswith("multipart/"):
        fields.update(await read_multipart(await request.multipart()))
    elif request.can_read_body:
        fields.update(dict(await request.post()))
    return fields


async def read_response(response: ClientResponse) -> dict[str, Any]:
    """Parameters from a webhook answer: aiogram sends multipart form data, others JSON."""
    if response.content_type.startswith("multipart/"):
        return await read_multipart(MultipartReader(response.headers, response.content))
    body = await response.read()
    if not body.strip():
        return {}
    try:
        decoded = json.loads(body)
    except ValueError:
        return {}
    return decoded if isinstance(decoded, dict) else {}


class Params:
    """Typed access to a method's parameters with Telegram-style 400 refusals."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw

    def __contains__(self, name: str) -> bool:
        return self.raw.get(name) is not None

    def str(self, name: str, *, required: bool = False, default: str | None = None) -> str | None:
        value = self.raw.get(name)
        if value is None:
            if required:
                raise bad_request(f"{name} is empty")
            return default
        if isinstance(value, UploadedFile):
            raise bad_request(f"invalid {name} specified")
        return value if isinstance(value, str) else json.dumps(value)

    def req_str(self, name: builtins.str) -> builtins.str:
        value = self.str(name, required=True)
        assert value is not None
        return value

    def int(
        self, name: builtins.str, *, required: bool = False, default: builtins.int | None = None
    ) -> builtins.int | None:
        value = self.raw.get(name)
        if value is None or value == "":
            if required:
                raise bad_request(f"{name} is empty")
            return default
        if isinstance(value, bool):
            return int(value)
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def req_int(self, name: builtins.str) -> builtins.int:
        value = self.int(name, required=True)
        assert value is not None
        return value

    def bool(self, name: builtins.str, default: bool = False) -> bool:
        value = self.raw.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in ("true", "1")

    def json(self, name: builtins.str) -> Any:
        """A JSON-valued parameter (reply_markup, allowed_updates, commands...)."""
        value = self.raw.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {name} JSON object") from None
        return value

    def chat_id(self, name: builtins.str = "chat_id") -> builtins.int | builtins.str:
        """An integer id, or ``@username`` for public chats."""
        value = self.raw.get(name)
        if value is None or value == "":
            raise bad_request(f"{name} is empty")
        if isinstance(value, int):
            return value
        text = str(value).strip()
        try:
            return int(text)
        except ValueError:
            if text.startswith("@"):
                return text
            raise bad_request("chat not found") from None

    def file(self, name: builtins.str) -> UploadedFile | builtins.str | None:
        """An uploaded file (``attach://part``), or a file_id/URL string."""
        return self.file_value(self.raw.get(name))

    def file_value(self, value: Any) -> UploadedFile | builtins.str | None:
        """A file given by value (a media group item's ``media``): ``attach://part`` is the
        uploaded part of that name; anything else a file_id or URL."""
        if value is None:
            return None
        if isinstance(value, UploadedFile):
            return value
        if isinstance(value, str) and value.startswith("attach://"):
            part = self.raw.get(value[len("attach://") :])
            if not isinstance(part, UploadedFile):
                raise bad_request(f"can't find attached file {value[9:]!r}")
            return part
        return str(value)

    def for_log(self) -> dict[builtins.str, Any]:
        """Parameters as recorded in ``Emulator.calls``: JSON decoded, files summarized."""
        out: dict[str, Any] = {}
        referenced = {
            v[len("attach://") :]
            for v in self.raw.values()
            if isinstance(v, str) and v.startswith("attach://")
        }
        for key, value in self.raw.items():
            if key in referenced:
                continue  # shown in place of its attach:// reference
            if isinstance(value, str) and value.startswith("attach://"):
                value = self.raw.get(value[len("attach://") :], value)
            if isinstance(value, UploadedFile):
                out[key] = {"filename": value.filename, "size": len(value.data)}
            elif isinstance(value, str) and key in _JSON_KEYS:
                try:
                    out[key] = json.loads(value)
                except ValueError:
                    out[key] = value
            elif isinstance(value, str) and key in _INT_KEYS:
                try:
                    out[key] = int(value)
                except ValueError:
                    out[key] = value
            elif isinstance(value, str) and value in ("true", "false") and key not in _TEXT_KEYS:
                out[key] = value == "true"
            else:
                out[key] = value
        return out


_JSON_KEYS = frozenset(
    {
        "reply_markup",
        "allowed_updates",
        "commands",
        "scope",
        "entities",
        "caption_entities",
        "link_preview_options",
        "reply_parameters",
        "message_ids",
        "permissions",
        "media",
    }
)
_INT_KEYS = frozenset(
    {
        "chat_id",
        "message_id",
        "user_id",
        "from_chat_id",
        "offset",
        "limit",
        "timeout",
        "member_limit",
        "expire_date",
        "until_date",
        "max_connections",
        "cache_time",
        "message_thread_id",
        "reply_to_message_id",
    }
)
_TEXT_KEYS = frozenset({"text", "caption", "name", "description", "secret_token", "url"})
