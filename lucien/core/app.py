"""The aiogram side of the application: Bot, Dispatcher, plugin routers, error handling."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.types import ErrorEvent

from lucien.core.effects import OUTCOME, is_transient, track_effects
from lucien.core.error_alerts import report_handler_failure
from lucien.core.framing import frame_point
from lucien.core.logging import plugin_var
from lucien.core.middlewares import ContextMiddleware, tag_handlers

if TYPE_CHECKING:
    from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage

    from lucien.core.context import AppContext

log = logging.getLogger("lucien.app")

# Observers whose handlers are not tagged with the plugin name.
_UNTAGGED_OBSERVERS = frozenset({"update", "error"})


def create_bot(token: str, api_url: str | None = None) -> Bot:
    """A Bot speaking HTML, pointed at a custom Bot API server when one is configured."""
    session = None
    if api_url:
        session = AiohttpSession(api=TelegramAPIServer.from_base(api_url.rstrip("/")))
    bot = Bot(token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    track_effects(bot)
    return bot


def build_dispatcher(
    ctx: AppContext, storage: BaseStorage, events_isolation: BaseEventIsolation
) -> Dispatcher:
    """The root dispatcher: one parent router per enabled plugin, then its routers."""
    dp = Dispatcher(storage=storage, events_isolation=events_isolation, ctx=ctx)
    # The voice is known by now: its frame goes on the bot's session here, and on the
    # replies handlers return in the context middleware (the same framer).
    frame_point(ctx)
    # Also answers for the state backend when Redis was unreachable (no setup(dp) layer).
    dp.update.outer_middleware(ContextMiddleware(ctx))
    _include_routers(dp, ctx, "lucien_routers")
    # Catch-alls come after every plugin's routers (the built-in plugin's fallbacks).
    _include_routers(dp, ctx, "lucien_fallback_routers")
    dp.errors.register(_on_error)
    return dp


def _include_routers(dp: Dispatcher, ctx: AppContext, hook: str) -> None:
    """Each enabled plugin's routers from `hook`, under one router per plugin; a plugin
    whose routers cannot be built or attached fails alone."""
    for record, routers in ctx.registry.call_each(hook, ctx=ctx, fail=True):
        try:
            plugin_router = _plugin_router(record.name, list(routers))
            if plugin_router is None:
                continue
            # Every handler of the plugin names it for logs and errors (an inner middleware).
            tag_handlers(plugin_router, record.name, skip=_UNTAGGED_OBSERVERS)
            dp.include_router(plugin_router)
        except Exception as exc:
            ctx.registry.fail(record.name, f"{hook}: {exc!r}")


def _plugin_router(name: str, routers: list[Router]) -> Router | None:
    """The one router under which a plugin's routers hang in the dispatcher.

    A plugin that gives one (detached) root router has it used as is; several are
    grouped under a parent named `plugin:<name>`. Routers without a handler or a
    middleware anywhere are left out: every router an update passes through costs a
    few aiogram calls, on every update.
    """
    routers = [r for r in routers if _routes_anything(r)]
    if not routers:
        return None
    if len(routers) == 1 and routers[0].parent_router is None:
        return routers[0]
    parent = Router(name=f"plugin:{name}")
    for router in routers:
        parent.include_router(router)
    return parent


def _routes_anything(router: Router) -> bool:
    """Whether anything is registered on the router tree by now (build time)."""
    return any(
        r.startup.handlers
        or r.shutdown.handlers
        or any(
            observer.handlers or observer.middleware or observer.outer_middleware
            for observer in r.observers.values()
        )
        for r in router.chain_tail
    )


async def _on_error(event: ErrorEvent, ctx: AppContext, **_: Any) -> bool:
    """Log the failure with its update and plugin, and apologise to the user; or, when it
    was a passing fault before anything happened, leave it for Telegram's redelivery."""
    update = event.update
    plugin = plugin_var.get() or "core"
    outcome = OUTCOME.get()
    if outcome is not None and outcome.retryable and is_transient(event.exception):
        outcome.retry = True
        log.warning(
            "update %s: %r in plugin %s before any effect; left for redelivery",
            update.update_id,
            event.exception,
            plugin,
            extra={"plugin": plugin, "update_id": update.update_id},
        )
        return True
    log.error(
        "update %s failed in plugin %s: %r",
        update.update_id,
        plugin,
        event.exception,
        exc_info=event.exception,
        extra={"plugin": plugin, "update_id": update.update_id},
    )
    # (An update that could not reach its user's state is answered by the state backend
    # with `error.state_unavailable` before any handler; what reaches here is a bug.)
    key = "error.generic"
    user = update.event.from_user if hasattr(update.event, "from_user") else None
    try:
        text = await ctx.voice.say(key, user=user)
        if update.callback_query is not None:
            await update.callback_query.answer(text[:200], show_alert=True)
        elif update.message is not None and update.message.chat.type == "private":
            await update.message.answer(text)
    except Exception as exc:  # the apology itself must never raise
        log.warning("could not apologise for update %s: %r", update.update_id, exc)
    await report_handler_failure(ctx, event.exception, plugin)  # the admins, Sentry
    return True
