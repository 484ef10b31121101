"""Aiogram routers of the vip plugin: thin, no SQL; `VipService` does the work.

Two routers: the admin one (plans and tokens, guarded at router level) and the members'
one (redemption by deep link or pasted token, the VIP menu, the channel link, and the
chat_member updates of the VIP channel).
"""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, ChatMemberUpdated, Message, User

from lucien.core.context import AppContext
from lucien.core.filters import RoleFilter
from lucien.plugins.vip import keyboards as kb
from lucien.plugins.vip.keyboards import VipAdmin, VipMenu
from lucien.plugins.vip.services import (
    MAX_PLAN_DAYS,
    MAX_TOKENS_PER_BATCH,
    TOKEN_LIKE_RE,
    VipService,
    parse_price,
)


class PlanForm(StatesGroup):
    """Creating or editing a plan (`plan_id` in the data when editing)."""

    name = State()
    days = State()
    price = State()


class TokenForm(StatesGroup):
    """How many tokens to generate (`plan_id` in the data)."""

    count = State()


class RedeemForm(StatesGroup):
    """The user pressed Redeem / Renew: the next text is taken as a token."""

    code = State()


def service(ctx: AppContext) -> VipService:
    return ctx.service("vip", VipService)


def create_router() -> Router:
    """The plugin's routers under one parent; built fresh per application."""
    root = Router(name="vip")
    root.include_router(_admin_router())
    root.include_router(_member_router())
    return root


# =========================================================================== members


async def redeem_and_answer(message: Message, ctx: AppContext, code: str) -> None:
    """Redeem `code` for the sender and tell them; on success hand over the channel link."""
    user = message.from_user
    assert user is not None
    result = await service(ctx).redeem(user.id, code)
    if result.status != "ok":
        await message.answer(await ctx.voice.say(f"vip.refused.{result.status}", user=user))
        return
    await message.answer(
        await ctx.voice.say(
            "vip.redeemed", user=user, plan=result.plan, days=result.days, end_date=result.ends_at
        )
    )
    await send_link(message, ctx, user)


async def send_link(message: Message, ctx: AppContext, user: User) -> None:
    """The one-time channel link, or why there is none."""
    outcome = await service(ctx).invite(user)
    if outcome.status == "link":
        text = await ctx.voice.say(
            "vip.invite_link", user=user, link=outcome.link, expires=outcome.expires_at
        )
        await message.answer(text, reply_markup=await kb.join_button(ctx, user, outcome.link))
    elif outcome.status == "member":
        await message.answer(
            await ctx.voice.say("vip.already_member", user=user),
            reply_markup=await kb.back_only(ctx, user),
        )
    elif outcome.status == "unavailable":
        await message.answer(
            await ctx.voice.say("vip.link_unavailable", user=user),
            reply_markup=await kb.link_retry(ctx, user),
        )
    else:
        await message.answer(
            await ctx.voice.say("vip.not_vip", user=user), reply_markup=await kb.renew(ctx, user)
        )


async def show_menu(message: Message, ctx: AppContext, user: User) -> None:
    """The VIP menu: plan, days left, end date; or how to become VIP."""
    sub = await service(ctx).subscription(user.id)
    if sub is None:
        await message.answer(
            await ctx.voice.say("vip.not_vip", user=user), reply_markup=await kb.renew(ctx, user)
        )
        return
    text = await ctx.voice.say(
        "vip.menu", user=user, plan=sub.plan, days_left=sub.days_left, end_date=sub.ends_at
    )
    await message.answer(text, reply_markup=await kb.member_menu(ctx, user))


async def show_offer(message: Message, ctx: AppContext, user: User) -> None:
    """What VIP offers: the plans with their prices, and how to get in."""
    plans = await service(ctx).list_plans()
    if plans:
        text = await ctx.voice.say("vip.offer", user=user, plans="\n".join(p.line() for p in plans))
    else:
        text = await ctx.voice.say("vip.offer.none", user=user)
    await message.answer(text, reply_markup=await kb.renew(ctx, user))


