"""The content plugin's sections of the admins' screens, rendered for the admin viewing
them: the statistics screen's (interests pending and attended, recent ones, packages by
state, and a way to the inbox) and the user card's (the user's interests, newest first,
capped; no actions: attending is the inbox's)."""

from __future__ import annotations

from typing import Any

from aiogram.types import InlineKeyboardButton

from lucien.core.context import AppContext
from lucien.core.plugin import Section
from lucien.plugins.content.handlers.common import service, zone
from lucien.plugins.content.keyboards import ContentInbox
from lucien.plugins.content.services import InterestView

#: Where the content plugin's sections sit among the other plugins' (lower first): after
#: the memberships (VIP, free), which are the business's first figures.
ORDER = 60


async def statistics_section(ctx: AppContext, viewer: Any) -> Section:
    """Interests pending and attended (all, 7 and 30 days) and packages: two statements."""
    figures = await service(ctx).figures.statistics()
    lines = (
        await ctx.voice.say(
            "content.stats.pending",
            user=viewer,
            count=figures.pending,
            week=figures.pending_7d,
            month=figures.pending_30d,
        ),
        await ctx.voice.say(
            "content.stats.attended",
            user=viewer,
            count=figures.attended,
            week=figures.attended_7d,
            month=figures.attended_30d,
        ),
        await ctx.voice.say(
            "content.stats.packages",
            user=viewer,
            active=figures.active_packages,
            inactive=figures.inactive_packages,
        ),
    )
    inbox = InlineKeyboardButton(
        text=await ctx.voice.button("button.content.stats.inbox", user=viewer),
        callback_data=ContentInbox().pack(),
    )
    return Section(
        title=await ctx.voice.say("content.stats.title", user=viewer),
        lines=lines,
        buttons=(inbox,),
        order=ORDER,
    )


async def _card_line(ctx: AppContext, viewer: Any, item: InterestView) -> str:
    if item.attended_at is None:
        return await ctx.voice.say(
            "content.card.line",
            user=viewer,
            package=item.package_name,
            when=item.created_at,
            zone=zone(ctx, item.created_at),
        )
    return await ctx.voice.say(
        "content.card.line_attended",
        user=viewer,
        package=item.package_name,
        when=item.created_at,
        zone=zone(ctx, item.created_at),
        admin=item.attended_by_name or str(item.attended_by),
        attended=item.attended_at,
        attended_zone=zone(ctx, item.attended_at),
    )


async def user_card_section(ctx: AppContext, user_id: int, viewer: Any) -> Section | None:
    """The user's latest interests with who attended them, "more" past the cap; nothing
    when they never showed any (the card has nothing of this plugin's to say)."""
    shown = await service(ctx).figures.of_user(user_id)
    if not shown.total:
        return None
    lines = [await _card_line(ctx, viewer, item) for item in shown.items]
    if shown.total > len(shown.items):
        more = shown.total - len(shown.items)
        lines.append(await ctx.voice.say("content.card.more", user=viewer, count=more))
    title = await ctx.voice.say(
        "content.card.title", user=viewer, pending=shown.pending, total=shown.total
    )
    return Section(title=title, lines=tuple(lines), order=ORDER)
