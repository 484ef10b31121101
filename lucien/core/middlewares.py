"""Outer middlewares every update goes through: context, role, user tracking, failures."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection
from typing import TYPE_CHECKING, Any

from aiogram import BaseMiddleware, Router
from aiogram.dispatcher.event.bases import UNHANDLED
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
    so the error handler still answers the user. It also sits inside aiogram's FSM
    middleware (registered after it), so an update nobody handled because the user's
    state was unreachable gets the state backend's polite reply here (what
    `StateBackend.setup` would register as a middleware layer of its own).
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
            result = await handler(event, data)
        except Exception:
            outcome: UpdateOutcome | None = data.get("outcome")
            if outcome is not None:
                outcome.failed = True
            raise
        if result is UNHANDLED:
            return self.ctx.state.unhandled_reply(data)
        return result


def tag_handlers(router: Router, name: str, skip: Collection[str] = ()) -> None:
    """Name plugin `name` while any handler of `router` (and its sub-routers) runs.

    Each handler's callback is wrapped once, at startup: an inner middleware doing the
    same would cost a middleware layer on every update. aiogram has already read the
    original callback's signature and flags into the HandlerObject (which arguments to
    pass, whether it is a coroutine), so the wrapper receives the same arguments; it is
    itself a coroutine, and runs a plain function in a thread as aiogram would have.
    Handlers may also ask for `plugin_name`, as they could of the former middleware.
    """
    for sub in router.chain_tail:
        for observer_name, observer in sub.observers.items():
            if observer_name in skip:
                continue
            for handler in observer.handlers:
                wants_name = handler.varkw or "plugin_name" in handler.params
                handler.callback = _tagged(handler.callback, name, handler.awaitable, wants_name)
                handler.awaitable = True


def _tagged(
    callback: Callable[..., Any], name: str, awaitable: bool, wants_name: bool
) -> Callable[..., Awaitable[Any]]:
    async def tagged(*args: Any, **kwargs: Any) -> Any:
        token = plugin_var.set(name)
        if wants_name:
            kwargs["plugin_name"] = name
        if awaitable:
            result = await callback(*args, **kwargs)
        else:
            result = await asyncio.to_thread(callback, *args, **kwargs)
        # Left set when the handler raised: the error handler, in the same task, logs it.
        plugin_var.reset(token)
        return result

    tagged.__qualname__ = f"{getattr(callback, '__qualname__', 'handler')}[{name}]"
    return tagged
