"""The admins' VIP subscriber list: a filter (active, ending within 7 days, ended in the
last 30 days, one plan), a page at a time in a stable order, each subscriber a button
to their card (`ucard:<user_id>`), and the filter's every row as a CSV document.

Paging and filters edit the list in place; the export arrives as a new message. The
page an admin saw last is remembered (`CACHE_SEEN_LIST`), so that the VIP section of a
card opened from it carries "back to the list" (the card itself is the admin plugin's).
The router is included under the admin one, whose role filter guards it.
"""

from __future__ import annotations

import math
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, Message

from lucien.core.context import AppContext
from lucien.core.menus import edit_or_send
from lucien.plugins.vip import keyboards as kb
from lucien.plugins.vip.handlers.common import clicked, service
from lucien.plugins.vip.keyboards import VipSubs
from lucien.plugins.vip.services import CACHE_SEEN_LIST, FILTERS, PAGE_SIZE, SubscriberFilter


def _filter(where: VipSubs) -> SubscriberFilter:
    """The filter a button names (anything else reads as `active`)."""
    return where.f if where.f in FILTERS else "active"


async def render_list(ctx: AppContext, admin: Any, where: VipSubs) -> tuple[str, Any]:
    """The page `where` names (clamped to the last one), its text and buttons."""
    svc = service(ctx)
    kind = _filter(where)
    plan_name = ""
    if kind == "plan":
        plan = await svc.get_plan(where.plan)
        if plan is None:
            return await ctx.voice.say("vip.plan.not_found", user=admin), await kb.admin_back(
                ctx, admin
            )
        plan_name = plan.name
    page = max(where.p, 0)
    rows, total = await svc.subscribers.page(kind, page, plan_id=where.plan)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    if page >= pages:  # the list shrank since the button was drawn: its last page
        page = pages - 1
        rows, total = await svc.subscribers.page(kind, page, plan_id=where.plan)
    shown = VipSubs(f=kind, p=page, plan=where.plan)
    seen = {"f": kind, "p": page, "plan": where.plan, "users": [r.user_id for r in rows]}
    await ctx.cache.set(CACHE_SEEN_LIST, str(admin.id), seen)
    if total:
        text = await ctx.voice.say(
            f"vip.subs.{kind}", user=admin, count=total, page=page + 1, pages=pages, plan=plan_name
        )
    else:
        text = await ctx.voice.say("vip.subs.none", user=admin)
    return text, await kb.subscribers(ctx, admin, rows, shown, pages)


async def list_seen_with(ctx: AppContext, admin: Any, user_id: int) -> VipSubs | None:
    """The list page `admin` saw last, if `user_id` was on it (the card's way back)."""
    seen = await ctx.cache.get(CACHE_SEEN_LIST, str(admin.id))
    if not isinstance(seen, dict) or user_id not in seen.get("users", ()):
        return None
    return VipSubs(f=str(seen["f"]), p=int(seen["p"]), plan=int(seen["plan"]))


def create_router() -> Router:
    """The subscriber list (guarded by the parent admin router)."""
    router = Router(name="vip.admin.subscribers")

    @router.message(Command("vipsubs"))
    async def subscribers_command(message: Message, ctx: AppContext) -> None:
        assert message.from_user is not None
        text, markup = await render_list(ctx, message.from_user, VipSubs())
        await message.answer(text, reply_markup=markup)

    @router.callback_query(VipSubs.filter(F.action == "list"))
    async def list_button(query: CallbackQuery, callback_data: VipSubs, ctx: AppContext) -> None:
        await query.answer()
        text, markup = await render_list(ctx, query.from_user, callback_data)
        await edit_or_send(query, text, markup)

    @router.callback_query(VipSubs.filter(F.action == "plans"))
    async def plans_button(query: CallbackQuery, ctx: AppContext) -> None:
        """The plan filter starts by choosing the plan."""
        await query.answer()
        admin = query.from_user
        plans = await service(ctx).list_plans()
        if not plans:
            text = await ctx.voice.say("vip.plan.none", user=admin)
        else:
            text = await ctx.voice.say("vip.subs.choose_plan", user=admin)
        await edit_or_send(query, text, await kb.subscriber_plans(ctx, admin, plans))

    @router.callback_query(VipSubs.filter(F.action == "csv"))
    async def csv_button(query: CallbackQuery, callback_data: VipSubs, ctx: AppContext) -> None:
        """Every subscriber of the filter, in the list's order, as a document."""
        if not (message := await clicked(query)):
            return
        svc = service(ctx)
        kind = _filter(callback_data)
        rows = await svc.subscribers.all_rows(kind, plan_id=callback_data.plan)
        document = BufferedInputFile(svc.subscribers.csv(rows), filename=f"vip-{kind}.csv")
        caption = await ctx.voice.say("vip.subs.csv", user=query.from_user, count=len(rows))
        await message.answer_document(document, caption=caption)

    return router
