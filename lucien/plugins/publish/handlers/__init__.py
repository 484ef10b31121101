"""Aiogram routers of the publish plugin: thin, no SQL; the services do the work.

`create_router()` puts the admins' routers under one parent guarded by the admin role
(the composer, broadcasts, channel posts, the scheduled list), then the refusal router (a
non-admin pressing an admin button, or caught in a draft, is told politely), then the
members' router (the reaction buttons under channel posts).
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
from lucien.plugins.publish.handlers import broadcasts, compose, posts, scheduled
from lucien.plugins.publish.handlers.compose import Composer, Moving
from lucien.plugins.publish.keyboards import ADMIN_PREFIXES

log = logging.getLogger("lucien.publish")

ADMIN = "admin"
#: The admins' commands (answered politely to anyone else).
COMMANDS = ("broadcast", "post", "scheduled")


def create_router() -> Router:
    """The plugin's routers under one parent; built fresh per application."""
    root = Router(name="publish")
    root.include_router(guarded_router())
    root.include_router(_refusal_router())
    root.include_router(posts.members_router())
    return root


def guarded_router() -> Router:
    """Every admin route under one role filter on the parent: aiogram checks it before
    any sub-router's handler, so no handler added later escapes it."""
    router = Router(name="publish:guarded")
    router.message.filter(RoleFilter(ADMIN))
    router.callback_query.filter(RoleFilter(ADMIN))
    router.include_router(broadcasts.create_router())
    router.include_router(posts.create_router())
    router.include_router(scheduled.create_router())
    router.include_router(compose.create_router())
    router.include_router(compose.stale_router())
    return router


def _not_admin(event: Any, role: Role | None = None) -> bool:
    return role != ADMIN


def _refusal_router() -> Router:
    """Reached only by non-admins: the admins' routes answered politely, and logged."""
    router = Router(name="publish:refusal")
    router.message.filter(_not_admin)
    router.callback_query.filter(_not_admin)

    @router.message(StateFilter(Composer, Moving))
    async def refuse_draft(message: Message, ctx: AppContext, state: FSMContext) -> Any:
        # A draft left open by someone no longer admin: it ends here.
        await state.clear()
        return message.answer(await ctx.voice.say("publish.forbidden", user=message.from_user))

    @router.message(Command(*COMMANDS))
    async def refuse_command(message: Message, ctx: AppContext, role: Role | None) -> Any:
        log.info(
            "non-admin %s (role %s) sent %s",
            message.from_user and message.from_user.id,
            role,
            message.text,
        )
        user = message.from_user
        markup = InlineKeyboardMarkup(inline_keyboard=[[await back_to_menu_button(ctx, user)]])
        return message.answer(
            await ctx.voice.say("publish.forbidden", user=user), reply_markup=markup
        )

    @router.callback_query(F.data.startswith(ADMIN_PREFIXES))
    async def refuse_callback(query: CallbackQuery, ctx: AppContext, role: Role | None) -> Any:
        log.info("non-admin %s (role %s) pressed %s", query.from_user.id, role, query.data)
        text = await ctx.voice.say("publish.forbidden", user=query.from_user)
        return query.answer(text[:200], show_alert=True)

    return router
