"""A read-only view of what a chat shows, over HTTP, for load generators and tools that
talk to the emulator from another process (``bench/locustfile.py``)::

    GET /_emulator/chats/{chat_id}/messages?after=<message_id>&bot=<bot_id>

For a user's id: the messages the bot (``bot``, the first bot by default) sent in its
private chat with that user; for a channel or group: its posts. Only those whose
``message_id`` is greater than ``after`` (default 0), oldest first, each as the Bot API
renders it (``text``, ``reply_markup``, ``edit_date`` after an edit...). Deleted messages
are left out, as the user's client no longer shows them. An unknown chat answers an
empty list when the bot has never talked to that user, 400 for a malformed id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from .errors import ApiError, bad_request

if TYPE_CHECKING:
    from .server import Emulator
    from .state import StoredMessage

PATH = "/_emulator/chats/{chat_id}/messages"


def register(emulator: Emulator, app: web.Application, path: str = PATH) -> None:
    """Serve the read route (GET) for ``emulator`` on ``app``."""

    async def handle(request: web.Request) -> web.Response:
        try:
            found = messages(
                emulator,
                _int(request.match_info["chat_id"], "chat_id"),
                after=_int(request.query.get("after", "0"), "after"),
                bot_id=_int(request.query["bot"], "bot") if "bot" in request.query else None,
            )
        except ApiError as error:
            return web.json_response(error.to_json(), status=error.status)
        return web.json_response({"ok": True, "result": found})

    app.router.add_get(path, handle)


def _int(raw: str, name: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise bad_request(f"{name} must be an integer") from None


def messages(
    emulator: Emulator, chat_id: int, *, after: int = 0, bot_id: int | None = None
) -> list[dict[str, Any]]:
    """What ``GET /_emulator/chats/{chat_id}/messages`` answers (see the module docstring)."""
    stored: list[StoredMessage]
    if chat_id in emulator.chats:
        stored = list(emulator.chats[chat_id].messages.values())
    else:
        if bot_id is None:
            account = emulator.bot if emulator.bots_by_id else None
        else:
            account = emulator.bots_by_id.get(bot_id)
            if account is None:
                raise bad_request("bot not found")
        chat = account.private_chats.get(chat_id) if account is not None else None
        stored = [m for m in chat.messages.values() if m.from_bot] if chat else []
    return [m.to_api() for m in stored if m.message_id > after and not m.deleted]
