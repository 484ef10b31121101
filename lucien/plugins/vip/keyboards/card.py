"""The VIP section of the admins' user card: its actions, confirmations and pages."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from lucien.plugins.vip.keyboards.common import (
    VipCard,
    card_button_data,
)
from lucien.plugins.vip.keyboards.common import button as _button
from lucien.plugins.vip.keyboards.common import markup as _markup

if TYPE_CHECKING:
    from lucien.core.context import AppContext
    from lucien.plugins.vip.services import PlanView


# ------------------------------------------------------------------ the user card


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
