"""Outer middlewares every update goes through: context, role, user tracking, failures."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User

from lucien.core.logging import plugin_var, user_id_var
from lucien.core.roles import resolve_role

if TYPE_CHECKING:
    from lucien.core.context import AppContext

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class UpdateOutcome:
    """Filled while an update is handled, read by the webhook after."""

    __slots__ = ("failed",)

    def __init__(self) -> None:
        self.failed = False


class ContextMiddleware(BaseMiddleware):
    """Give handlers the user's role and remember that the update failed, if it did.

    It sits inside aiogram's ErrorsMiddleware: the exception is recorded here and re-raised
    so the error handler still answers the user.
    """

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        if user is not None and not user.is_bot:
            user_id_var.set(user.id)
            data["role"] = await resolve_role(self.ctx, user.id)
            self.ctx.users.seen(user)
        else:
            data["role"] = None
        try:
            return await handler(event, data)
        except Exception:
            outcome: UpdateOutcome | None = data.get("outcome")
            if outcome is not None:
                outcome.failed = True
            raise


class PluginTagMiddleware(BaseMiddleware):
    """Name the plugin whose handler runs, for logs and errors."""

    def __init__(self, name: str) -> None:
        self.name = name

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        token = plugin_var.set(self.name)
        data["plugin_name"] = self.name
        result = await handler(event, data)
        # Left set when the handler raised: the error handler, in the same task, logs it.
        plugin_var.reset(token)
        return result
