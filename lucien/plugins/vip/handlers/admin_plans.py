"""The admins' VIP menu and plan screens: list, detail, archive, and the three-step form
(name, days, price) that creates or edits a plan. One handler per button action.

A button's screen is the pressed message edited in place (as the configuration screens
do), the form's first question included; what answers a typed message is a new one.

Creating asks with creation's wording; editing names the plan and shows, at each step,
the value in force. Every question carries Cancel; the messages showing the form are
remembered (`lucien.core.prompts`), so a Cancel left on one after the form ended is told
apart from a live one and answered with an alert instead of a false "nothing changed".

The router is included under the admin one, whose role filter guards it.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, User

from lucien.core.context import AppContext
from lucien.core.prompts import (
    close_prompt,
    is_open_prompt,
    open_prompt,
    refuse_stale_cancel,
    remember_prompt,
)
from lucien.plugins.vip import keyboards as kb
from lucien.plugins.vip.handlers.admin_tokens import TokenForm
from lucien.plugins.vip.handlers.common import (
    plan_lines,
    prompt_screen,
    screen,
    service,
    where_pressed,
)
from lucien.plugins.vip.keyboards import VipAdmin
from lucien.plugins.vip.services import MAX_PLAN_DAYS, parse_price


class PlanForm(StatesGroup):
    """Creating or editing a plan (`plan_id` in the data when editing)."""

    name = State()
    days = State()
    price = State()


async def plan_step_text(ctx: AppContext, user: User, plan_id: int, step: str) -> str | None:
    """The question of a form step (`name`, `days`, `price`): creation's wording for a new
    plan; for an edit, the plan's name and the value in force. None when the plan edited
    is gone or archived."""
    if not plan_id:
        return await ctx.voice.say(f"vip.plan.prompt_{step}", user=user)
    plan = await service(ctx).get_plan(plan_id)
    if plan is None or plan.archived:
        return None
    if step == "name":
        return await ctx.voice.say("vip.plan.edit.prompt_name", user=user, plan=plan.name)
    if step == "days":
        return await ctx.voice.say(
            "vip.plan.edit.prompt_days", user=user, plan=plan.name, days=plan.days
        )
    if plan.price:
        return await ctx.voice.say(
            "vip.plan.edit.prompt_price", user=user, plan=plan.name, price=plan.price
        )
    return await ctx.voice.say("vip.plan.edit.prompt_price_free", user=user, plan=plan.name)


async def ask_step(message: Message, ctx: AppContext, user: User, state: FSMContext) -> None:
    """Ask the question of the form's current step, under Cancel, as one of its messages."""
    step = (await state.get_state() or "").rpartition(":")[2]
    plan_id = int((await state.get_data()).get("plan_id", 0))
    text = await plan_step_text(ctx, user, plan_id, step)
    if text is None:
        await close_prompt(state, message.bot, message.chat.id)
        await message.answer(await ctx.voice.say("vip.plan.not_found", user=user))
        return
    sent = await message.answer(text, reply_markup=await kb.cancel(ctx, user))
    await remember_prompt(state, sent)


async def admin_menu(ctx: AppContext, user: User) -> tuple[str, InlineKeyboardMarkup]:
    """The VIP admin menu."""
    return (
        await ctx.voice.say("vip.admin.menu.header", user=user),
        await kb.admin_menu(ctx, user),
    )


async def plans_screen(ctx: AppContext, user: User) -> tuple[str, InlineKeyboardMarkup]:
    """The active plans, each a button to its detail."""
    plans = await service(ctx).list_plans()
    if plans:
        lines = await plan_lines(ctx, user, plans)
        text = await ctx.voice.say("vip.plan.list", user=user, plans=lines)
    else:
        text = await ctx.voice.say("vip.plan.none", user=user)
    return text, await kb.plans_list(ctx, user, plans)


async def plan_detail(
    ctx: AppContext, user: User, plan_id: int
) -> tuple[str, InlineKeyboardMarkup]:
    """One plan with its actions (edit, archive); the way back when it is gone."""
    plan = await service(ctx).get_plan(plan_id)
    if plan is None or plan.archived:
        return await ctx.voice.say("vip.plan.not_found", user=user), await kb.admin_back(ctx, user)
    if plan.price is None:
        text = await ctx.voice.say(
            "vip.plan.detail_free", user=user, plan=plan.name, days=plan.days
        )
    else:
        text = await ctx.voice.say(
            "vip.plan.detail", user=user, plan=plan.name, days=plan.days, price=plan.price
        )
    return text, await kb.plan_actions(ctx, user, plan.id)


