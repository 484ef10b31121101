"""Aiogram routers of the content plugin: thin, no SQL; `ContentService` does the work.

`create_router()` puts three routers under one parent: the admins' one (guarded once, at
its own level, with the packages' screens of `admin_packages.py`, the form of
`admin_form.py` and the interests of `admin_interests.py` under it), the refusal one
(a non-admin pressing an admin button or caught in the form's states is told politely),
and the users' one of `users.py` (lists, detail, "Me interesa").
"""

from __future__ import annotations

import logging
from typing import Any

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from lucien.core.context import AppContext
from lucien.core.filters import RoleFilter
from lucien.core.plugin import Role
from lucien.plugins.content.handlers import admin_form, admin_interests, admin_packages, users
from lucien.plugins.content.handlers.admin_form import PackageForm
from lucien.plugins.content.handlers.common import alert_text
from lucien.plugins.content.keyboards import ContentAdmin, ContentInbox

log = logging.getLogger("lucien.content")

ADMIN = "admin"
#: Callback prefixes of the admins' buttons (the refusal router answers them).
ADMIN_PREFIXES = (f"{ContentAdmin.__prefix__}:", f"{ContentInbox.__prefix__}:")


def create_router() -> Router:
    """The plugin's routers under one parent; built fresh per application."""
    root = Router(name="content")
    root.include_router(guarded_router())
    root.include_router(_refusal_router())
    root.include_router(users.create_router())
    return root


def guarded_router() -> Router:
    """Every admin route, under one role filter on the parent: aiogram checks it before
    any sub-router's handler, so no handler added later escapes it."""
    router = Router(name="content:guarded")
    router.message.filter(RoleFilter(ADMIN))
    router.callback_query.filter(RoleFilter(ADMIN))
    router.include_router(admin_packages.create_router())
    router.include_router(admin_form.create_router())
    router.include_router(admin_interests.create_router())
    return router


def _not_admin(event: Any, role: Role | None = None) -> bool:
    return role != ADMIN


def _refusal_router() -> Router:
    """Reached only by non-admins: the admins' routes answered politely, and logged."""
    router = Router(name="content:refusal")
    router.message.filter(_not_admin)
    router.callback_query.filter(_not_admin)

    @router.message(StateFilter(*PackageForm.__all_states__))
    async def refuse_message(
        message: Message, ctx: AppContext, role: Role | None, state: FSMContext
    ) -> Any:
        # A form left open by someone no longer admin: it ends here.
        log.warning(
            "non-admin %s (role %s) answered the package form",
            message.from_user.id if message.from_user else None,
            role,
        )
        await state.clear()
        return message.answer(await ctx.voice.say("content.forbidden", user=message.from_user))

    @router.callback_query(F.data.startswith(ADMIN_PREFIXES))
    async def refuse_callback(query: CallbackQuery, ctx: AppContext, role: Role | None) -> Any:
        log.warning(
            "non-admin %s (role %s) pressed content admin button %r",
            query.from_user.id,
            role,
            query.data,
        )
        text = await ctx.voice.say("content.forbidden", user=query.from_user)
        return query.answer(alert_text(text), show_alert=True)

    return router


__all__ = ["ADMIN_PREFIXES", "create_router", "guarded_router"]
