"""Middlewares: the outer one every update goes through (context, role, user tracking,
failures) and the inner one naming the plugin whose handler runs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from typing import TYPE_CHECKING, Any

from aiogram import BaseMiddleware, Router
from aiogram.dispatcher.event.bases import UNHANDLED, CancelHandler, SkipHandler
from aiogram.types import TelegramObject, Update, User

from lucien.core.effects import OUTCOME
from lucien.core.flood import FloodControl, Verdict
from lucien.core.framing import frame_point
from lucien.core.logging import plugin_var, user_id_var
from lucien.core.roles import resolve_role

if TYPE_CHECKING:
    from lucien.core.context import AppContext

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class ContextMiddleware(BaseMiddleware):
    """Give handlers the user's role, remember that the update failed, if it did, and
    frame the reply a handler returns (`lucien.core.framing`: the webhook sends it in its
    response body, past the session's own framing).

    It sits inside aiogram's ErrorsMiddleware: the exception is recorded here and re-raised
    so the error handler still answers the user. It also sits inside aiogram's FSM
    middleware (registered after it), so an update nobody handled because the user's
    state was unreachable gets the state backend's polite reply here (what
    `StateBackend.setup` would register as a middleware layer of its own).

    The user is recorded (`UserTracker.seen`) after the handler: what a handler reads of
    their record (when they were last seen, for the greeting) is what was stored before
    this update.
    """

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.flood = FloodControl(ctx)
        self.framer = frame_point(ctx)

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None or user.is_bot:
            data["role"] = None
            return self.framer.method(await self._handle(handler, event, data))
        try:
            return self.framer.method(await self._for_user(user, handler, event, data))
        finally:
            self.ctx.users.seen(user)

    async def _for_user(
        self, user: User, handler: Handler, event: TelegramObject, data: dict[str, Any]
    ) -> Any:
        user_id_var.set(user.id)
        role = data["role"] = await resolve_role(self.ctx, user.id)
        # Blocked by an admin: what they send the bot is refused here, once for every
        # plugin (admins never are). A join request is not sent to the bot: it goes on
        # to its plugin, or it would be left pending in the channel for ever.
        if (
            role != self.top_role
            and isinstance(event, Update)
            and _limited(event)
            and await self.ctx.users.is_blocked(user.id)
        ):
            return await self._refuse_blocked(event, user)
        if (
            self.flood.enabled
            and isinstance(event, Update)
            and _limited(event)
            and not self.flood.exempt(role)
        ):
            verdict = await self.flood.check(user.id)
            if verdict is not Verdict.ALLOW:
                return await self._refuse(event, user, verdict)
        if isinstance(event, Update) and _leaves_prompt(event):
            state = data.get("state")
            if state is not None and await state.get_state() is not None:
                # A command typed into a prompt is the user changing their mind: the
                # prompt ends and the command does what it says (never taken as a value).
                await state.clear()
                # aiogram's FSM middleware read the state before this one ran, and the
                # routers' state filters look at that reading: the prompt's own handler
                # would take the command (an admin's /vip in a config prompt was answered
                # "this menu is out of date").
                data["raw_state"] = None
        return await self._handle(handler, event, data)

    async def _handle(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        try:
            result = await handler(event, data)
        except Exception:
            outcome = OUTCOME.get()
            if outcome is not None:
                outcome.failed = True
            raise
        if result is UNHANDLED:
            return self.ctx.state.unhandled_reply(data)
        return result

    @property
    def top_role(self) -> str | None:
        """The highest-ranked role above everyone's (admins): never blocked, never asked."""
        names = self.ctx.roles.names
        return names[0] if len(names) > 1 else None

    async def _refuse_blocked(self, event: Update, user: User) -> Any:
        """The first update after the block gets one line; the rest get silence (a
        pressed button is still answered, else it spins until Telegram gives up)."""
        query = event.callback_query
        if await self.ctx.users.tell_blocked_once(user.id):
            text = await self.ctx.voice.say("error.blocked", user=user)
            if query is not None:
                return query.answer(text=text[:200], show_alert=True)
            if event.message is not None:
                return event.message.answer(text)
        return query.answer() if query is not None else None

    async def _refuse(self, update: Update, user: User, verdict: Verdict) -> Any:
        """Count a refused update; answer `error.too_fast` to the first of a streak."""
        metrics = getattr(self.ctx.app, "metrics", None)
        if metrics is not None:
            metrics.flood_dropped.inc()
        if verdict is Verdict.TELL:
            text = await self.ctx.voice.say("error.too_fast", user=user)
            if update.callback_query is not None:
                return update.callback_query.answer(text=text[:200])
            if update.message is not None:
                return update.message.answer(text)
        elif update.callback_query is not None:
            # Answered anyway, else the user's button spins until Telegram gives up.
            return update.callback_query.answer()
        return None


# Commands whose own handler already ends any prompt (and a bare /start is the hot path).
_SELF_CLEARING = ("/start", "/menu")


def _leaves_prompt(update: Update) -> bool:
    """A private command other than a bare /start or /menu (their handler clears the
    state itself); a /start with a payload is a link followed, and leaves too."""
    message = update.message
    if message is None or message.chat.type != "private":
        return False
    text = message.text
    if not text or text[0] != "/":
        return False
    words = text.split(maxsplit=1)
    return len(words) > 1 or words[0].split("@", 1)[0] not in _SELF_CLEARING


def _limited(update: Update) -> bool:
    """Flood control applies to what a user sends the bot: private messages and button
    presses (never join requests or membership changes, which are not the user's to repeat)."""
    message = update.message
    if message is not None:
        return message.chat.type == "private"
    return update.callback_query is not None


class PluginTag(BaseMiddleware):
    """Name plugin `name` while one of its handlers runs (logs, the error handler), and
    pass it to handlers that ask for `plugin_name`.

    An inner middleware: aiogram runs it only once a handler's filters have matched, so
    an update costs one call here, in the plugin that handles it, and none elsewhere.
    An exception escaping the handler is counted for the plugin (`lucien_handler_failures`).
    """

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        token = plugin_var.set(self.name)
        data["plugin_name"] = self.name
        try:
            result = await handler(event, data)
        except (SkipHandler, CancelHandler):
            raise  # aiogram's flow control, not a failure
        except Exception:
            # Left set when the handler raised: the error handler, in the same task, logs it.
            _count_failure(data, self.name)
            raise
        plugin_var.reset(token)
        return result


def _count_failure(data: dict[str, Any], plugin: str) -> None:
    """`lucien_handler_failures{plugin}` (off the hot path: only when a handler raised)."""
    metrics = getattr(getattr(data.get("ctx"), "app", None), "metrics", None)
    if metrics is not None:
        metrics.handler_failures.labels(plugin).inc()


def tag_handlers(router: Router, name: str, skip: Collection[str] = ()) -> None:
    """Tag every handler of `router` and its sub-routers with plugin `name` (`PluginTag`).

    Registered on the router's own observers: aiogram applies a router's inner
    middlewares to the handlers of the routers included under it too.
    """
    tag = PluginTag(name)
    for observer_name, observer in router.observers.items():
        if observer_name not in skip:
            observer.middleware(tag)
