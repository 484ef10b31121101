"""The VIP actions of the admins' user card: make VIP (a plan, or a number of days asked
in a prompt), extend (days), revoke, expel from the VIP channel; and the whole history.

Every action takes two presses: the first shows what will happen (the end date it
would set) under Confirm, whose callback data carries the card's version; the second
does it, through `Cards` (an expulsion through `Expulsions`), unless the card changed
meanwhile (then an alert says so and nothing happens). Make VIP's plan choice carries the
version too, from the card's button on: a plan or the days pressed on an old choice, once
the user is VIP or their card changed, is refused with an alert. Expel asks Telegram
first: the channel's owner and administrators, and a user not inside, are refused with an
alert before any confirmation. After an action, "Back to the card" opens the admin
plugin's card again (`ucard:<user_id>`). The router is included under the admin one,
whose role filter guards it.
"""

from __future__ import annotations

import math
from typing import Any

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.types import User as TgUser

from lucien.core.context import AppContext
from lucien.core.formatting import Markup
from lucien.core.prompts import (
    close_prompt,
    is_open_prompt,
    open_prompt,
    refuse_stale_cancel,
    remember_prompt,
)
from lucien.plugins.vip import keyboards as kb
from lucien.plugins.vip.handlers import ritual
from lucien.plugins.vip.handlers.common import alert_text, clicked, member_name, service
from lucien.plugins.vip.handlers.sections import history_line, plan_label
from lucien.plugins.vip.keyboards import VipCard
from lucien.plugins.vip.services import ACK, MAX_PLAN_DAYS, ActionResult, PlanView, new_nonce

HISTORY_PAGE = 10
# The confirmations' operations: grant a plan, grant days, extend, revoke, expel.
GRANT_PLAN, GRANT_DAYS, EXTEND, REVOKE, EXPEL = "gp", "gd", "ex", "rv", "xp"


class CardForm(StatesGroup):
    """How many days to grant or add (`user_id` and `mode`, grant or extend, in the data)."""

    days = State()


async def _member(ctx: AppContext, user_id: int) -> tuple[Any, str]:
    """The user the card is about (for their own messages) and their name for admins."""
    target = await service(ctx).cards.target(user_id)
    return target, member_name(target)


async def _refuse(
    message: Message, ctx: AppContext, admin: TgUser, key: str, user_id: int, **extra: Any
) -> None:
    """A polite no (the plan is gone, no longer VIP, no channel), and back to the card."""
    _, member = await _member(ctx, user_id)
    await message.answer(
        await ctx.voice.say(key, user=admin, member=member, **extra),
        reply_markup=await kb.back_to_card(ctx, admin, user_id),
    )


async def _alert(query: CallbackQuery, ctx: AppContext, key: str, user_id: int) -> None:
    """A no shown as an alert over the pressed message, which stays as it was."""
    view = await service(ctx).cards.card(user_id, history=0)
    _, member = await _member(ctx, user_id)
    text = await ctx.voice.say(key, user=query.from_user, member=member, end_date=view.ends_at)
    await query.answer(alert_text(text), show_alert=True)


async def _grant_refusal(ctx: AppContext, user_id: int, version: int) -> tuple[str | None, Any]:
    """Why a grant chosen on card `version` may not go on (the user is VIP now: Extend is
    the way; or the card changed since), or None; and the card as it is."""
    view = await service(ctx).cards.card(user_id, history=0)
    if view.active:
        return "already_vip", view
    return (None if version == view.version else "stale"), view


async def _live_plan(ctx: AppContext, plan_id: int) -> PlanView | None:
    plan = await service(ctx).get_plan(plan_id)
    return None if plan is None or plan.archived else plan