def create_router() -> Router:
    """The VIP admin menu and plan screens (guarded by the parent admin router)."""
    router = Router(name="vip.admin.plans")

    @router.message(Command("vipadmin"))
    async def vipadmin_command(message: Message, ctx: AppContext, state: FSMContext) -> None:
        assert message.from_user is not None
        await state.clear()
        text, markup = await admin_menu(ctx, message.from_user)
        await message.answer(text, reply_markup=markup)

    @router.callback_query(VipAdmin.filter(F.action == "menu"))
    async def menu_button(query: CallbackQuery, ctx: AppContext, state: FSMContext) -> None:
        chat_id, pressed = where_pressed(query)
        await close_prompt(state, query.bot, chat_id, keep=pressed)  # a form left open ends
        await screen(query, *await admin_menu(ctx, query.from_user))

    @router.callback_query(VipAdmin.filter(F.action == "cancel"))
    async def cancel_button(query: CallbackQuery, ctx: AppContext, state: FSMContext) -> None:
        """Cancel, at any step of the plan or token forms, if the form is still open."""
        user = query.from_user
        if query.message is None or not await is_open_prompt(
            state, query.message, (PlanForm, TokenForm)
        ):
            await refuse_stale_cancel(query, await ctx.voice.say("vip.prompt_closed", user=user))
            return
        chat_id, pressed = where_pressed(query)
        await close_prompt(state, query.bot, chat_id, keep=pressed)
        text = await ctx.voice.say("vip.cancelled", user=user)
        await screen(query, text, await kb.admin_menu(ctx, user))

    @router.callback_query(VipAdmin.filter(F.action == "plans"))
    async def plans_button(query: CallbackQuery, ctx: AppContext) -> None:
        await screen(query, *await plans_screen(ctx, query.from_user))

    @router.callback_query(VipAdmin.filter(F.action == "plan"))
    async def plan_button(query: CallbackQuery, callback_data: VipAdmin, ctx: AppContext) -> None:
        """One plan's detail with its actions (edit, archive)."""
        await screen(query, *await plan_detail(ctx, query.from_user, callback_data.id))

    @router.callback_query(VipAdmin.filter(F.action.in_({"new", "edit"})))
    async def new_or_edit_button(
        query: CallbackQuery, callback_data: VipAdmin, ctx: AppContext, state: FSMContext
    ) -> None:
        """Start the plan form on the pressed message; editing remembers which plan (0
        means a new one)."""
        user = query.from_user
        plan_id = callback_data.id if callback_data.action == "edit" else 0
        text = await plan_step_text(ctx, user, plan_id, "name")
        if text is None:
            await screen(query, *await plan_detail(ctx, user, plan_id))
            return
        chat_id, pressed = where_pressed(query)
        await open_prompt(
            state, PlanForm.name, {"plan_id": plan_id}, bot=query.bot, chat_id=chat_id, keep=pressed
        )
        await remember_prompt(state, await prompt_screen(query, text, await kb.cancel(ctx, user)))

    @router.callback_query(VipAdmin.filter(F.action == "archive"))
    async def archive_button(
        query: CallbackQuery, callback_data: VipAdmin, ctx: AppContext
    ) -> None:
        user = query.from_user
        plan = await service(ctx).archive_plan(callback_data.id)
        if plan is None:
            text = await ctx.voice.say("vip.plan.not_found", user=user)
        else:
            text = await ctx.voice.say("vip.plan.archived", user=user, plan=plan.name)
        await screen(query, text, await kb.admin_back(ctx, user))

    @router.message(StateFilter(PlanForm.name), F.text)
    async def plan_name(message: Message, ctx: AppContext, state: FSMContext) -> None:
        name = (message.text or "").strip()
        assert message.from_user is not None
        if not 1 <= len(name) <= 64:
            sent = await message.answer(
                await ctx.voice.say("vip.plan.invalid_name", user=message.from_user),
                reply_markup=await kb.cancel(ctx, message.from_user),
            )
            await remember_prompt(state, sent)
            return
        await state.update_data(name=name)
        await state.set_state(PlanForm.days)
        await ask_step(message, ctx, message.from_user, state)

    @router.message(StateFilter(PlanForm.days), F.text)
    async def plan_days(message: Message, ctx: AppContext, state: FSMContext) -> None:
        raw = (message.text or "").strip()
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_PLAN_DAYS:
            text = await ctx.voice.say(
                "vip.plan.invalid_days",
                user=message.from_user,
                value=raw[:40],
                max_days=MAX_PLAN_DAYS,
            )
            sent = await message.answer(text, reply_markup=await kb.cancel(ctx, message.from_user))
            await remember_prompt(state, sent)
            return
        assert message.from_user is not None
        await state.update_data(days=int(raw))
        await state.set_state(PlanForm.price)
        await ask_step(message, ctx, message.from_user, state)

    @router.message(StateFilter(PlanForm.price), F.text)
    async def plan_price(message: Message, ctx: AppContext, state: FSMContext) -> None:
        user = message.from_user
        raw = (message.text or "").strip()
        price = parse_price(raw)
        if price is None:
            sent = await message.answer(
                await ctx.voice.say("vip.plan.invalid_price", user=user, value=raw[:40]),
                reply_markup=await kb.cancel(ctx, user),
            )
            await remember_prompt(state, sent)
            return
        data = await state.get_data()
        await close_prompt(state, message.bot, message.chat.id)
        svc = service(ctx)
        if data.get("plan_id"):
            plan = await svc.update_plan(data["plan_id"], data["name"], data["days"], *price)
            key = "vip.plan.edited"
        else:
            plan = await svc.create_plan(data["name"], data["days"], *price)
            key = "vip.plan.created"
        if plan is None:
            await message.answer(await ctx.voice.say("vip.plan.not_found", user=user))
            return
        await message.answer(
            await ctx.voice.say(key, user=user, plan=plan.name, days=plan.days),
            reply_markup=await kb.admin_menu(ctx, user),
        )

    return router
