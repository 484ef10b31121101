"""The members' side of the vip plugin: redeeming a token (deep link, pasted bare or as
its invitation link, or after the Redeem button), the entry ritual that follows
(`ritual.py`), the VIP menu and offer, the channel link, and the VIP channel's
chat_member updates. Everyone reaches these handlers; the service decides what they get.
"""

from __future__ import annotations

import logging
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, ChatMemberUpdated, Message, User

from lucien.core.context import AppContext
from lucien.core.plugin import Role
from lucien.core.prompts import close_prompt, open_prompt, remember_prompt
from lucien.plugins.vip import keyboards as kb
from lucien.plugins.vip.handlers import ritual
from lucien.plugins.vip.handlers.common import clicked, plan_lines, service
from lucien.plugins.vip.keyboards import VipMenu
from lucien.plugins.vip.services import TOKEN_LIKE_RE

log = logging.getLogger("lucien.vip")
ADMIN = "admin"  # the admins' role (the admin plugin's), as the handlers' package says it


class RedeemForm(StatesGroup):
    """The user pressed Redeem / Renew: the next text is taken as a token. The prompt's
    Cancel goes back to the main menu (the core's handler leaves the prompt); once a token
    is sent, the prompt loses that button."""

    code = State()


async def redeem_and_answer(message: Message, ctx: AppContext, code: str) -> None:
    """Redeem `code` (or the invitation link it came in) for the sender; on success, the
    entry ritual begins, unless a member already inside renewed (their new end date)."""
    user = message.from_user
    if user is None:
        # No sender (an anonymous group admin, a channel): nobody to credit; the token
        # stays unused and the chat is not told about it.
        log.info("token sent without a sender in chat %s: ignored", message.chat.id)
        return
    svc = service(ctx)
    result = await svc.redeem(user.id, code)
    if result.status != "ok":
        # Never a dead end: a mistyped one may be sent again; any refusal leads back home.
        retry = result.status in ("malformed", "unknown")
        await message.answer(
            await ctx.voice.say(f"vip.refused.{result.status}", user=user),
            reply_markup=await kb.refused_redeem(ctx, user, retry=retry),
        )
        return
    if await svc.membership.present(user.id):  # inside already (a renewal): no ritual
        text = await ctx.voice.say(
            "vip.renewed", user=user, plan=result.plan, end_date=result.ends_at
        )
        await message.answer(text, reply_markup=await kb.member_menu(ctx, user))
        return
    await ritual.show(message, ctx, user, await svc.rituals.begin(user.id, "token"), fresh=True)


async def send_link(message: Message, ctx: AppContext, user: User) -> None:
    """The one-time channel link, or why there is none; during the entry ritual, its
    stage (the link is its third)."""
    if await ritual.resume(message, ctx, user):
        return
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
        await not_vip(message, ctx, user)


async def not_vip(message: Message, ctx: AppContext, user: Any, role: Role | None = None) -> None:
    """No running membership: how to get one ("Renew" only for a former member); an
    admin, who grants memberships rather than redeems one, is shown the way to the VIP
    administration instead."""
    if role == ADMIN:
        await message.answer(
            await ctx.voice.say("vip.admin.not_member", user=user),
            reply_markup=await kb.admin_pointer(ctx, user),
        )
        return
    was_member = user is not None and await service(ctx).membership.was_member(user.id)
    await message.answer(
        await ctx.voice.say("vip.not_vip", user=user),
        reply_markup=await kb.redeem_or_renew(ctx, user, was_member=was_member),
    )


async def show_menu(
    message: Message, ctx: AppContext, user: User, role: Role | None = None
) -> None:
    """The VIP menu: plan, days left, end date; the ritual's stage while it is under way;
    or how to become VIP."""
    if await ritual.resume(message, ctx, user):
        return
    sub = await service(ctx).subscription(user.id)
    if sub is None:
        await not_vip(message, ctx, user, role)
        return
    plan = sub.plan or await ctx.voice.say("vip.plan.courtesy", user=user)
    text = await ctx.voice.say(
        "vip.menu", user=user, plan=plan, days_left=sub.days_left, end_date=sub.ends_at
    )
    await message.answer(text, reply_markup=await kb.member_menu(ctx, user))


async def show_offer(message: Message, ctx: AppContext, user: User | None) -> None:
    """What VIP offers: the plans with their prices, and how to get in."""
    svc = service(ctx)
    plans = await svc.list_plans()
    if plans:
        lines = await plan_lines(ctx, user, plans)
        text = await ctx.voice.say("vip.offer", user=user, plans=lines)
    else:
        text = await ctx.voice.say("vip.offer.none", user=user)
    was_member = user is not None and await svc.membership.was_member(user.id)
    await message.answer(
        text, reply_markup=await kb.redeem_or_renew(ctx, user, was_member=was_member)
    )


def create_router() -> Router:
    """The members' router: one handler per way in and per VIP menu button."""
    router = Router(name="vip.members")
    router.include_router(ritual.create_router())

    @router.message(CommandStart(deep_link=True, magic=F.args.startswith("VIP-")))
    async def start_with_token(message: Message, command: CommandObject, ctx: AppContext) -> None:
        await redeem_and_answer(message, ctx, command.args or "")

    @router.message(StateFilter(RedeemForm.code), F.text)
    async def token_after_prompt(message: Message, ctx: AppContext, state: FSMContext) -> None:
        await close_prompt(state, message.bot, message.chat.id)
        await redeem_and_answer(message, ctx, message.text or "")

    @router.message(F.text.regexp(TOKEN_LIKE_RE))
    async def pasted_token(message: Message, ctx: AppContext) -> None:
        await redeem_and_answer(message, ctx, message.text or "")

    @router.message(Command("vip"))
    async def vip_command(message: Message, ctx: AppContext, role: Role | None = None) -> None:
        if message.from_user is None:  # no sender: the public offer, no personal menu
            await show_offer(message, ctx, None)
        else:
            await show_menu(message, ctx, message.from_user, role)

    @router.callback_query(VipMenu.filter(F.action == "menu"))
    async def menu_button(query: CallbackQuery, ctx: AppContext, role: Role | None = None) -> None:
        if message := await clicked(query):
            await show_menu(message, ctx, query.from_user, role)

    @router.callback_query(VipMenu.filter(F.action == "link"))
    async def link_button(query: CallbackQuery, ctx: AppContext) -> None:
        if message := await clicked(query):
            await send_link(message, ctx, query.from_user)

    @router.callback_query(VipMenu.filter(F.action == "offer"))
    async def offer_button(query: CallbackQuery, ctx: AppContext) -> None:
        if message := await clicked(query):
            await show_offer(message, ctx, query.from_user)

    @router.callback_query(VipMenu.filter(F.action == "redeem"))
    async def redeem_button(query: CallbackQuery, ctx: AppContext, state: FSMContext) -> None:
        if message := await clicked(query):
            user = query.from_user
            await open_prompt(state, RedeemForm.code, bot=query.bot, chat_id=message.chat.id)
            sent = await message.answer(
                await ctx.voice.say("vip.redeem.prompt", user=user),
                reply_markup=await kb.redeem_cancel(ctx, user),
            )
            await remember_prompt(state, sent)

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