async def ask_confirmation(
    message: Message, ctx: AppContext, admin: TgUser, user_id: int, op: str, arg: int = 0
) -> None:
    """The first press's answer: what the action will do, under Confirm (with the card's
    version) and Back to the card."""
    svc = service(ctx)
    view = await svc.cards.card(user_id, history=0)
    _, member = await _member(ctx, user_id)
    say: dict[str, Any] = {"user": admin, "member": member}
    if op == GRANT_PLAN:
        plan = await _live_plan(ctx, arg)
        if plan is None:
            await _refuse(message, ctx, admin, "vip.plan.not_found", user_id)
            return
        end = svc.cards.ends_after(view, plan.days)
        text = await ctx.voice.say(
            "vip.card.confirm.grant", plan=plan.name, days=plan.days, end_date=end, **say
        )
    elif op == GRANT_DAYS:
        label = await plan_label(ctx, admin, None)
        end = svc.cards.ends_after(view, arg)
        text = await ctx.voice.say(
            "vip.card.confirm.grant", plan=label, days=arg, end_date=end, **say
        )
    elif op == EXTEND:
        if not view.active:
            await _refuse(message, ctx, admin, "vip.card.not_vip", user_id)
            return
        end = svc.cards.ends_after(view, arg)
        text = await ctx.voice.say("vip.card.confirm.extend", days=arg, end_date=end, **say)
    elif op == REVOKE:
        if not view.active:
            await _refuse(message, ctx, admin, "vip.card.not_vip", user_id)
            return
        text = await ctx.voice.say("vip.card.confirm.revoke", **say)
    else:
        if (await svc.settings()).channel_id is None:
            await _refuse(message, ctx, admin, "vip.card.no_channel", user_id)
            return
        text = await ctx.voice.say("vip.card.confirm.expel", **say)
    markup = await kb.confirm(ctx, admin, user_id, op, view.version, arg)
    await message.answer(text, reply_markup=markup)


async def act(ctx: AppContext, admin: TgUser, data: VipCard) -> tuple[ActionResult, str]:
    """The second press: do the confirmed action; its result and the admin's message key."""
    svc = service(ctx)
    cards, user_id, version = svc.cards, data.u, data.v
    target, _ = await _member(ctx, user_id)
    if data.op in (GRANT_PLAN, GRANT_DAYS):
        plan = await _live_plan(ctx, data.a) if data.op == GRANT_PLAN else None
        if data.op == GRANT_PLAN and plan is None:
            return ActionResult("no_plan"), "vip.plan.not_found"
        days = plan.days if plan else data.a
        view = await cards.card(user_id, history=0)
        # The grant's message is the entry ritual's first stage, opened with it.
        nonce = new_nonce()
        welcome = await ritual.ack_text(
            ctx,
            target,
            "admin",
            await plan_label(ctx, target, plan.name if plan else None),
            days,
            cards.ends_after(view, days),
        )
        result = await cards.grant(
            admin.id, user_id, version,
            plan_id=plan.id if plan else None, days=None if plan else days,
            welcome=welcome, markup=await kb.ritual_step(ctx, target, user_id, nonce, ACK),
            ritual=nonce,
        )  # fmt: skip
        return result, "vip.card.done.grant" if result.status == "ok" else ""
    if data.op == EXTEND:
        view = await cards.card(user_id, history=0)
        notice = await ctx.voice.say(
            "vip.extended", user=target, end_date=cards.ends_after(view, data.a)
        )
        return await cards.extend(admin.id, user_id, version, days=data.a, notice=notice), (
            "vip.card.done.extend"
        )
    if data.op == REVOKE:
        farewell = await ctx.voice.say("vip.revoked", user=target)
        return await cards.revoke(admin.id, user_id, version, farewell=farewell), (
            "vip.card.done.revoke"
        )
    result = await svc.expulsions.expel(admin.id, user_id, version)
    return result, EXPELLED.get(result.status, "")


# Answered in a message with the way back to the card.
REFUSALS = {
    "not_vip": "vip.card.not_vip",
    "no_plan": "vip.plan.not_found",
    "no_channel": "vip.card.no_channel",
}
# Answered in an alert: the pressed message was out of date, or the action cannot be.
ALERTS = {
    "stale": "vip.card.stale",
    "already_vip": "vip.card.already_vip",
    "privileged": "vip.card.expel.privileged",
    "absent": "vip.card.expel.absent",
}
# An expulsion's answer: done only once Telegram said so.
EXPELLED = {
    "ok": "vip.card.done.expel",
    "waiting": "vip.card.expel.waiting",
    "refused": "vip.card.expel.refused",
}


