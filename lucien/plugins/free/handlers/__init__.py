"""Aiogram routers of the free plugin: thin, no SQL; `FreeService` does the work.

`create_router()` puts three routers under one parent: the admins' one (guarded once, at
its own level: the Free queue and the actions of the user card, in `admin.py`), the
refusal one (a non-admin pressing an admin button is told politely, and it is logged),
and the users' one of `members.py` (join requests, the vestibule, what VIP offers).
`sections.py` renders the plugin's sections of the admins' user card and statistics.
"""

from __future__ import annotations

import logging
from typing import Any

from aiogram import F, Router
from aiogram.types import CallbackQuery

from lucien.core.context import AppContext
from lucien.core.filters import RoleFilter
from lucien.core.plugin import Role
from lucien.plugins.free.handlers import admin, members
from lucien.plugins.free.keyboards import FreeQueue

log = logging.getLogger("lucien.access")

ADMIN = "admin"
#: Callback prefix of the admins' buttons (the refusal router answers them).
ADMIN_PREFIX = f"{FreeQueue.__prefix__}:"


def create_router() -> Router:
    """The plugin's routers under one parent; built fresh per application."""
    root = Router(name="free")
    root.include_router(guarded_router())
    root.include_router(_refusal_router())
    root.include_router(members.create_router())
    return root


def guarded_router() -> Router:
    """Every admin route, under one role filter on the parent: aiogram checks it before any
    sub-router's handler, so no handler added later escapes it."""
    router = Router(name="free:guarded")
    router.message.filter(RoleFilter(at_least=ADMIN))
    router.callback_query.filter(RoleFilter(at_least=ADMIN))
    router.include_router(admin.create_router())
    return router


def _not_admin(event: Any, role: Role | None = None, ctx: AppContext | None = None) -> bool:
    if role is None or ctx is None:
        return True
    return role not in ctx.roles.at_least(ADMIN)


def _refusal_router() -> Router:
    """Reached only by non-admins: an admin button (an old message, forged data) is
    answered politely, and logged."""
    router = Router(name="free:refusal")
    router.callback_query.filter(_not_admin)

    @router.callback_query(F.data.startswith(ADMIN_PREFIX))
    async def refuse(query: CallbackQuery, ctx: AppContext, role: Role | None) -> Any:
        log.warning(
            "non-admin %s (role %s) pressed free admin button %r",
            query.from_user.id,
            role,
            query.data,
        )
        text = await ctx.voice.say("free.admin.forbidden", user=query.from_user)
        return query.answer(text[:200], show_alert=True)

    return router


__all__ = ["ADMIN_PREFIX", "create_router", "guarded_router"]
