"""Aiogram routers of the diagnostics plugin: thin, no SQL; services do the work.

- `diagnostics:guarded` — /diag, /run_tests [plugin], /profile [seconds] and the menu
  screen; guarded at router level by `RoleFilter("admin")`;
- `diagnostics:refusal` — the same commands and callbacks from anyone else: a polite
  refusal (the guard logged it).
"""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from lucien.core.context import AppContext
from lucien.core.filters import RoleFilter
from lucien.core.menus import back_to_menu_button, edit_or_send
from lucien.plugins.diagnostics.keyboards import (
    DiagCallback,
    DiagPageCallback,
    back_markup,
    menu_markup,
)
from lucien.plugins.diagnostics.services import Outcome, diagnostics_service

COMMANDS: tuple[str, ...] = ("diag", "run_tests", "profile")
DEFAULT_PROFILE_SECONDS = 10.0


def create_router() -> Router:
    """A fresh router per application (a router can only be attached to one parent)."""
    root = Router(name="diagnostics")
    root.include_router(_guarded_router())
    root.include_router(_refusal_router())
    return root


async def _answer(message: Message, ctx: AppContext, outcome: Outcome) -> Any:
    if outcome.key is None:  # the service already sent what the admin sees
        return None
    return message.answer(
        await ctx.voice.say(outcome.key, user=message.from_user, **outcome.context)
    )


async def _report(ctx: AppContext, user: Any, page: int = 0) -> tuple[str, Any]:
    """A page of the report and its buttons (arrows when there are several)."""
    text, page, pages = await diagnostics_service(ctx).report_page(user, page)
    return text, await back_markup(ctx, user, page, pages)


def _seconds(args: str | None) -> float:
    try:
        return float(args) if args else DEFAULT_PROFILE_SECONDS
    except ValueError:
        return DEFAULT_PROFILE_SECONDS


def _guarded_router() -> Router:
    router = Router(name="diagnostics:guarded")
    router.message.filter(RoleFilter("admin"))
    router.callback_query.filter(RoleFilter("admin"))

    @router.message(Command("diag"))
    async def diag(message: Message, ctx: AppContext) -> Any:
        text, markup = await _report(ctx, message.from_user)
        return message.answer(text, reply_markup=markup)

    @router.message(Command("run_tests"))
    async def run_tests(message: Message, command: CommandObject, ctx: AppContext) -> Any:
        plugin = (command.args or "").strip() or None
        outcome = await diagnostics_service(ctx).start_test_run(
            message.from_user, message.chat.id, plugin
        )
        return await _answer(message, ctx, outcome)

    @router.message(Command("profile"))
    async def profile(message: Message, command: CommandObject, ctx: AppContext) -> Any:
        outcome = await diagnostics_service(ctx).start_profile(
            message.from_user, message.chat.id, _seconds(command.args)
        )
        return await _answer(message, ctx, outcome)

    @router.callback_query(DiagCallback.filter())
    async def screen(query: CallbackQuery, callback_data: DiagCallback, ctx: AppContext) -> Any:
        user, service = query.from_user, diagnostics_service(ctx)
        if callback_data.action == "report":
            await edit_or_send(query, *(await _report(ctx, user)))
        elif callback_data.action in ("tests", "profile"):
            if callback_data.action == "tests":
                outcome = await service.start_test_run(user, user.id, None)
            else:
                outcome = await service.start_profile(user, user.id, DEFAULT_PROFILE_SECONDS)
            if outcome.key is not None:
                text = await ctx.voice.say(outcome.key, user=user, **outcome.context)
                await ctx.bot.send_message(user.id, text)
        else:
            text = await ctx.voice.say("diagnostics.menu.header", user=user)
            await edit_or_send(query, text, await menu_markup(ctx, user))
        return query.answer()

    @router.callback_query(DiagPageCallback.filter())
    async def report_page(
        query: CallbackQuery, callback_data: DiagPageCallback, ctx: AppContext
    ) -> Any:
        """Another page of the report, in place (the report is read again: it is now's)."""
        await edit_or_send(query, *(await _report(ctx, query.from_user, callback_data.page)))
        return query.answer()

    return router


def _refusal_router() -> Router:
    """Reached only by non-admins: the guarded router took every admin's update."""
    router = Router(name="diagnostics:refusal")

    @router.message(Command(*COMMANDS))
    async def refuse_command(message: Message, ctx: AppContext) -> Any:
        user = message.from_user
        # Refused, but not left stranded: the way back to the menu comes with the line.
        markup = InlineKeyboardMarkup(inline_keyboard=[[await back_to_menu_button(ctx, user)]])
        text = await ctx.voice.say("diagnostics.forbidden", user=user)
        return message.answer(text, reply_markup=markup)

    @router.callback_query(DiagCallback.filter())
    @router.callback_query(DiagPageCallback.filter())
    async def refuse_callback(query: CallbackQuery, ctx: AppContext) -> Any:
        text = await ctx.voice.say("diagnostics.forbidden", user=query.from_user)
        return query.answer(text, show_alert=True)

    return router
