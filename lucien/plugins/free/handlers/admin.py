"""The admins' side of the free plugin: the Free queue (pending requests with their due
times, paged; approve one now, approve all now, decline one) and the user card's action
(expel from the free channel), each confirmation a second press.

The router is included under the guarded one, whose role filter admits admins only. A
button that no longer fits (a request handled meanwhile, a confirmation left too long, one
pressed twice) is answered politely with the current state.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aiogram import F, Router
from aiogram.types import CallbackQuery

from lucien.core.context import AppContext
from lucien.core.formatting import Markup
from lucien.core.menus import edit_or_send
from lucien.plugins.free import keyboards as kb
from lucien.plugins.free.keyboards import FreeQueue
from lucien.plugins.free.models import PENDING
from lucien.plugins.free.services import PAGE_SIZE, RequestView, service

#: A confirmation older than this is refused: what it confirmed may have changed since.
CONFIRM_TTL = timedelta(minutes=10)
#: Telegram shows at most 200 characters in a button's answer.
ANSWER_MAX = 200


def _who(request: RequestView | None, user_id: int = 0) -> str:
    if request is None:
        return str(user_id)
    return request.first_name or str(request.user_id)


def _now_stamp(ctx: AppContext) -> int:
    return int(ctx.clock.now().timestamp())


def _stale(ctx: AppContext, stamp: int) -> bool:
    """A confirmation shown too long ago (or forged without its time)."""
    shown = ctx.clock.now().timestamp() - stamp
    return stamp <= 0 or shown < 0 or shown > CONFIRM_TTL.total_seconds()


async def _tell(query: CallbackQuery, ctx: AppContext, key: str, *, alert: bool, **kw: Any) -> Any:
    text = await ctx.voice.say(key, user=query.from_user, **kw)
    return query.answer(text[:ANSWER_MAX], show_alert=alert)


async def show_queue(query: CallbackQuery, ctx: AppContext, page: int) -> None:
    """One page of pending requests, soonest due first, with their times."""
    user = query.from_user
    shown = await service(ctx).admin.pending_page(page)
    if not shown.total:
        text = await ctx.voice.say("free.queue.empty", user=user)
    else:
        lines = [
            await ctx.voice.say(
                "free.queue.line",
                user=user,
                position=n,
                who=_who(item),
                requested=item.requested_at,
                due=item.due_at,
            )
            for n, item in enumerate(shown.items, start=1 + shown.page * PAGE_SIZE)
        ]
        header = await ctx.voice.say(
            "free.queue.header",
            user=user,
            count=shown.total,
            page=shown.page + 1,
            pages=shown.pages,
        )
        text = f"{header}\n\n" + "\n".join(lines)
    await edit_or_send(query, text, await kb.queue_markup(ctx, user, shown))


async def show_user_requests(
    query: CallbackQuery, ctx: AppContext, user_id: int, page: int
) -> None:
    """Every request of one user (the card shows the latest few), paged."""
    user = query.from_user
    shown = await service(ctx).admin.of_user(user_id, page=page, size=PAGE_SIZE)
    who = _who(shown.items[0] if shown.items else None, user_id)
    header = await ctx.voice.say(
        "free.card.requests",
        user=user,
        who=who,
        count=shown.total,
        page=shown.page + 1,
        pages=shown.pages,
    )
    lines = [await request_line(ctx, user, item) for item in shown.items]
    text = "\n".join([header, "", *lines]) if lines else header
    await edit_or_send(query, text, await kb.user_requests_markup(ctx, user, user_id, shown))


async def request_line(ctx: AppContext, user: Any, item: RequestView) -> str:
    """A request on the card: its status and times (the creator's timezone)."""
    status = Markup(await ctx.voice.say(f"free.status.{item.status}", user=user))
    if item.status == PENDING or item.handled_at is None:
        return await ctx.voice.say(
            "free.card.pending",
            user=user,
            status=status,
            requested=item.requested_at,
            due=item.due_at,
        )
    return await ctx.voice.say(
        "free.card.handled",
        user=user,
        status=status,
        requested=item.requested_at,
        handled=item.handled_at,
    )


def create_router() -> Router:
    """The queue's and the card's actions (guarded by the parent router)."""
    router = Router(name="free:admin")

    @router.callback_query(FreeQueue.filter(F.action == "list"))
    async def queue(query: CallbackQuery, callback_data: FreeQueue, ctx: AppContext) -> Any:
        await show_queue(query, ctx, callback_data.page)
        return query.answer()

    @router.callback_query(FreeQueue.filter(F.action == "approve"))
    async def approve(query: CallbackQuery, callback_data: FreeQueue, ctx: AppContext) -> Any:
        outcome = await service(ctx).admin.approve_now(callback_data.id, query.from_user.id)
        await show_queue(query, ctx, callback_data.page)
        who = _who(outcome.request)
        if outcome.status == "done":
            return await _tell(query, ctx, "free.queue.approved", alert=False, who=who)
        if outcome.status == "waiting":
            return await _tell(query, ctx, "free.queue.approving", alert=True, who=who)
        return await _tell(query, ctx, "free.queue.gone", alert=True)

    @router.callback_query(FreeQueue.filter(F.action == "decline"))
    async def decline(query: CallbackQuery, callback_data: FreeQueue, ctx: AppContext) -> Any:
        user = query.from_user
        request = await service(ctx).admin.get(callback_data.id)
        if request is None or request.status != PENDING:
            await show_queue(query, ctx, callback_data.page)
            return await _tell(query, ctx, "free.queue.gone", alert=True)
        text = await ctx.voice.say(
            "free.queue.confirm_decline",
            user=user,
            who=_who(request),
            requested=request.requested_at,
            due=request.due_at,
        )
        confirm = FreeQueue(
            action="decline_ok", id=request.id, page=callback_data.page, t=_now_stamp(ctx)
        )
        back = await kb.queue_button(ctx, user, callback_data.page)
        markup = await kb.confirm_markup(
            ctx, user, "button.free.admin.confirm_decline", confirm, back
        )
        await edit_or_send(query, text, markup)
        return query.answer()

    @router.callback_query(FreeQueue.filter(F.action == "decline_ok"))
    async def decline_ok(query: CallbackQuery, callback_data: FreeQueue, ctx: AppContext) -> Any:
        if _stale(ctx, callback_data.t):
            await show_queue(query, ctx, callback_data.page)
            return await _tell(query, ctx, "free.admin.stale", alert=True)
        outcome = await service(ctx).admin.decline(callback_data.id, query.from_user.id)
        await show_queue(query, ctx, callback_data.page)
        if outcome.status == "done":
            return await _tell(
                query, ctx, "free.queue.declined", alert=False, who=_who(outcome.request)
            )
        if outcome.status == "busy":
            return await _tell(query, ctx, "free.queue.busy", alert=True, who=_who(outcome.request))
        return await _tell(query, ctx, "free.queue.gone", alert=True)

    @router.callback_query(FreeQueue.filter(F.action == "all"))
    async def approve_all(query: CallbackQuery, callback_data: FreeQueue, ctx: AppContext) -> Any:
        user = query.from_user
        shown = await service(ctx).admin.pending_page(0)
        if not shown.total:
            await show_queue(query, ctx, 0)
            return await _tell(query, ctx, "free.queue.nothing", alert=True)
        text = await ctx.voice.say("free.queue.confirm_all", user=user, count=shown.total)
        confirm = FreeQueue(action="all_ok", t=_now_stamp(ctx))
        back = await kb.queue_button(ctx, user, callback_data.page)
        markup = await kb.confirm_markup(ctx, user, "button.free.admin.confirm_all", confirm, back)
        await edit_or_send(query, text, markup)
        return query.answer()

    @router.callback_query(FreeQueue.filter(F.action == "all_ok"))
    async def approve_all_ok(
        query: CallbackQuery, callback_data: FreeQueue, ctx: AppContext
    ) -> Any:
        user = query.from_user
        if _stale(ctx, callback_data.t):
            await show_queue(query, ctx, 0)
            return await _tell(query, ctx, "free.admin.stale", alert=True)
        outcome = await service(ctx).admin.approve_all(user.id)
        if outcome.status != "done":
            await show_queue(query, ctx, 0)
            return await _tell(query, ctx, "free.queue.nothing", alert=True)
        if outcome.left:
            text = await ctx.voice.say(
                "free.queue.all_left", user=user, count=outcome.count, left=outcome.left
            )
        else:
            text = await ctx.voice.say("free.queue.all_done", user=user, count=outcome.count)
        markup = await kb.after_markup(ctx, user, await kb.queue_button(ctx, user))
        await edit_or_send(query, text, markup)
        return query.answer()

    @router.callback_query(FreeQueue.filter(F.action == "expel"))
    async def expel(query: CallbackQuery, callback_data: FreeQueue, ctx: AppContext) -> Any:
        user, user_id = query.from_user, callback_data.id
        latest = await service(ctx).admin.of_user(user_id, size=1)
        who = _who(latest.items[0] if latest.items else None, user_id)
        text = await ctx.voice.say("free.card.confirm_expel", user=user, who=who)
        confirm = FreeQueue(action="expel_ok", id=user_id, t=_now_stamp(ctx))
        back = await kb.card_button(ctx, user, user_id)
        markup = await kb.confirm_markup(
            ctx, user, "button.free.admin.confirm_expel", confirm, back
        )
        await edit_or_send(query, text, markup)
        return query.answer()

    @router.callback_query(FreeQueue.filter(F.action == "expel_ok"))
    async def expel_ok(query: CallbackQuery, callback_data: FreeQueue, ctx: AppContext) -> Any:
        user, user_id = query.from_user, callback_data.id
        back = await kb.card_button(ctx, user, user_id)
        if _stale(ctx, callback_data.t):
            text = await ctx.voice.say("free.admin.stale", user=user)
            await edit_or_send(query, text, await kb.after_markup(ctx, user, back))
            return query.answer(text[:ANSWER_MAX], show_alert=True)
        svc = service(ctx)
        outcome = await svc.admin.expel(user_id, user.id, callback_data.t)
        latest = await svc.admin.of_user(user_id, size=1)
        who = _who(latest.items[0] if latest.items else None, user_id)
        key = {
            "done": "free.card.expelled",
            "waiting": "free.card.expel_waiting",
            "repeated": "free.card.expel_repeated",
            "unset": "free.card.expel_unset",
            "privileged": "free.card.expel_privileged",
        }[outcome.status]
        text = await ctx.voice.say(key, user=user, who=who)
        await edit_or_send(query, text, await kb.after_markup(ctx, user, back))
        if outcome.status in ("done", "waiting"):
            return query.answer()
        return query.answer(text[:ANSWER_MAX], show_alert=True)

    @router.callback_query(FreeQueue.filter(F.action == "mine"))
    async def mine(query: CallbackQuery, callback_data: FreeQueue, ctx: AppContext) -> Any:
        await show_user_requests(query, ctx, callback_data.id, callback_data.page)
        return query.answer()

    return router
