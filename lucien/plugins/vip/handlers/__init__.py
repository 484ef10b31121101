"""Aiogram routers of the vip plugin: thin, no SQL; `VipService` does the work.

`create_router()` puts two routers under one parent: the admins' one (guarded once, at its
own level, with the plan screens of `admin_plans.py` and the token screens of
`admin_tokens.py` under it) and the members' one of `members.py` (redemption by deep link
or pasted token, the VIP menu, the channel link, and the VIP channel's chat_member updates).
"""

from __future__ import annotations

from aiogram import Router

from lucien.core.filters import RoleFilter
from lucien.plugins.vip.handlers import admin_plans, admin_tokens, members


def create_router() -> Router:
    """The plugin's routers under one parent; built fresh per application."""
    root = Router(name="vip")
    root.include_router(_admin_router())
    root.include_router(members.create_router())
    return root


def _admin_router() -> Router:
    # The role filter sits on the parent: aiogram checks it before any sub-router's handler.
    router = Router(name="vip.admin")
    router.message.filter(RoleFilter("admin"))
    router.callback_query.filter(RoleFilter("admin"))
    router.include_router(admin_plans.create_router())
    router.include_router(admin_tokens.create_router())
    return router


__all__ = ["create_router"]
