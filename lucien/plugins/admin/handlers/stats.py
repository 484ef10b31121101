"""The statistics screen: the admin menu's "Estadísticas" and /stats (under the guarded
parent of `handlers/__init__.py`). The figures come cached for a minute; Refresh builds
them anew.
"""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from lucien.core.context import AppContext
from lucien.plugins.admin import keyboards as kb
from lucien.plugins.admin.handlers.common import edit
from lucien.plugins.admin.keyboards import AdminCallback, StatsCallback
from lucien.plugins.admin.services import statistics_service

STATS_COMMANDS: tuple[str, ...] = ("stats",)


async def _view(ctx: AppContext, viewer: Any, *, refresh: bool = False) -> tuple[str, Any]:
    screen = await statistics_service(ctx).screen(viewer, refresh=refresh)
    return screen.text, await kb.stats_markup(ctx, viewer, screen.rows)


def create_router() -> Router:
    """The statistics screen; the parent router checks the role."""
    router = Router(name="admin:stats")

    @router.message(Command("stats"))
    async def stats_command(message: Message, ctx: AppContext, state: FSMContext) -> Any:
        await state.clear()
        text, markup = await _view(ctx, message.from_user)
        return message.answer(text, reply_markup=markup)

    @router.callback_query(AdminCallback.filter(F.screen == "stats"))
    async def stats_menu(query: CallbackQuery, ctx: AppContext, state: FSMContext) -> Any:
        await state.clear()
        await edit(query, *(await _view(ctx, query.from_user)))
        return query.answer()

    @router.callback_query(StatsCallback.filter(F.action == "refresh"))
    async def stats_refresh(query: CallbackQuery, ctx: AppContext) -> Any:
        """Recompute now; the same figures within the same minute leave the message as
        it is (Telegram refuses an edit that changes nothing), and the toast says so."""
        viewer = query.from_user
        text, markup = await _view(ctx, viewer, refresh=True)
        message = query.message
        if isinstance(message, Message):
            try:
                await message.edit_text(text, reply_markup=markup)
            except TelegramBadRequest as exc:
                if "not modified" not in str(exc):
                    await edit(query, text, markup)
        else:
            await edit(query, text, markup)
        return query.answer(await ctx.voice.say("stats.refreshed", user=viewer))

    return router
