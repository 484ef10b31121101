"""Aiogram routers of the dashboard plugin: thin, no SQL; services do the work.

- `dashboard:guarded` — /dashboard sends the admin a one-time login link; guarded at
  router level by `RoleFilter("admin")`;
- `dashboard:refusal` — /dashboard from anyone else: a polite refusal.
"""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import LinkPreviewOptions, Message

from lucien.core.context import AppContext
from lucien.core.filters import RoleFilter
from lucien.plugins.dashboard.services import auth, login_url

# A link preview would make Telegram's servers open the link first and use it up.
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def create_router() -> Router:
    """A fresh router per application (a router can only be attached to one parent)."""
    root = Router(name="dashboard")
    root.include_router(_guarded_router())
    root.include_router(_refusal_router())
    return root


def _guarded_router() -> Router:
    router = Router(name="dashboard:guarded")
    # The command first: the role filter logs each refusal, and every other message of
    # every user would otherwise be "refused" here (a log line per update, 25% more CPU).
    router.message.filter(Command("dashboard"), RoleFilter("admin"))

    @router.message()
    async def dashboard(message: Message, ctx: AppContext) -> Any:
        user = message.from_user
        if user is None or message.chat.type != "private":
            return None  # a link for one person is never posted in a group
        url = login_url(ctx, user.id, user.language_code)
        minutes = f"{auth(ctx).settings.link_minutes:g}"
        text = await ctx.voice.say("dashboard.link", user=user, url=url, minutes=minutes)
        return message.answer(text, link_preview_options=NO_PREVIEW)

    return router


def _refusal_router() -> Router:
    """Reached only by non-admins: the guarded router took every admin's /dashboard."""
    router = Router(name="dashboard:refusal")

    @router.message(Command("dashboard"))
    async def refuse(message: Message, ctx: AppContext) -> Any:
        return message.answer(await ctx.voice.say("dashboard.forbidden", user=message.from_user))

    return router
