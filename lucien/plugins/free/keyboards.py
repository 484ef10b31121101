"""Inline keyboards and callback data of the free plugin."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from lucien.core.menus import back_to_menu_button

if TYPE_CHECKING:
    from lucien.core.context import AppContext


class FreeCallback(CallbackData, prefix="free"):
    """The free plugin's screens: `menu` (the vestibule) and `vip` (what VIP offers)."""

    screen: str = "menu"


async def free_menu_markup(
    ctx: AppContext, user: Any, *, vip_enabled: bool
) -> InlineKeyboardMarkup:
    """The vestibule screen: VIP info when the vip plugin runs, then back to the menu."""
    rows: list[list[InlineKeyboardButton]] = []
    if vip_enabled:
        rows.append(
            [
                InlineKeyboardButton(
                    text=await ctx.voice.button("button.free.vip_info", user=user),
                    callback_data=FreeCallback(screen="vip").pack(),
                )
            ]
        )
    rows.append([await back_to_menu_button(ctx, user)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def vip_info_markup(ctx: AppContext, user: Any) -> InlineKeyboardMarkup:
    """Back to the vestibule, or to the main menu."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=await ctx.voice.button("button.free.channel", user=user),
                    callback_data=FreeCallback(screen="menu").pack(),
                )
            ],
            [await back_to_menu_button(ctx, user)],
        ]
    )
