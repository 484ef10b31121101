"""Inline keyboards and callback data of the vip plugin. Every label goes through the voice."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from lucien.core.menus import MenuCallback, back_to_menu_button

if TYPE_CHECKING:
    from lucien.core.context import AppContext
    from lucien.plugins.vip.services import PlanView, SubscriberRow, TokenRow


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


# ------------------------------------------------------------------ the user card

#: The admin plugin's user card, in the format that plugin documents: plugins never import
#: one another, so the string is built here (docs/writing-plugins.md, `lucien_user_card`).
USER_CARD = "ucard:{user_id}"


class VipCard(CallbackData, prefix="vipu"):
    """The VIP actions of the admins' user card, on user `u`: `grant` (plans or days),
    `plan` (confirm a grant of plan `a`), `days` (ask how many days to grant), `extend`
    (ask how many to add), `revoke` and `expel` (confirm), `ok` (the second press: `op`
    with its `a`), `hist` (history page `a`), `cancel` (a prompt). `v` is the card's
    version the admin saw (`grant`, `plan`, `days` and `ok`)."""

    action: str
    u: int
    a: int = 0
    op: str = ""
    v: int = 0


def card_button_data(user_id: int) -> str:
    """The callback data that opens the admin plugin's card of `user_id`."""
    return USER_CARD.format(user_id=user_id)


async def back_to_card_button(ctx: AppContext, admin: Any, user_id: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=await ctx.voice.button("button.vip.card.back", user=admin),
        callback_data=card_button_data(user_id),
    )


async def back_to_card(ctx: AppContext, admin: Any, user_id: int) -> InlineKeyboardMarkup:
    """After an action, or under a refusal: the way back to the card."""
    return _markup([[await back_to_card_button(ctx, admin, user_id)]])


async def card_actions(
    ctx: AppContext, admin: Any, user_id: int, *, active: bool, more_history: bool, version: int
) -> tuple[InlineKeyboardButton, ...]:
    """The card section's buttons: Extend and Revoke for a VIP, Make VIP otherwise (with
    the card's `version`: its plan choice is refused once the card changed); Expel always
    (a stranger may sit in the channel); the whole history when it is longer."""
    keys = ["extend", "revoke"] if active else ["grant"]
    keys.append("expel")
    if more_history:
        keys.append("hist")
    labels = {"hist": "history"}
    return tuple([
        await _button(
            ctx, f"button.vip.card.{labels.get(k, k)}", admin,
            VipCard(action=k, u=user_id, v=version if k == "grant" else 0),
        )
        for k in keys
    ])  # fmt: skip


async def grant_choice(
    ctx: AppContext, admin: Any, user_id: int, plans: list[PlanView], version: int
) -> InlineKeyboardMarkup:
    """A button per active plan, a number of days instead (each with the card `version`
    the choice was made on), back to the card."""
    rows = [
        [
            await _button(
                ctx, "button.vip.card.plan", admin,
                VipCard(action="plan", u=user_id, a=p.id, v=version),
                plan=p.name, days=p.days,
            )
        ]
        for p in plans
    ]  # fmt: skip
    days = VipCard(action="days", u=user_id, v=version)
    rows.append([await _button(ctx, "button.vip.card.days", admin, days)])
    rows.append([await back_to_card_button(ctx, admin, user_id)])
    return _markup(rows)


async def confirm(
    ctx: AppContext, admin: Any, user_id: int, op: str, version: int, arg: int = 0
) -> InlineKeyboardMarkup:
    """The second press (carrying what the admin saw), or back to the card."""
    data = VipCard(action="ok", u=user_id, a=arg, op=op, v=version)
    return _markup([
        [await _button(ctx, "button.vip.card.confirm", admin, data)],
        [await back_to_card_button(ctx, admin, user_id)],
    ])  # fmt: skip


async def prompt_cancel(ctx: AppContext, admin: Any, user_id: int) -> InlineKeyboardMarkup:
    """Under the days prompt."""
    return _markup(
        [[await _button(ctx, "button.vip.cancel", admin, VipCard(action="cancel", u=user_id))]]
    )


async def history_pages(
    ctx: AppContext, admin: Any, user_id: int, page: int, pages: int
) -> InlineKeyboardMarkup:
    """Previous / next history page, back to the card."""
    nav = []
    if page > 0:
        nav.append(
            await _button(
                ctx, "button.vip.subs.prev", admin, VipCard(action="hist", u=user_id, a=page - 1)
            )
        )
    if page + 1 < pages:
        nav.append(
            await _button(
                ctx, "button.vip.subs.next", admin, VipCard(action="hist", u=user_id, a=page + 1)
            )
        )
    rows = [nav] if nav else []
    rows.append([await back_to_card_button(ctx, admin, user_id)])
    return _markup(rows)


# ------------------------------------------------------------------ subscribers


class VipSubs(CallbackData, prefix="vips"):
    """The subscriber list: `list` (filter `f`, page `p`, plan `plan` for the plan
    filter), `plans` (choose the plan), `csv` (the filter's every row as a document)."""

    action: str = "list"
    f: str = "active"
    p: int = 0
    plan: int = 0


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
