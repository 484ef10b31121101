"""Small helpers the admin plugin's screens share."""

from __future__ import annotations

from aiogram.types import CallbackQuery

from lucien.core.context import AppContext
from lucien.core.menus import edit_or_send
from lucien.core.prompts import refuse_stale_cancel

edit = edit_or_send


def where_pressed(query: CallbackQuery) -> tuple[int, int | None]:
    """The chat and the id of the message a button was pressed on (None when Telegram no
    longer gives it)."""
    message = query.message
    if message is None:
        return query.from_user.id, None
    return message.chat.id, message.message_id


async def stale_cancel(query: CallbackQuery, ctx: AppContext) -> None:
    """A Cancel on a prompt already closed (saved, cancelled, or another prompt open):
    an alert and the stale buttons go; nothing is changed, and nothing claimed."""
    await refuse_stale_cancel(
        query, await ctx.voice.say("admin.prompt_closed", user=query.from_user)
    )
