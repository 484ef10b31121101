"""The admins' VIP keyboards: the VIP menu, plans, tokens and the subscriber list."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from lucien.core.menus import back_to_menu_button
from lucien.plugins.vip.keyboards.common import (
    VipAdmin,
    VipSubs,
    card_button_data,
)
from lucien.plugins.vip.keyboards.common import button as _button
from lucien.plugins.vip.keyboards.common import markup as _markup

if TYPE_CHECKING:
    from lucien.core.context import AppContext
    from lucien.plugins.vip.services import PlanView, SubscriberRow, TokenRow


# ------------------------------------------------------------------ admins


async def admin_menu(ctx: AppContext, user: Any) -> InlineKeyboardMarkup:
    """VIP administration: plans, generate tokens, unused tokens, redeemed tokens."""
    return _markup([
        [await _button(ctx, "button.vip.plans", user, VipAdmin(action="plans"))],
        [await _button(ctx, "button.vip.tokens.generate", user, VipAdmin(action="gen"))],
        [await _button(ctx, "button.vip.tokens.list", user, VipAdmin(action="tokens"))],
        [await _button(ctx, "button.vip.tokens.redeemed", user, VipAdmin(action="redeemed"))],
        [await _button(ctx, "button.vip.subscribers", user, VipSubs())],
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


# ------------------------------------------------------------------ subscribers


async def subscribers(
    ctx: AppContext, admin: Any, rows: list[SubscriberRow], where: VipSubs, pages: int
) -> InlineKeyboardMarkup:
    """One button per subscriber (opens the card), the pages, the filters, the export."""
    lines = [
        [
            InlineKeyboardButton(
                text=await ctx.voice.button(
                    "button.vip.subs.entry", user=admin, member=member_label(r), end_date=r.ends_at
                ),
                callback_data=card_button_data(r.user_id),
            )
        ]
        for r in rows
    ]
    nav = []
    if where.p > 0:
        nav.append(
            await _button(
                ctx,
                "button.vip.subs.prev",
                admin,
                VipSubs(f=where.f, p=where.p - 1, plan=where.plan),
            )
        )
    if where.p + 1 < pages:
        nav.append(
            await _button(
                ctx,
                "button.vip.subs.next",
                admin,
                VipSubs(f=where.f, p=where.p + 1, plan=where.plan),
            )
        )
    if nav:
        lines.append(nav)
    lines.append([
        await _button(ctx, "button.vip.subs.active", admin, VipSubs(f="active")),
        await _button(ctx, "button.vip.subs.expiring", admin, VipSubs(f="expiring")),
    ])  # fmt: skip
    lines.append([
        await _button(ctx, "button.vip.subs.expired", admin, VipSubs(f="expired")),
        await _button(ctx, "button.vip.subs.by_plan", admin, VipSubs(action="plans")),
    ])  # fmt: skip
    if rows:
        lines.append(
            [
                await _button(
                    ctx,
                    "button.vip.subs.csv",
                    admin,
                    VipSubs(action="csv", f=where.f, plan=where.plan),
                )
            ]
        )
    lines.append([await back_to_admin(ctx, admin)])
    return _markup(lines)


async def subscriber_plans(
    ctx: AppContext, admin: Any, plans: list[PlanView]
) -> InlineKeyboardMarkup:
    """Choose the plan of the plan filter."""
    rows = [
        [
            await _button(
                ctx, "button.vip.plan.item", admin, VipSubs(f="plan", plan=p.id), plan=p.name
            )
        ]
        for p in plans
    ]
    rows.append([await _button(ctx, "button.vip.subscribers", admin, VipSubs())])
    return _markup(rows)


async def back_to_list(ctx: AppContext, admin: Any, where: VipSubs) -> InlineKeyboardButton:
    """On a card opened from the subscriber list: back to the page it was opened from."""
    return await _button(ctx, "button.vip.card.back_to_list", admin, where)


def member_label(row: Any) -> str:
    """How a subscriber is named in a list: first name, else @username, else the id."""
    if row.name:
        return str(row.name)
    return f"@{row.username}" if row.username else str(row.user_id)
