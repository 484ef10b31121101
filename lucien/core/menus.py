"""The main menu of each role, assembled from the buttons every enabled plugin gives.

The built-in plugin shows it; any plugin links back to it with `MenuCallback()`. Roles
are whatever the plugins declare: nothing here knows one by name.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from aiogram.exceptions import TelegramBadRequest
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from lucien.core.plugin import MenuButton, Role
from lucien.core.replies import freeze_markup

if TYPE_CHECKING:
    from lucien.core.context import AppContext

log = logging.getLogger("lucien.menu")


class MenuCallback(CallbackData, prefix="menu"):
    """Navigation to a role's main menu (`screen="main"`)."""

    screen: str = "main"


# Asked of the plugins at most this often per role: the menu is built on every /start,
# and the hook's answer depends only on the role (see the hook's docstring).
MENU_MEMO_SECONDS = 10.0


async def menu_buttons(ctx: AppContext, role: Role) -> list[tuple[str, MenuButton]]:
    """(plugin, button) pairs in a stable order: `order`, then plugin name, then label."""
    memo: dict[str, tuple[float, list[tuple[str, MenuButton]]]] = ctx.service(
        "menu_memo", lambda _: {}
    )
    now = time.monotonic()
    cached = memo.get(role)
    if cached is not None and now - cached[0] < MENU_MEMO_SECONDS:
        return cached[1]
    found: list[tuple[str, MenuButton]] = []
    for record, buttons in ctx.registry.call_each("lucien_menu_buttons", ctx=ctx, role=role):
        found.extend((record.name, b) for b in buttons)
    found.sort(key=lambda item: (item[1].order, item[0], item[1].text))
    memo[role] = (now, found)
    return found


# Markups kept for reuse, by their content; cleared when this many are held.
MARKUP_MEMO_SIZE = 1000


async def main_menu_markup(ctx: AppContext, role: Role, user: Any = None) -> InlineKeyboardMarkup:
    """One button per row; labels with a `voice_key` are rendered in the voice.

    The markup is shared by every update that shows the same buttons (building the
    pydantic objects was most of the cost of the menu): treat it as read-only.
    """
    labels: list[tuple[str, str | None, str | None]] = []
    for _plugin, button in await menu_buttons(ctx, role):
        text = (
            await ctx.voice.button(button.voice_key, user=user) if button.voice_key else button.text
        )
        labels.append((text, button.callback_data, button.url))
    spec = tuple(labels)
    memo: dict[Any, InlineKeyboardMarkup] = ctx.service("menu_markups", lambda _: {})
    markup = memo.get(spec)
    if markup is not None:
        return freeze_markup(markup)  # a dict lookup, unless the registry was cleared
    if len(memo) >= MARKUP_MEMO_SIZE:
        memo.clear()
    markup = memo[spec] = freeze_markup(
        InlineKeyboardMarkup(
            inline_keyboard=[
                [InlineKeyboardButton(text=text, callback_data=data, url=url)]
                for text, data, url in spec
            ]
        )
    )
    return markup


async def back_to_menu_button(ctx: AppContext, user: Any = None) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=await ctx.voice.button("button.menu", user=user), callback_data=MenuCallback().pack()
    )


async def edit_or_send(query: CallbackQuery, text: str, markup: Any = None) -> Any:
    """Edit the pressed message in place; send anew only if Telegram refuses the edit (too
    old, deleted, unchanged). The message that shows the text (True for an inline one)."""
    message = query.message
    if isinstance(message, Message):
        try:
            return await message.edit_text(text, reply_markup=markup)
        except TelegramBadRequest as exc:  # anything else is a real failure: raised
            log.debug("edit refused, sending anew: %r", exc)
    if query.bot is None:
        return None
    return await query.bot.send_message(query.from_user.id, text, reply_markup=markup)
