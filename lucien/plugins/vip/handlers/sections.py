"""The vip plugin's parts of the admins' screens, rendered for the admin viewing them:
the VIP section of the user card (`lucien_user_card`) and of the statistics screen
(`lucien_statistics`), and the lines of a user's membership history.

The facts come from the service (a fixed handful of statements for the card, four
aggregates for the statistics); here they become the voice's lines and the buttons the
plugin's own routers answer (`keyboards.VipCard`, `keyboards.VipSubs`).
"""

from __future__ import annotations

from typing import Any

from aiogram.types import InlineKeyboardButton

from lucien.core.context import AppContext
from lucien.core.plugin import Section
from lucien.plugins.vip import keyboards as kb
from lucien.plugins.vip.handlers.admin_subscribers import list_seen_with
from lucien.plugins.vip.handlers.common import service
from lucien.plugins.vip.services import CardView, HistoryRow

#: Where the VIP section sits among the plugins' sections (lower first).
SECTION_ORDER = 20


async def plan_label(ctx: AppContext, viewer: Any, plan: str | None) -> str:
    """A plan's name, or the voice's word for days granted without one."""
    return plan or await ctx.voice.say("vip.plan.courtesy", user=viewer)


async def history_line(ctx: AppContext, viewer: Any, row: HistoryRow) -> str:
    """One line of the history: what happened (per kind and cause), when, which plan."""
    return await ctx.voice.say(
        f"vip.history.{row.kind}.{row.source}",
        user=viewer,
        when=row.at,
        plan=await plan_label(ctx, viewer, row.plan),
        days=row.days or 0,
        end_date=row.ends_at or row.at,
    )


async def status_line(ctx: AppContext, viewer: Any, view: CardView) -> str:
    """VIP until when on which plan, or since when not, or never."""
    if view.active:
        return await ctx.voice.say(
            "vip.card.active",
            user=viewer,
            end_date=view.ends_at,
            days_left=view.days_left,
            plan=await plan_label(ctx, viewer, view.plan),
        )
    if view.known:
        return await ctx.voice.say("vip.card.ended", user=viewer, end_date=view.ends_at)
    return await ctx.voice.say("vip.card.never", user=viewer)


async def card_section(ctx: AppContext, user_id: int, viewer: Any) -> Section:
    """The VIP section of `user_id`'s card: status, history (capped), tokens redeemed,
    and the actions (each confirmed by a second press); opened from the subscriber list
    (the user was on the page the admin saw last), the way back to that page."""
    view = await service(ctx).cards.card(user_id)
    lines = [await status_line(ctx, viewer, view)]
    if view.history:
        lines.append(await ctx.voice.say("vip.card.history", user=viewer))
        lines += [await history_line(ctx, viewer, row) for row in view.history]
    if view.tokens_redeemed:
        lines.append(
            await ctx.voice.say("vip.card.tokens", user=viewer, count=view.tokens_redeemed)
        )
        for code, plan, when in view.tokens:
            lines.append(
                await ctx.voice.say(
                    "vip.card.token_line", user=viewer, token=code, plan=plan, when=when
                )
            )
    buttons = await kb.card_actions(
        ctx,
        viewer,
        user_id,
        active=view.active,
        more_history=view.more_history,
        version=view.version,
    )
    if (listed := await list_seen_with(ctx, viewer, user_id)) is not None:
        buttons += (await kb.back_to_list(ctx, viewer, listed),)
    title = await ctx.voice.say("vip.card.title", user=viewer)
    return Section(title, tuple(lines), buttons, order=SECTION_ORDER)


async def statistics_section(ctx: AppContext, viewer: Any) -> Section:
    """The VIP figures (see `services/stats.py` for what each counts)."""
    st = await service(ctx).statistics.stats()

    async def say(key: str, **context: Any) -> str:
        return await ctx.voice.say(key, user=viewer, **context)

    lines = [
        await say("vip.stats.active", count=st.active),
        await say("vip.stats.new", count=st.new_7d, total=st.new_30d),
        await say("vip.stats.expiring", count=st.expiring_7d),
        await say("vip.stats.renewals", count=st.renewals_30d),
        await say("vip.stats.lapses", count=st.lapses_30d),
        await say(
            "vip.stats.tokens",
            total=st.tokens_generated,
            done=st.tokens_redeemed,
            pending=st.tokens_unused,
        ),
    ]
    if st.revenue:
        lines += [await say("vip.stats.revenue", price=amount) for amount in st.revenue]
    else:
        lines.append(await say("vip.stats.revenue_none"))
    button = InlineKeyboardButton(
        text=await ctx.voice.button("button.vip.subscribers", user=viewer),
        callback_data=kb.VipSubs().pack(),
    )
    title = await say("vip.stats.title")
    return Section(title, tuple(lines), (button,), order=SECTION_ORDER)
