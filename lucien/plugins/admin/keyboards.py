"""Inline keyboards and callback data of the admin plugin.

Every CallbackData field has a default, so `Cls().pack()` is a valid (if useless) press:
the access-control test forges one of each to check a non-admin is refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from lucien.core.menus import back_to_menu_button
from lucien.plugins.admin.services import (
    Card,
    EditableField,
    SearchPage,
    bool_key,
    encode_fragment,
    label_context,
    voice_keys,
)

if TYPE_CHECKING:
    from lucien.core.context import AppContext


class AdminCallback(CallbackData, prefix="adm"):
    """Admin screens reached from the main menu: config, admins, plugins, users
    (find a user), stats."""

    screen: str = "config"


class ConfigCallback(CallbackData, prefix="cfg"):
    """Start editing one setting (`edit`), answer a yes/no one (`set`, `value` "1" or
    "0") or abandon an edit (`cancel`)."""

    action: str = "edit"
    plugin: str = ""
    key: str = ""
    value: str = ""


class AdminsCallback(CallbackData, prefix="adms"):
    """Add an administrator, or remove one (`user_id`)."""

    action: str = "add"
    user_id: int = 0


class AdminsPageCallback(CallbackData, prefix="admp"):
    """Page `page` of the administrators (a prefix of its own: the buttons of `adms`
    already out there keep unpacking)."""

    page: int = 0


#: Administrators per page of their screen (a Remove button each: a screen, not a wall).
ADMINS_PAGE = 10


class UserCardCallback(CallbackData, prefix="ucard"):
    """Open the card of user `user_id`.

    Public: another plugin's "back to the card" button carries the same string,
    ``f"ucard:{user_id}"``, built by that plugin itself (plugins never import each other).
    """

    user_id: int = 0


class UsersCallback(CallbackData, prefix="usr"):
    """Finding a user: `cancel` the search, or show `page` of the name search `q` (the
    fragment as `encode_fragment` writes it: the search travels with its buttons)."""

    action: str = "cancel"
    page: int = 0
    q: str = ""


class UserActionCallback(CallbackData, prefix="uact"):
    """The admin plugin's actions on a card (block, unblock, promote, demote): the first
    press asks, the second (`confirmed`) does it."""

    action: str = "block"
    user_id: int = 0
    confirmed: bool = False


class StatsCallback(CallbackData, prefix="stats"):
    """The statistics screen's Refresh."""

    action: str = "refresh"


ADMIN_CALLBACKS: tuple[type[CallbackData], ...] = (
    AdminCallback,
    ConfigCallback,
    AdminsCallback,
    AdminsPageCallback,
    UserCardCallback,
    UsersCallback,
    UserActionCallback,
    StatsCallback,
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
                    **label_context(f),
                )
            ]
        )
    rows.append([await _button(ctx, "button.back", _main(), user)])
    return _markup(rows)


def _main() -> CallbackData:
    from lucien.core.menus import MenuCallback

    return MenuCallback(screen="main")


async def bool_markup(ctx: AppContext, f: EditableField, user: Any) -> InlineKeyboardMarkup:
    """A yes/no setting's prompt: Yes and No (pressed rather than typed), then Cancel."""
    answers = [
        await _button(
            ctx,
            bool_key(v),
            ConfigCallback(action="set", plugin=f.plugin, key=f.key, value=d),
            user,
        )
        for v, d in ((True, "1"), (False, "0"))
    ]
    return _markup([answers, *(await cancel_markup(ctx, user)).inline_keyboard])


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
    ctx: AppContext, admins: list[tuple[int, str, bool]], user: Any, page: int = 0, pages: int = 1
) -> InlineKeyboardMarkup:
    """Add, a Remove per removable administrator shown, the page arrows, Back."""
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
                        member=name[:40],
                    )
                ]
            )
    arrows = []
    if page > 0:
        data = AdminsPageCallback(page=page - 1)
        arrows.append(await _button(ctx, "button.page.previous", data, user))
    if page + 1 < pages:
        data = AdminsPageCallback(page=page + 1)
        arrows.append(await _button(ctx, "button.page.next", data, user))
    if arrows:
        rows.append(arrows)
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


