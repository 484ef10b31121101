"""The channel posts' parts of shared screens: their kind in the scheduled list ("p":
listed, moved, cancelled; registered at import) and their section of the admins'
statistics screen (`statistics_section`, for the `lucien_statistics` hook)."""

from __future__ import annotations

import html
import re
from typing import Any

from lucien.core.context import AppContext
from lucien.core.plugin import Section
from lucien.plugins.publish.handlers import scheduled
from lucien.plugins.publish.services import posts, target_name, zone

#: Where the section sits on the statistics screen (lower first).
STATS_ORDER = 70
_TAG = re.compile(r"<[^>]+>")


def _plain(text: str) -> str:
    """A voiced line for a button label (plain text: tags dropped, entities read)."""
    return html.unescape(_TAG.sub("", text))


async def _post_items(ctx: AppContext, user: Any) -> list[scheduled.Item]:
    items = []
    for view in await posts(ctx).scheduled():
        assert view.scheduled_at is not None
        name = await target_name(ctx, view.target, user=user)
        text = await ctx.voice.say(
            "publish.scheduled.post",
            user=user,
            where=name,
            when=view.scheduled_at,
            zone=zone(ctx, view.scheduled_at),
        )
        label = await ctx.voice.say("publish.scheduled.post_label", user=user, where=name)
        items.append(scheduled.Item("p", view.id, view.scheduled_at, text, _plain(label)))
    return items


scheduled.KINDS["p"] = scheduled.Kind(
    _post_items,
    lambda ctx, i, when: posts(ctx).reschedule(i, when),
    lambda ctx, i: posts(ctx).cancel(i),
)


async def statistics_section(ctx: AppContext, viewer: Any) -> Section:
    """Posts sent in 7 and 30 days, reactions received, the most reacted posts (date
    and channel): three aggregate statements."""
    figures = await posts(ctx).figures()
    lines = [
        await ctx.voice.say(
            "publish.stats.sent", user=viewer, week=figures.sent_7d, month=figures.sent_30d
        ),
        await ctx.voice.say("publish.stats.reactions", user=viewer, count=figures.reactions),
    ]
    for top in figures.top:
        lines.append(
            await ctx.voice.say(
                "publish.stats.top",
                user=viewer,
                when=top.sent_at,
                where=await target_name(ctx, top.target, user=viewer),
                count=top.reactions,
            )
        )
    return Section(
        title=await ctx.voice.say("publish.stats.title", user=viewer),
        lines=tuple(lines),
        order=STATS_ORDER,
    )
