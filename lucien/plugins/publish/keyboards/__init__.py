"""Buttons of the publish plugin. Callback data is short (Telegram allows 64 bytes) and
typed through aiogram's CallbackData; the admins' prefixes are listed for the refusal
router. `broadcasts.py` builds the broadcasts' and scheduled list's keyboards, `posts.py`
the channel posts' and the reaction buttons."""

from __future__ import annotations

from typing import Any

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton

from lucien.core.context import AppContext


class PublishMenu(CallbackData, prefix="pub"):
    """The admin menu's entries: start a broadcast, a channel post, the scheduled list."""

    action: str  # broadcast | post | scheduled


class Compose(CallbackData, prefix="pubc"):
    """A choice in the composer: an audience, a target, a toggle, send, schedule, cancel."""

    action: str
    value: str = ""


class Steer(CallbackData, prefix="pubb"):
    """Pause, resume or cancel a running broadcast, from its progress message."""

    action: str  # pause | resume | cancel
    id: int


class ScheduledItem(CallbackData, prefix="pubs"):
    """The scheduled list: open an item, change its time, cancel it."""

    kind: str  # b (broadcast) | p (post)
    id: int
    action: str  # open | move | drop | list


#: Callback prefixes only admins may press (the refusal router answers everyone else).
ADMIN_PREFIXES = tuple(f"{c.__prefix__}:" for c in (PublishMenu, Compose, Steer, ScheduledItem))


async def button(
    ctx: AppContext, key: str, data: CallbackData | None, user: Any, **context: Any
) -> InlineKeyboardButton:
    """A voiced button carrying `data`."""
    text = await ctx.voice.button(key, user=user, **context)
    return InlineKeyboardButton(text=text, callback_data=data.pack() if data else None)
