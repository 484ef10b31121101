"""Routers of the built-in plugin: thin, the menu module does the work.

- `core:menu` (included before every plugin's routers): /start without payload, /menu
  and the main-menu button, for every role; and the "Silence 1 h" button under an error
  alert (here rather than in a router of its own: each router costs every update a hop);
- `core:fallback` (included after them all): a /start link nobody claimed, an unknown
  command, a private message outside every prompt, and a button nobody handles (an old
  message, a disabled plugin): each answered, never silence.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from aiogram import F, Router
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.filters import Command, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from lucien.core.context import AppContext
from lucien.core.error_alerts import SilenceCallback, error_alerts
from lucien.core.menus import MenuCallback, back_to_menu_button, edit_or_send, main_menu_markup
from lucien.core.plugin import Role, Welcome

log = logging.getLogger("lucien.menu")


# Back after this long, a visitor is greeted as someone long away, not as a regular: about
# a month, the length of a usual VIP period, so a member who let theirs lapse reads it too.
LONG_ABSENCE = timedelta(days=30)


async def greeting(ctx: AppContext, role: Role | None, user: Any) -> str | Welcome:
    """The /start text: a plugin's welcome for the role if one answers (a `Welcome` with
    its own buttons, or a text), else the voice's, for a first visit, a return or a return
    after a long absence (the role's own lines, and the creator's, are the voice's choice:
    variants for a role)."""
    custom = await ctx.registry.acall_first("lucien_welcome", ctx=ctx, role=role, user=user)
    if isinstance(custom, Welcome) or (isinstance(custom, str) and custom):
        return custom
    key = await greeting_key(ctx, user)
    return await ctx.voice.say(key, user=user, role=role)


async def greeting_key(ctx: AppContext, user: Any) -> str:
    """`greeting.new`, `greeting.returning` or `greeting.long_absence`, by when the user
    was last seen before this update (at most one read by key: `UserTracker.last_seen`)."""
    if user is None:
        return "greeting.new"
    last = await ctx.users.last_seen(user.id)
    if last is None:
        return "greeting.new"
    if ctx.clock.now() - last >= LONG_ABSENCE:
        return "greeting.long_absence"
    return "greeting.returning"


async def menu_header(ctx: AppContext, role: Role | None, user: Any) -> str:
    """The role's own header (`menu.header.<role>`) when declared, else the generic one."""
    key = f"menu.header.{role}"
    if not ctx.app or key not in ctx.app.messages:
        key = "menu.header"
    return await ctx.voice.say(key, user=user, role=role)


def menu_router() -> Router:
    router = Router(name="core:menu")

    # Registered bottom-up: /menu first, then /start, which is checked first (by far the
    # more frequent of the two).
    @router.message(Command("menu"))
    @router.message(CommandStart(deep_link=False))
    async def start(
        message: Message, ctx: AppContext, role: Role | None, state: FSMContext | None = None
    ) -> Any:
        """/start without payload (deep links belong to plugins) and /menu.

        A message without `from` (an anonymous group admin, a channel) has no FSM state
        and no role: it gets the base menu, as anybody would.
        """
        if state is not None:
            await state.clear()  # a fresh menu abandons any half-done conversation
        if role is None:
            role = ctx.roles.base or ""
        user = message.from_user
        said = await greeting(ctx, role, user)
        # /menu asks for the menu itself; /start may be led back to where the user was.
        own_buttons = isinstance(said, Welcome) and said.markup is not None
        if own_buttons and not (message.text or "").startswith("/menu"):
            assert isinstance(said, Welcome)
            if said.shown is None:
                return message.answer(said.text, reply_markup=said.markup)
            await said.shown(await message.answer(said.text, reply_markup=said.markup))
            return None
        text = said.text if isinstance(said, Welcome) else said
        return message.answer(text, reply_markup=await main_menu_markup(ctx, role, user))

    @router.callback_query(MenuCallback.filter(F.screen == "main"))
    async def menu(query: CallbackQuery, ctx: AppContext, role: Role, state: FSMContext) -> Any:
        """Back to the main menu: the screen is edited in place."""
        await state.clear()
        user = query.from_user
        text = await menu_header(ctx, role, user)
        await edit_or_send(query, text, await main_menu_markup(ctx, role, user))
        return query.answer()

    router.callback_query.register(silence_alert, SilenceCallback.filter())
    return router


async def silence_alert(
    query: CallbackQuery, callback_data: SilenceCallback, ctx: AppContext, **_: Any
) -> Any:
    """ "Silence 1 h" under an error alert: that cause, for every admin, for an hour. Only
    the admins (those the alerts go to) may press it; anyone else is politely refused."""
    user = query.from_user
    if user.id not in await ctx.alerts.recipients():
        text = await ctx.voice.say("alert.silence_refused", user=user)
        return query.answer(text[:200], show_alert=True)
    await error_alerts(ctx).silence(callback_data.fp)
    log.info("alert %s silenced for an hour by %s", callback_data.fp, user.id)
    text = await ctx.voice.say("alert.silenced", user=user)
    return query.answer(text[:200], show_alert=True)


def fallback_router() -> Router:
    router = Router(name="core:fallback")

    @router.message(CommandStart(deep_link=True))
    async def unknown_link(message: Message, ctx: AppContext, **_: Any) -> Any:
        """/start with a payload no plugin claimed (an old, mistyped or foreign link):
        say so and offer the menu rather than silence."""
        return await _answer_with_menu(ctx, message, "start.unknown_link")

    @router.message(F.chat.type == "private", F.text.startswith("/"))
    async def unknown_command(message: Message, ctx: AppContext, **_: Any) -> Any:
        """A command no plugin knows: say so and offer the menu, never silence."""
        return await _answer_with_menu(ctx, message, "error.unknown_command")

    @router.message(F.chat.type == "private")
    async def unclaimed_message(
        message: Message, ctx: AppContext, state: FSMContext, **_: Any
    ) -> Any:
        """Text (or anything) outside every prompt: the menu, never silence. When the
        user's conversation could not be read (Redis away), the state backend's line
        says the thread was lost instead."""
        lost = ctx.state.unhandled_reply({"state": state})
        if lost is not UNHANDLED:
            return lost
        return await _answer_with_menu(ctx, message, "fallback.unclaimed")

    @router.callback_query()
    async def stale_button(query: CallbackQuery, ctx: AppContext, **_: Any) -> Any:
        log.info("stale callback %r from user %s", query.data, query.from_user.id)
        text = await ctx.voice.say("menu.stale", user=query.from_user)
        return query.answer(text[:200], show_alert=True)

    return router


async def _answer_with_menu(ctx: AppContext, message: Message, key: str) -> Any:
    user = message.from_user
    text = await ctx.voice.say(key, user=user)
    markup = InlineKeyboardMarkup(inline_keyboard=[[await back_to_menu_button(ctx, user)]])
    return message.answer(text, reply_markup=markup)
