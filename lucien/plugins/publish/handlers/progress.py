"""A broadcast's progress message (its counts and, while it runs, Pause/Resume and
Cancel), rendered for the service's job, which edits it from whichever replica sends."""

from __future__ import annotations

from typing import Any

from lucien.core.context import AppContext
from lucien.core.formatting import Markup
from lucien.plugins.publish.keyboards.broadcasts import steer_markup
from lucien.plugins.publish.services import BroadcastView
from lucien.plugins.publish.services.common import CANCELLED, DONE, EVERYONE, PAUSED

_KEY = {
    PAUSED: "publish.broadcast.paused",
    DONE: "publish.broadcast.done",
    CANCELLED: "publish.broadcast.cancelled",
}


async def audience_label(
    ctx: AppContext, audience: str, days: int | None, *, user: Any = None, locale: str | None = None
) -> str:
    """The audience in words: "everyone", "VIP members" (a role's own words when the
    catalogue has `publish.audience.<role>`), "everyone, active in the last 7 days"."""
    own = f"publish.audience.{audience}"
    if audience == EVERYONE:
        label = await ctx.voice.say("publish.audience.all", user=user, locale=locale)
    elif ctx.app is not None and own in ctx.app.messages:
        label = await ctx.voice.say(own, user=user, locale=locale)
    else:
        label = await ctx.voice.say(
            "publish.audience.role", user=user, locale=locale, role=audience
        )
    if days:
        label = await ctx.voice.say(
            "publish.audience.active", user=user, locale=locale, audience=Markup(label), days=days
        )
    return label


def make_renderer(ctx: AppContext) -> Any:
    async def render(view: BroadcastView) -> tuple[str, Any]:
        c = view.counts
        key = _KEY.get(view.status, "publish.broadcast.progress")
        audience = await audience_label(ctx, view.audience, view.active_days, locale=view.locale)
        text = await ctx.voice.say(
            key,
            locale=view.locale,
            audience=Markup(audience),
            sent=c.sent,
            total=c.total,
            blocked=c.blocked,
            failed=c.failed,
            left=c.pending,
        )
        return text, await steer_markup(ctx, view.status, view.id, view.locale)

    return render