# ----------------------------------------------------------------------------- users


async def users_prompt_markup(ctx: AppContext, user: Any) -> InlineKeyboardMarkup:
    return await cancel_markup(ctx, user, UsersCallback(action="cancel"))


def person_label(name: str, username: str | None) -> str:
    """A result's button: the name, and the @username that tells namesakes apart."""
    return f"{name} · @{username}" if username else name


async def results_markup(
    ctx: AppContext, user: Any, found: SearchPage, fragment: str
) -> InlineKeyboardMarkup:
    """One button per person (to the card), the page arrows, Cancel."""
    rows = [
        [
            InlineKeyboardButton(
                text=person_label(p.name, p.username),
                callback_data=UserCardCallback(user_id=p.id).pack(),
            )
        ]
        for p in found.people
    ]
    q = encode_fragment(fragment)
    arrows = []
    if found.page > 0:
        data = UsersCallback(action="page", page=found.page - 1, q=q)
        arrows.append(await _button(ctx, "button.page.previous", data, user))
    if found.page + 1 < found.pages:
        data = UsersCallback(action="page", page=found.page + 1, q=q)
        arrows.append(await _button(ctx, "button.page.next", data, user))
    if arrows:
        rows.append(arrows)
    rows.append([await _button(ctx, "button.cancel", UsersCallback(action="cancel"), user)])
    return _markup(rows)


def _action(action: str, user_id: int, confirmed: bool = False) -> UserActionCallback:
    return UserActionCallback(action=action, user_id=user_id, confirmed=confirmed)


async def card_markup(ctx: AppContext, viewer: Any, card: Card) -> InlineKeyboardMarkup:
    """The plugins' buttons (two to a row, in their sections' order), then the admin
    plugin's actions that apply, a new search and the main menu."""
    buttons = [b for _, section in card.sections for b in section.buttons]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    uid = card.person.id
    own = []
    if card.blocked:
        own.append(await _button(ctx, "button.card.unblock", _action("unblock", uid), viewer))
    elif not card.admin:
        own.append(await _button(ctx, "button.card.block", _action("block", uid), viewer))
    if not card.admin and not card.blocked:
        own.append(await _button(ctx, "button.card.promote", _action("promote", uid), viewer))
    elif card.roles.stored_admin and not card.roles.env_admin and uid != viewer.id:
        own.append(await _button(ctx, "button.card.demote", _action("demote", uid), viewer))
    if own:
        rows.append(own)
    search = await _button(ctx, "button.users.search", AdminCallback(screen="users"), viewer)
    rows.append([search, await back_to_menu_button(ctx, viewer)])
    return _markup(rows)


async def confirm_action_markup(
    ctx: AppContext, viewer: Any, action: str, user_id: int
) -> InlineKeyboardMarkup:
    """Confirm (the second press), or Cancel back to the card."""
    return _markup(
        [
            [
                await _button(
                    ctx, f"button.card.confirm.{action}", _action(action, user_id, True), viewer
                )
            ],
            [await _button(ctx, "button.cancel", UserCardCallback(user_id=user_id), viewer)],
        ]
    )


# ----------------------------------------------------------------------------- statistics


async def stats_markup(
    ctx: AppContext, viewer: Any, rows: list[list[InlineKeyboardButton]]
) -> InlineKeyboardMarkup:
    """The sections' buttons, Refresh, and Back to the main menu."""
    return _markup(
        [
            *rows,
            [await _button(ctx, "button.stats.refresh", StatsCallback(action="refresh"), viewer)],
            [await _button(ctx, "button.back", _main(), viewer)],
        ]
    )
