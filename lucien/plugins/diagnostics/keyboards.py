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


async def back_markup(ctx: AppContext, user: Any) -> InlineKeyboardMarkup:
    """Under a report: back to the diagnostics screen or to the main menu."""
    label = await ctx.voice.button("button.diagnostics", user=user)
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=label, callback_data=DiagCallback(action="menu").pack())],
            [await back_to_menu_button(ctx, user)],
        ]
    )
