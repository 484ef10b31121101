"""The free plugin's sections of the admins' screens, rendered for the admin viewing them:
the user card's (the user's join requests, capped, and Expel from the free channel) and
the statistics screen's (members approved in 7 and 30 days, requests pending)."""

from __future__ import annotations

from typing import Any

from aiogram.types import InlineKeyboardButton

from lucien.core.context import AppContext
from lucien.core.plugin import Section
from lucien.plugins.free import keyboards as kb
from lucien.plugins.free.handlers.admin import request_line
from lucien.plugins.free.keyboards import FreeQueue
from lucien.plugins.free.services import CARD_CAP, service

#: Where the free plugin's sections sit among the other plugins' (lower first).
ORDER = 40


async def user_card_section(ctx: AppContext, user_id: int, viewer: Any) -> Section | None:
    """The user's requests (latest first, capped, "more" past the cap) and Expel; nothing
    when they never asked and no free channel is set (there is nothing to say or do)."""
    svc = service(ctx)
    shown = await svc.admin.of_user(user_id, size=CARD_CAP)
    channel = (await svc.settings()).channel_id
    if not shown.total and channel is None:
        return None
    title = await ctx.voice.say("free.card.title", user=viewer)
    lines = [await request_line(ctx, viewer, item) for item in shown.items]
    if not lines:
        lines.append(await ctx.voice.say("free.card.none", user=viewer))
    buttons: list[InlineKeyboardButton] = []
    if shown.total > len(shown.items):
        more = shown.total - len(shown.items)
        lines.append(await ctx.voice.say("free.card.more", user=viewer, count=more))
        buttons.append(
            InlineKeyboardButton(
                text=await ctx.voice.button("button.free.admin.more", user=viewer),
                callback_data=FreeQueue(action="mine", id=user_id).pack(),
            )
        )
    if channel is not None:
        buttons.append(
            InlineKeyboardButton(
                text=await ctx.voice.button("button.free.admin.expel", user=viewer),
                callback_data=FreeQueue(action="expel", id=user_id).pack(),
            )
        )
    return Section(title=title, lines=tuple(lines), buttons=tuple(buttons), order=ORDER)


async def statistics_section(ctx: AppContext, viewer: Any) -> Section:
    """Approved in 7 and 30 days, pending (and the next one due): one aggregate query."""
    figures = await service(ctx).admin.figures()
    lines = [
        await ctx.voice.say(
            "free.stats.approved",
            user=viewer,
            week=figures.approved_7d,
            month=figures.approved_30d,
        ),
        await ctx.voice.say("free.stats.pending", user=viewer, count=figures.pending),
    ]
    if figures.next_due is not None:
        lines.append(await ctx.voice.say("free.stats.next_due", user=viewer, when=figures.next_due))
    return Section(
        title=await ctx.voice.say("free.stats.title", user=viewer),
        lines=tuple(lines),
        buttons=(await kb.queue_button(ctx, viewer),),
        order=ORDER,
    )