def _valid_days(value: int) -> bool:
    return 1 <= value <= MAX_PLAN_DAYS


def create_router() -> Router:
    """The card's VIP actions (guarded by the parent admin router)."""
    router = Router(name="vip.admin.card")

    @router.callback_query(VipCard.filter(F.action == "grant"))
    async def grant_button(query: CallbackQuery, callback_data: VipCard, ctx: AppContext) -> None:
        """Make VIP: a plan, or a number of days (on the card's version)."""
        admin, user_id = query.from_user, callback_data.u
        refusal, view = await _grant_refusal(ctx, user_id, callback_data.v)
        if refusal:
            await _alert(query, ctx, ALERTS[refusal], user_id)
            return
        if not (message := await clicked(query)):
            return
        _, member = await _member(ctx, user_id)
        plans = await service(ctx).list_plans()
        await message.answer(
            await ctx.voice.say("vip.card.grant.choose", user=admin, member=member),
            reply_markup=await kb.grant_choice(ctx, admin, user_id, plans, view.version),
        )

    @router.callback_query(VipCard.filter(F.action == "plan"))
    async def plan_button(query: CallbackQuery, callback_data: VipCard, ctx: AppContext) -> None:
        refusal, _ = await _grant_refusal(ctx, callback_data.u, callback_data.v)
        if refusal:
            await _alert(query, ctx, ALERTS[refusal], callback_data.u)
            return
        if message := await clicked(query):
            await ask_confirmation(
                message, ctx, query.from_user, callback_data.u, GRANT_PLAN, callback_data.a
            )

    @router.callback_query(VipCard.filter(F.action.in_({"revoke", "expel"})))
    async def end_button(query: CallbackQuery, callback_data: VipCard, ctx: AppContext) -> None:
        if callback_data.action == "expel":
            refusal = await service(ctx).expulsions.refusal(callback_data.u)
            if refusal in ALERTS:
                await _alert(query, ctx, ALERTS[refusal], callback_data.u)
                return
        if message := await clicked(query):
            op = REVOKE if callback_data.action == "revoke" else EXPEL
            await ask_confirmation(message, ctx, query.from_user, callback_data.u, op)

    @router.callback_query(VipCard.filter(F.action.in_({"days", "extend"})))
    async def days_button(
        query: CallbackQuery, callback_data: VipCard, ctx: AppContext, state: FSMContext
    ) -> None:
        """Ask how many days to grant (`days`, on the card's version) or to add (`extend`)."""
        admin, user_id = query.from_user, callback_data.u
        mode = "grant" if callback_data.action == "days" else "extend"
        if mode == "grant":
            refusal, view = await _grant_refusal(ctx, user_id, callback_data.v)
            if refusal:
                await _alert(query, ctx, ALERTS[refusal], user_id)
                return
        else:
            view = await service(ctx).cards.card(user_id, history=0)
        if not (message := await clicked(query)):
            return
        if mode == "extend" and not view.active:
            await _refuse(message, ctx, admin, "vip.card.not_vip", user_id)
            return
        await open_prompt(
            state,
            CardForm.days,
            {"user_id": user_id, "mode": mode, "v": view.version},
            bot=query.bot,
            chat_id=message.chat.id,
        )
        _, member = await _member(ctx, user_id)
        text = await ctx.voice.say(
            f"vip.card.days.{mode}",
            user=admin,
            member=member,
            end_date=view.ends_at,
            max_days=MAX_PLAN_DAYS,
        )
        sent = await message.answer(text, reply_markup=await kb.prompt_cancel(ctx, admin, user_id))
        await remember_prompt(state, sent)

    @router.message(StateFilter(CardForm.days), F.text)
    async def days_answer(message: Message, ctx: AppContext, state: FSMContext) -> None:
        admin = message.from_user
        assert admin is not None
        raw = (message.text or "").strip()
        data = await state.get_data()
        user_id = int(data["user_id"])
        if not raw.isdigit() or not _valid_days(int(raw)):
            text = await ctx.voice.say(
                "vip.plan.invalid_days", user=admin, value=raw[:40], max_days=MAX_PLAN_DAYS
            )
            sent = await message.answer(
                text, reply_markup=await kb.prompt_cancel(ctx, admin, user_id)
            )
            await remember_prompt(state, sent)
            return
        await close_prompt(state, message.bot, message.chat.id)
        op = GRANT_DAYS if data.get("mode") == "grant" else EXTEND
        if op == GRANT_DAYS:
            refusal, view = await _grant_refusal(ctx, user_id, int(data.get("v", 0)))
            if refusal:
                key = ALERTS[refusal]
                await _refuse(message, ctx, admin, key, user_id, end_date=view.ends_at)
                return
        await ask_confirmation(message, ctx, admin, user_id, op, int(raw))

    @router.callback_query(VipCard.filter(F.action == "cancel"))
    async def cancel_button(
        query: CallbackQuery, callback_data: VipCard, ctx: AppContext, state: FSMContext
    ) -> None:
        admin = query.from_user
        if query.message is None or not await is_open_prompt(state, query.message, CardForm):
            await refuse_stale_cancel(query, await ctx.voice.say("vip.prompt_closed", user=admin))
            return
        await close_prompt(state, query.bot, query.message.chat.id)
        if message := await clicked(query):
            await message.answer(
                await ctx.voice.say("vip.cancelled", user=admin),
                reply_markup=await kb.back_to_card(ctx, admin, callback_data.u),
            )

    @router.callback_query(VipCard.filter(F.action == "ok"))
    async def confirm_button(query: CallbackQuery, callback_data: VipCard, ctx: AppContext) -> None:
        """The second press: done, refused with the reason, or stale (an alert)."""
        admin = query.from_user
        if callback_data.op in (GRANT_DAYS, EXTEND) and not _valid_days(callback_data.a):
            callback_data = callback_data.model_copy(update={"op": "stale"})
        if callback_data.op not in (GRANT_PLAN, GRANT_DAYS, EXTEND, REVOKE, EXPEL):
            result, key = ActionResult("stale"), ""
        else:
            result, key = await act(ctx, admin, callback_data)
        if result.status in ALERTS:
            await _alert(query, ctx, ALERTS[result.status], callback_data.u)
            return
        if not (message := await clicked(query)):
            return
        if result.status in REFUSALS:
            await _refuse(message, ctx, admin, REFUSALS[result.status], callback_data.u)
            return
        _, member = await _member(ctx, callback_data.u)
        await message.answer(
            await ctx.voice.say(key, user=admin, member=member, end_date=result.ends_at),
            reply_markup=await kb.back_to_card(ctx, admin, callback_data.u),
        )

    @router.callback_query(VipCard.filter(F.action == "hist"))
    async def history_button(query: CallbackQuery, callback_data: VipCard, ctx: AppContext) -> None:
        """The whole membership history, a page at a time, newest first."""
        if not (message := await clicked(query)):
            return
        admin, user_id = query.from_user, callback_data.u
        cards = service(ctx).cards
        pages = max(1, math.ceil(await cards.history_count(user_id) / HISTORY_PAGE))
        page = min(max(callback_data.a, 0), pages - 1)
        rows = await cards.history(user_id, HISTORY_PAGE, page * HISTORY_PAGE)
        lines = Markup("\n".join([await history_line(ctx, admin, r) for r in rows]))
        _, member = await _member(ctx, user_id)
        text = await ctx.voice.say(
            "vip.card.history_page",
            user=admin,
            member=member,
            page=page + 1,
            pages=pages,
            lines=lines,
        )
        await message.answer(
            text, reply_markup=await kb.history_pages(ctx, admin, user_id, page, pages)
        )

    return router
