"""Inline keyboards and callback data of the vip plugin. Every label goes through the voice."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from lucien.core.menus import MenuCallback, back_to_menu_button

if TYPE_CHECKING:
    from lucien.core.context import AppContext
    from lucien.plugins.vip.services import PlanView, TokenRow


class VipMenu(CallbackData, prefix="vipm"):
    """The member's side: `menu` (VIP menu), `link` (channel link), `redeem`, `offer`."""

    action: str


class VipAdmin(CallbackData, prefix="vipa"):
    """Admin screens: menu, plans, plan, new, edit, archive, gen, gen_plan, tokens,
    redeemed, revoke, cancel; `id` is a plan or token id where one is needed."""

    action: str
    id: int = 0


async def _button(
    ctx: AppContext, key: str, user: Any, data: CallbackData, **kw: Any
) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=await ctx.voice.button(key, user=user, **kw), callback_data=data.pack()
    )


def _markup(rows: list[list[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=rows)


# ------------------------------------------------------------------ members


async def member_menu(ctx: AppContext, user: Any) -> InlineKeyboardMarkup:
    """The VIP menu: get my channel link, renew, back to the main menu."""
    return _markup([
        [await _button(ctx, "button.vip.get_link", user, VipMenu(action="link"))],
        [await _button(ctx, "button.vip.renew", user, VipMenu(action="redeem"))],
        [await back_to_menu_button(ctx, user)],
    ])  # fmt: skip


async def join_button(ctx: AppContext, user: Any, link: str) -> InlineKeyboardMarkup:
    """A URL button that opens the invite link."""
    text = await ctx.voice.button("button.vip.join", user=user)
    return _markup([[InlineKeyboardButton(text=text, url=link)]])


async def link_retry(ctx: AppContext, user: Any) -> InlineKeyboardMarkup:
    """Ask for the link again later (when the bot could not make one)."""
    return _markup([
        [await _button(ctx, "button.vip.get_link", user, VipMenu(action="link"))],
        [await _button(ctx, "button.vip.menu", user, VipMenu(action="menu"))],
    ])  # fmt: skip


async def renew(ctx: AppContext, user: Any) -> InlineKeyboardMarkup:
    """Under the farewell and the reminders: how to renew."""
    return _markup([[await _button(ctx, "button.vip.renew", user, VipMenu(action="redeem"))]])


async def back_only(ctx: AppContext, user: Any) -> InlineKeyboardMarkup:
    return _markup([[await back_to_menu_button(ctx, user)]])


async def redeem_cancel(ctx: AppContext, user: Any) -> InlineKeyboardMarkup:
    """Under the redeem prompt: Cancel is the way back to the main menu, whose handler
    (the core's) also leaves the prompt."""
    return _markup([[await _button(ctx, "button.vip.cancel", user, MenuCallback())]])


# ------------------------------------------------------------------ admins


async def admin_menu(ctx: AppContext, user: Any) -> InlineKeyboardMarkup:
    """VIP administration: plans, generate tokens, unused tokens, redeemed tokens."""
    return _markup([
        [await _button(ctx, "button.vip.plans", user, VipAdmin(action="plans"))],
        [await _button(ctx, "button.vip.tokens.generate", user, VipAdmin(action="gen"))],
        [await _button(ctx, "button.vip.tokens.list", user, VipAdmin(action="tokens"))],
        [await _button(ctx, "button.vip.tokens.redeemed", user, VipAdmin(action="redeemed"))],
        [await back_to_menu_button(ctx, user)],
    ])  # fmt: skip


async def back_to_admin(ctx: AppContext, user: Any) -> InlineKeyboardButton:
    return await _button(ctx, "button.vip.admin", user, VipAdmin(action="menu"))


async def plans_list(ctx: AppContext, user: Any, plans: list[PlanView]) -> InlineKeyboardMarkup:
    """One button per plan (opens it), New plan, back."""
    rows = [
        [
            await _button(
                ctx, "button.vip.plan.item", user, VipAdmin(action="plan", id=p.id), plan=p.name
            )
        ]
        for p in plans
    ]
    rows.append([await _button(ctx, "button.vip.plan.new", user, VipAdmin(action="new"))])
    rows.append([await back_to_admin(ctx, user)])
    return _markup(rows)


async def plan_actions(ctx: AppContext, user: Any, plan_id: int) -> InlineKeyboardMarkup:
    return _markup([
        [await _button(ctx, "button.vip.plan.edit", user, VipAdmin(action="edit", id=plan_id)),
         await _button(ctx, "button.vip.plan.archive", user, VipAdmin(action="archive", id=plan_id))],
        [await _button(ctx, "button.vip.plans", user, VipAdmin(action="plans"))],
    ])  # fmt: skip


async def choose_plan(ctx: AppContext, user: Any, plans: list[PlanView]) -> InlineKeyboardMarkup:
    """Pick the plan to generate tokens for."""
    rows = [
        [
            await _button(
                ctx, "button.vip.plan.item", user, VipAdmin(action="gen_plan", id=p.id), plan=p.name
            )
        ]
        for p in plans
    ]
    rows.append([await back_to_admin(ctx, user)])
    return _markup(rows)


async def cancel(ctx: AppContext, user: Any) -> InlineKeyboardMarkup:
    """Under every prompt of a multi-step form."""
    return _markup([[await _button(ctx, "button.vip.cancel", user, VipAdmin(action="cancel"))]])


async def token_list(ctx: AppContext, user: Any, tokens: list[TokenRow]) -> InlineKeyboardMarkup:
    """A revoke button per unused token, then back."""
    rows = [
        [
            await _button(
                ctx,
                "button.vip.token.revoke_one",
                user,
                VipAdmin(action="revoke", id=t.id),
                token=t.code[:12],
            )
        ]
        for t in tokens
    ]
    rows.append([await back_to_admin(ctx, user)])
    return _markup(rows)


async def admin_back(ctx: AppContext, user: Any) -> InlineKeyboardMarkup:
    return _markup([[await back_to_admin(ctx, user)]])
