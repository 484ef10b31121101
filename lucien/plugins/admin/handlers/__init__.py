"""Aiogram routers of the admin plugin: thin, no SQL; services do the work.

Two routers, in this order, under the plugin's router:

- `admin:guarded` — every admin screen; guarded at router level by `RoleFilter("admin")`
  (aiogram checks it before any sub-router's handler, so no handler added under it can
  escape the check): the settings screens of `settings.py`, finding users and their card
  in `users.py`, the statistics in `stats.py`;
- `admin:refusal` — what a non-admin reaches when they try an admin command, an admin
  callback (old message, forged data) or an admin FSM state: a polite refusal, logged.
"""

from __future__ import annotations

import logging
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from lucien.core.context import AppContext
from lucien.core.filters import RoleFilter
from lucien.core.menus import back_to_menu_button
from lucien.core.plugin import Role
from lucien.plugins.admin.handlers import settings, stats, users
from lucien.plugins.admin.keyboards import ADMIN_CALLBACKS

log = logging.getLogger("lucien.access")

ADMIN_STATES: tuple[type[StatesGroup], ...] = (*settings.SETTINGS_STATES, *users.USERS_STATES)
ADMIN_COMMANDS: tuple[str, ...] = (
    *settings.SETTINGS_COMMANDS,
    *users.USERS_COMMANDS,
    *stats.STATS_COMMANDS,
)


def create_router() -> Router:
    """A fresh router per application (a router can only be attached to one parent)."""
    root = Router(name="admin")
    root.include_router(_guarded_router())
    root.include_router(_refusal_router())
    return root


def _guarded_router() -> Router:
    router = Router(name="admin:guarded")
    router.message.filter(RoleFilter("admin"))
    router.callback_query.filter(RoleFilter("admin"))
    router.include_router(settings.create_router())
    router.include_router(users.create_router())
    router.include_router(stats.create_router())
    return router


# ----------------------------------------------------------------------------- refusals


def _not_admin(event: Any, role: Role | None = None) -> bool:
    return role != "admin"


_ADMIN_PREFIXES = tuple(f"{cls.__prefix__}:" for cls in ADMIN_CALLBACKS)


def _refusal_router() -> Router:
    """Reached only by non-admins: admin routes answered politely, and logged."""
    router = Router(name="admin:refusal")
    router.message.filter(_not_admin)
    router.callback_query.filter(_not_admin)

    @router.message(Command(*ADMIN_COMMANDS))
    @router.message(StateFilter(*ADMIN_STATES))
    async def refuse_message(
        message: Message, ctx: AppContext, role: Role | None, state: FSMContext | None = None
    ) -> Any:
        # No state without a sender (an anonymous group admin): refused all the same.
        log.warning(
            "non-admin %s (role %s) tried admin message %r",
            message.from_user.id if message.from_user else None,
            role,
            (message.text or "")[:64],
        )
        if state is not None:
            await state.clear()
        user = message.from_user
        # The line promises the way back to the menu: it comes with it.
        markup = InlineKeyboardMarkup(inline_keyboard=[[await back_to_menu_button(ctx, user)]])
        return message.answer(
            await ctx.voice.say("admin.forbidden", user=user), reply_markup=markup
        )

    @router.callback_query(F.data.startswith(_ADMIN_PREFIXES))
    async def refuse_callback(query: CallbackQuery, ctx: AppContext, role: Role | None) -> Any:
        log.warning(
            "non-admin %s (role %s) pressed admin button %r", query.from_user.id, role, query.data
        )
        return query.answer(
            await ctx.voice.say("admin.forbidden", user=query.from_user), show_alert=True
        )

    return router
