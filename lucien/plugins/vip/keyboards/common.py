"""The callback data of the vip plugin's buttons and the helpers every keyboard uses."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

if TYPE_CHECKING:
    from lucien.core.context import AppContext


class VipMenu(CallbackData, prefix="vipm"):
    """The member's side: `menu` (VIP menu), `link` (channel link), `redeem`, `offer`."""

    action: str


class VipAdmin(CallbackData, prefix="vipa"):
    """Admin screens: menu, plans, plan, new, edit, archive, gen, gen_plan, tokens,
    redeemed, revoke, cancel; `id` is a plan or token id where one is needed."""

    action: str
    id: int = 0


async def button(
    ctx: AppContext, key: str, user: Any, data: CallbackData, **kw: Any
) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=await ctx.voice.button(key, user=user, **kw), callback_data=data.pack()
    )


def markup(rows: list[list[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=rows)


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


class VipSubs(CallbackData, prefix="vips"):
    """The subscriber list: `list` (filter `f`, page `p`, plan `plan` for the plan
    filter), `plans` (choose the plan), `csv` (the filter's every row as a document)."""

    action: str = "list"
    f: str = "active"
    p: int = 0
    plan: int = 0


class VipRitual(CallbackData, prefix="vipr"):
    """The entry ritual's buttons, for user `u` on ritual `n` (its nonce): `next` moves it
    on from stage `s` (Continue on 1, I am ready on 2); `again` asks for the link once
    more on stage 3 (when it could not be made)."""

    action: str
    u: int
    n: int
    s: int
