"""Inline keyboards and callback data of the diagnostics plugin."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from lucien.core.menus import back_to_menu_button

if TYPE_CHECKING:
    from lucien.core.context import AppContext


class DiagCallback(CallbackData, prefix="diag"):
    """The diagnostics screens: `menu`, `report`, `tests` (all suites), `profile`."""

    action: str = "menu"


class DiagPageCallback(CallbackData, prefix="diagp"):
    """Page `page` of the report (a prefix of its own: `diag` buttons already out there
    keep unpacking)."""

    page: int = 0


async def menu_markup(ctx: AppContext, user: Any) -> InlineKeyboardMarkup:
    """Report, run all tests, a short profile, and back to the main menu."""

    async def button(key: str, action: str) -> list[InlineKeyboardButton]:
        label = await ctx.voice.button(key, user=user)
        return [InlineKeyboardButton(text=label, callback_data=DiagCallback(action=action).pack())]

    return InlineKeyboardMarkup(
        inline_keyboard=[
            await button("button.diagnostics.report", "report"),
            await button("button.diagnostics.run_all", "tests"),
            await button("button.diagnostics.profile", "profile"),
            [await back_to_menu_button(ctx, user)],
        ]
    )


async def back_markup(
    ctx: AppContext, user: Any, page: int = 0, pages: int = 1
) -> InlineKeyboardMarkup:
    """Under a report: the page arrows when it has several, back to the diagnostics
    screen or to the main menu."""
    label = await ctx.voice.button("button.diagnostics", user=user)
    rows = []
    arrows = []
    if page > 0:
        text = await ctx.voice.button("button.diagnostics.previous", user=user)
        arrows.append(
            InlineKeyboardButton(text=text, callback_data=DiagPageCallback(page=page - 1).pack())
        )
    if page + 1 < pages:
        text = await ctx.voice.button("button.diagnostics.next", user=user)
        arrows.append(
            InlineKeyboardButton(text=text, callback_data=DiagPageCallback(page=page + 1).pack())
        )
    if arrows:
        rows.append(arrows)
    rows.append(
        [InlineKeyboardButton(text=label, callback_data=DiagCallback(action="menu").pack())]
    )
    rows.append([await back_to_menu_button(ctx, user)])
    return InlineKeyboardMarkup(inline_keyboard=rows)