def _member_router() -> Router:
    router = Router(name="vip.members")

    @router.message(CommandStart(deep_link=True, magic=F.args.startswith("VIP-")))
    async def start_with_token(message: Message, command: CommandObject, ctx: AppContext) -> None:
        await redeem_and_answer(message, ctx, command.args or "")

    @router.message(StateFilter(RedeemForm.code), F.text)
    async def token_after_prompt(message: Message, ctx: AppContext, state: FSMContext) -> None:
        await state.clear()
        await redeem_and_answer(message, ctx, message.text or "")

    @router.message(F.text.regexp(TOKEN_LIKE_RE))
    async def pasted_token(message: Message, ctx: AppContext) -> None:
        await redeem_and_answer(message, ctx, message.text or "")

    @router.message(Command("vip"))
    async def vip_command(message: Message, ctx: AppContext) -> None:
        assert message.from_user is not None
        await show_menu(message, ctx, message.from_user)

    @router.callback_query(VipMenu.filter())
    async def member_click(
        query: CallbackQuery, callback_data: VipMenu, ctx: AppContext, state: FSMContext
    ) -> None:
        user, message = query.from_user, query.message
        await query.answer()
        if not isinstance(message, Message):
            return
        if callback_data.action == "menu":
            await show_menu(message, ctx, user)
        elif callback_data.action == "link":
            await send_link(message, ctx, user)
        elif callback_data.action == "offer":
            await show_offer(message, ctx, user)
        else:
            await state.set_state(RedeemForm.code)
            await message.answer(await ctx.voice.say("vip.redeem.prompt", user=user))

    @router.chat_member()
    async def channel_member(update: ChatMemberUpdated, ctx: AppContext) -> None:
        link = update.invite_link.invite_link if update.invite_link else None
        await service(ctx).on_member_update(
            update.chat.id,
            update.new_chat_member.user,
            update.old_chat_member,
            update.new_chat_member,
            link,
        )

    return router


# =========================================================================== admins


def _admin_router() -> Router:
    router = Router(name="vip.admin")
    router.message.filter(RoleFilter("admin"))
    router.callback_query.filter(RoleFilter("admin"))

    async def admin_menu(message: Message, ctx: AppContext, user: User) -> None:
        await message.answer(
            await ctx.voice.say("vip.admin.menu.header", user=user),
            reply_markup=await kb.admin_menu(ctx, user),
        )

    async def plans_screen(message: Message, ctx: AppContext, user: User) -> None:
        plans = await service(ctx).list_plans()
        if plans:
            text = await ctx.voice.say(
                "vip.plan.list", user=user, plans="\n".join(p.line() for p in plans)
            )
        else:
            text = await ctx.voice.say("vip.plan.none", user=user)
        await message.answer(text, reply_markup=await kb.plans_list(ctx, user, plans))

    @router.message(Command("vipadmin"))
    async def vipadmin_command(message: Message, ctx: AppContext, state: FSMContext) -> None:
        assert message.from_user is not None
        await state.clear()
        await admin_menu(message, ctx, message.from_user)

    @router.callback_query(VipAdmin.filter())
    async def admin_click(
        query: CallbackQuery, callback_data: VipAdmin, ctx: AppContext, state: FSMContext
    ) -> None:
        user, message, action = query.from_user, query.message, callback_data.action
        await query.answer()
        if not isinstance(message, Message):
            return
        svc = service(ctx)
        if action == "menu":
            await state.clear()
            await admin_menu(message, ctx, user)
        elif action == "cancel":
            await state.clear()
            await message.answer(
                await ctx.voice.say("vip.cancelled", user=user),
                reply_markup=await kb.admin_menu(ctx, user),
            )
        elif action == "plans":
            await plans_screen(message, ctx, user)
        elif action == "plan":
            plan = await svc.get_plan(callback_data.id)
            if plan is None or plan.archived:
                await message.answer(await ctx.voice.say("vip.plan.not_found", user=user))
                return
            text = await ctx.voice.say(
                "vip.plan.detail",
                user=user,
                plan=plan.name,
                days=plan.days,
                price=plan.price or "—",
            )
            await message.answer(text, reply_markup=await kb.plan_actions(ctx, user, plan.id))
        elif action in ("new", "edit"):
            await state.set_state(PlanForm.name)
            await state.set_data({"plan_id": callback_data.id if action == "edit" else 0})
            await message.answer(
                await ctx.voice.say("vip.plan.prompt_name", user=user),
                reply_markup=await kb.cancel(ctx, user),
            )
        elif action == "archive":
            plan = await svc.archive_plan(callback_data.id)
            if plan is None:
                await message.answer(await ctx.voice.say("vip.plan.not_found", user=user))
                return
            await message.answer(
                await ctx.voice.say("vip.plan.archived", user=user, plan=plan.name),
                reply_markup=await kb.admin_back(ctx, user),
            )
        elif action == "gen":
            plans = await svc.list_plans()
            if not plans:
                await message.answer(
                    await ctx.voice.say("vip.plan.none", user=user),
                    reply_markup=await kb.plans_list(ctx, user, plans),
                )
                return
            await message.answer(
                await ctx.voice.say("vip.token.prompt_plan", user=user),
                reply_markup=await kb.choose_plan(ctx, user, plans),
            )
        elif action == "gen_plan":
            plan = await svc.get_plan(callback_data.id)
            if plan is None or plan.archived:
                await message.answer(await ctx.voice.say("vip.plan.not_found", user=user))
                return
            await state.set_state(TokenForm.count)
            await state.set_data({"plan_id": plan.id})
            await message.answer(
                await ctx.voice.say(
                    "vip.token.prompt_count", user=user, plan=plan.name, max=MAX_TOKENS_PER_BATCH
                ),
                reply_markup=await kb.cancel(ctx, user),
            )
        elif action == "tokens":
            tokens = await svc.unused_tokens()
            if tokens:
                lines = "\n".join(f"{t.code} — {t.plan} — {t.expires_at:%Y-%m-%d}" for t in tokens)
                text = await ctx.voice.say("vip.token.list", user=user, tokens=lines)
            else:
                text = await ctx.voice.say("vip.token.none", user=user)
            await message.answer(text, reply_markup=await kb.token_list(ctx, user, tokens))
        elif action == "redeemed":
            rows = await svc.redeemed_tokens()
            if rows:
                lines = "\n".join(
                    f"{t.code} — {t.plan} — {t.redeemed_name or '?'} ({t.redeemed_by})"
                    f" — {t.redeemed_at:%Y-%m-%d %H:%M} UTC"
                    for t in rows
                )
                text = await ctx.voice.say("vip.token.redeemed_list", user=user, tokens=lines)
            else:
                text = await ctx.voice.say("vip.token.redeemed_none", user=user)
            await message.answer(text, reply_markup=await kb.admin_back(ctx, user))
        elif action == "revoke":
            code = await svc.revoke_token(callback_data.id)
            key = "vip.token.revoked" if code else "vip.token.not_revocable"
            await message.answer(
                await ctx.voice.say(key, user=user, token=code or ""),
                reply_markup=await kb.admin_back(ctx, user),
            )

    @router.message(StateFilter(PlanForm.name), F.text)
    async def plan_name(message: Message, ctx: AppContext, state: FSMContext) -> None:
        name = (message.text or "").strip()
        if not 1 <= len(name) <= 64:
            await message.answer(
                await ctx.voice.say("vip.plan.invalid_name", user=message.from_user),
                reply_markup=await kb.cancel(ctx, message.from_user),
            )
            return
        await state.update_data(name=name)
        await state.set_state(PlanForm.days)
        await message.answer(
            await ctx.voice.say("vip.plan.prompt_days", user=message.from_user),
            reply_markup=await kb.cancel(ctx, message.from_user),
        )

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
            await message.answer(text, reply_markup=await kb.cancel(ctx, message.from_user))
            return
        await state.update_data(days=int(raw))
        await state.set_state(PlanForm.price)
        await message.answer(
            await ctx.voice.say("vip.plan.prompt_price", user=message.from_user),
            reply_markup=await kb.cancel(ctx, message.from_user),
        )

    @router.message(StateFilter(PlanForm.price), F.text)
    async def plan_price(message: Message, ctx: AppContext, state: FSMContext) -> None:
        user = message.from_user
        raw = (message.text or "").strip()
        price = parse_price(raw)
        if price is None:
            await message.answer(
                await ctx.voice.say("vip.plan.invalid_price", user=user, value=raw[:40]),
                reply_markup=await kb.cancel(ctx, user),
            )
            return
        data = await state.get_data()
        await state.clear()
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

    @router.message(StateFilter(TokenForm.count), F.text)
    async def token_count(message: Message, ctx: AppContext, state: FSMContext) -> None:
        user = message.from_user
        raw = (message.text or "").strip()
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_TOKENS_PER_BATCH:
            await message.answer(
                await ctx.voice.say(
                    "vip.token.invalid_count", user=user, value=raw[:40], max=MAX_TOKENS_PER_BATCH
                ),
                reply_markup=await kb.cancel(ctx, user),
            )
            return
        data = await state.get_data()
        await state.clear()
        await deliver_tokens(message, ctx, user, data["plan_id"], int(raw))

    return router


