"""Posting hand-made updates straight to one replica's webhook (tests that choose the
replica, or the exact update id a redelivery repeats)."""

from __future__ import annotations

import json
from typing import Any

import aiohttp


def command_update(update_id: int, text: str, user_id: int) -> bytes:
    """The JSON body of a private message `text` (a command) from user `user_id`, Ana."""
    return json.dumps(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": 1767268800,
                "text": text,
                "chat": {"id": user_id, "type": "private", "first_name": "Ana"},
                "from": {"id": user_id, "is_bot": False, "first_name": "Ana"},
                "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
            },
        }
    ).encode()


async def post_update(app: Any, body: bytes) -> tuple[int, bytes]:
    """POST `body` to `app`'s webhook with the harness's secret: (status, body)."""
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": "test-secret"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{app.base_url}/webhook", data=body, headers=headers) as response,
    ):
        return response.status, await response.read()
