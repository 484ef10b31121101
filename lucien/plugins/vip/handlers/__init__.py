"""Aiogram routers of the vip plugin: thin, no SQL; `VipService` does the work.

`create_router()` puts three routers under one parent: the admins' one (guarded once, at
its own level, with the plan screens of `admin_plans.py`, the token screens of
`admin_tokens.py`, the user card's VIP actions of `admin_card.py` and the subscriber
list of `admin_subscribers.py` under it), the refusal one (a non-admin pressing an
admin's button, sending an admin's command or caught in an admin's prompt is told
politely), and the members' one of
`members.py` (redemption by deep link or pasted token, the VIP menu, the channel link,
and the VIP channel's chat_member updates).
"""

from __future__ import annotations

import logging
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from lucien.core.context import AppContext
from lucien.core.filters import RoleFilter
from lucien.core.menus import back_to_menu_button
from lucien.core.plugin import Role
from lucien.plugins.vip.handlers import (
    admin_card,
    admin_plans,
    admin_subscribers,
    admin_tokens,
    members,
)
from lucien.plugins.vip.handlers.admin_card import CardForm
from lucien.plugins.vip.handlers.admin_plans import PlanForm
from lucien.plugins.vip.handlers.admin_tokens import TokenForm
from lucien.plugins.vip.keyboards import VipAdmin, VipCard, VipSubs

log = logging.getLogger("lucien.vip")

ADMIN = "admin"
#: Callback prefixes of the admins' buttons, their commands and their prompts' states
#: (the refusal router answers them).
ADMIN_PREFIXES = tuple(f"{cls.__prefix__}:" for cls in (VipAdmin, VipCard, VipSubs))
ADMIN_COMMANDS = ("vipadmin", "vipsubs")
ADMIN_STATES = (*PlanForm.__all_states__, *TokenForm.__all_states__, *CardForm.__all_states__)


def create_router() -> Router:
    """The plugin's routers under one parent; built fresh per application."""
    root = Router(name="vip")
    root.include_router(guarded_router())
    root.include_router(_refusal_router())
    root.include_router(members.create_router())
    return root


def guarded_router() -> Router:
    """Every admin route, under one role filter on the parent: aiogram checks it before
    any sub-router's handler, so no handler added later escapes it."""
    router = Router(name="vip.admin")
    router.message.filter(RoleFilter(ADMIN))
    router.callback_query.filter(RoleFilter(ADMIN))
    router.include_router(admin_plans.create_router())
    router.include_router(admin_tokens.create_router())
    router.include_router(admin_card.create_router())
    router.include_router(admin_subscribers.create_router())
    return router


def _not_admin(event: Any, role: Role | None = None) -> bool:
    return role != ADMIN


def _refusal_router() -> Router:
    """Reached only by non-admins: the admins' buttons answered politely, and logged."""
    router = Router(name="vip.refusal")
    router.message.filter(_not_admin)
    router.callback_query.filter(_not_admin)

    @router.message(Command(*ADMIN_COMMANDS))
    @router.message(StateFilter(*ADMIN_STATES))
    async def refuse_message(
        message: Message, ctx: AppContext, role: Role | None, state: FSMContext
    ) -> Any:
        # A prompt left open by someone no longer admin ends here.
        log.warning(
            "non-admin %s (role %s) sent a VIP admin command or answered a VIP admin prompt",
            message.from_user.id if message.from_user else None,
            role,
        )
        await state.clear()
        user = message.from_user
        # Refused, but not left stranded: the way back to the menu comes with the line.
        markup = InlineKeyboardMarkup(inline_keyboard=[[await back_to_menu_button(ctx, user)]])
        return message.answer(await ctx.voice.say("vip.forbidden", user=user), reply_markup=markup)

    @router.callback_query(F.data.startswith(ADMIN_PREFIXES))
    async def refuse_callback(query: CallbackQuery, ctx: AppContext, role: Role | None) -> Any:
        log.warning(
            "non-admin %s (role %s) pressed VIP admin button %r",
            query.from_user.id,
            role,
            query.data,
        )
        text = await ctx.voice.say("vip.forbidden", user=query.from_user)
        return query.answer(text[:200], show_alert=True)

    return router


__all__ = ["ADMIN_PREFIXES", "create_router", "guarded_router"]