async def deliver_tokens(
    message: Message, ctx: AppContext, user: Any, plan_id: int, count: int
) -> None:
    """Generate and hand over tokens: one as a message, a few as a list, many as CSV."""
    svc = service(ctx)
    plan = await svc.get_plan(plan_id)
    try:
        codes = await svc.generate_tokens(plan_id, count, user.id if user else None)
    except LookupError:
        await message.answer(await ctx.voice.say("vip.plan.not_found", user=user))
        return
    assert plan is not None
    expires = await svc.token_expiry()
    back = await kb.admin_menu(ctx, user)
    if count == 1:
        text = await ctx.voice.say(
            "vip.token.generated",
            user=user,
            plan=plan.name,
            days=plan.days,
            token=codes[0],
            link=svc.token_link(codes[0]),
        )
        await message.answer(text, reply_markup=back)
        return
    limit = (await svc.settings()).list_max_tokens
    context = {"count": count, "plan": plan.name, "days": plan.days, "expires": expires}
    if count <= limit:
        links = "\n".join(svc.token_link(c) for c in codes)
        text = await ctx.voice.say("vip.token.batch", user=user, links=links, **context)
        await message.answer(text, reply_markup=back, disable_web_page_preview=True)
        return
    document = BufferedInputFile(svc.tokens_csv(codes, plan, expires), filename="vip-tokens.csv")
    caption = await ctx.voice.say("vip.token.csv", user=user, **context)
    await message.answer_document(document, caption=caption, reply_markup=back)
