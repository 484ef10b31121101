"""Inline keyboards and callback data of the admin plugin.

Every CallbackData field has a default, so `Cls().pack()` is a valid (if useless) press:
the access-control test forges one of each to check a non-admin is refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from lucien.core.menus import back_to_menu_button
from lucien.plugins.admin.services import EditableField, audiences, voice_keys

if TYPE_CHECKING:
    from lucien.core.context import AppContext


class AdminCallback(CallbackData, prefix="adm"):
    """Admin screens reached from the main menu: config, admins, plugins, broadcast."""

    screen: str = "config"


class ConfigCallback(CallbackData, prefix="cfg"):
    """Start editing one setting (`edit`) or abandon an edit (`cancel`)."""

    action: str = "edit"
    plugin: str = ""
    key: str = ""


class AdminsCallback(CallbackData, prefix="adms"):
    """Add an administrator, or remove one (`user_id`)."""

    action: str = "add"
    user_id: int = 0


class BroadcastCallback(CallbackData, prefix="bcast"):
    """Broadcast steps: pick an `audience`, `send`, or `cancel`."""

    action: str = "cancel"
    audience: str = ""


ADMIN_CALLBACKS: tuple[type[CallbackData], ...] = (
    AdminCallback,
    ConfigCallback,
    AdminsCallback,
    BroadcastCallback,
)


def _markup(rows: list[list[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def _button(
    ctx: AppContext, key: str, data: CallbackData, user: Any, **context: Any
) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=await ctx.voice.button(key, user=user, **context), callback_data=data.pack()
    )


async def back_to_config(ctx: AppContext, user: Any) -> InlineKeyboardButton:
    return await _button(ctx, "button.back", AdminCallback(screen="config"), user)


async def config_markup(
    ctx: AppContext, fields: list[EditableField], user: Any
) -> InlineKeyboardMarkup:
    """One button per editable setting, then Back to the main menu."""
    rows = []
    for f in fields:
        rows.append(
            [
                await _button(
                    ctx,
                    voice_keys(f)[0],
                    ConfigCallback(action="edit", plugin=f.plugin, key=f.key),
                    user,
                    setting=f.ident,
                )
            ]
        )
    rows.append([await _button(ctx, "button.back", _main(), user)])
    return _markup(rows)


def _main() -> CallbackData:
    from lucien.core.menus import MenuCallback

    return MenuCallback(screen="main")


async def cancel_markup(
    ctx: AppContext, user: Any, data: CallbackData | None = None
) -> InlineKeyboardMarkup:
    """The Cancel button every step of a multi-step edit carries."""
    return _markup(
        [[await _button(ctx, "button.cancel", data or ConfigCallback(action="cancel"), user)]]
    )


async def after_edit_markup(ctx: AppContext, user: Any) -> InlineKeyboardMarkup:
    """Back to the configuration screen, or to the main menu."""
    return _markup([[await back_to_config(ctx, user)], [await back_to_menu_button(ctx, user)]])


async def admins_markup(
    ctx: AppContext, admins: list[tuple[int, str, bool]], user: Any
) -> InlineKeyboardMarkup:
    rows = [[await _button(ctx, "button.admins.add", AdminsCallback(action="add"), user)]]
    for uid, name, removable in admins:
        if removable:
            rows.append(
                [
                    await _button(
                        ctx,
                        "button.admins.remove",
                        AdminsCallback(action="remove", user_id=uid),
                        user,
                        member=name,
                    )
                ]
            )
    rows.append([await _button(ctx, "button.back", _main(), user)])
    return _markup(rows)


async def back_markup(ctx: AppContext, user: Any) -> InlineKeyboardMarkup:
    return _markup([[await _button(ctx, "button.back", _main(), user)]])


async def back_to_admins_markup(ctx: AppContext, user: Any) -> InlineKeyboardMarkup:
    return _markup(
        [
            [await _button(ctx, "button.back", AdminCallback(screen="admins"), user)],
            [await back_to_menu_button(ctx, user)],
        ]
    )


async def audience_markup(ctx: AppContext, user: Any) -> InlineKeyboardMarkup:
    """Everyone, then each declared role (highest first): a role's own label when its
    plugin declares `button.broadcast.<role>`, else the generic one naming it."""
    rows = []
    for audience in audiences(ctx):
        data = BroadcastCallback(action="audience", audience=audience).pack()
        key = f"button.broadcast.{audience}"
        if key in ctx.app.messages:
            text = await ctx.voice.button(key, user=user)
        else:
            text = await ctx.voice.button("button.broadcast.role", user=user, role=audience)
        rows.append([InlineKeyboardButton(text=text, callback_data=data)])
    rows.append([await _button(ctx, "button.cancel", BroadcastCallback(action="cancel"), user)])
    return _markup(rows)


async def confirm_markup(ctx: AppContext, user: Any) -> InlineKeyboardMarkup:
    return _markup(
        [
            [await _button(ctx, "button.broadcast.send", BroadcastCallback(action="send"), user)],
            [await _button(ctx, "button.cancel", BroadcastCallback(action="cancel"), user)],
        ]
    )
