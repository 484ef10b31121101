"""The members' keyboards: the VIP menu, the link, renewing, the entry ritual."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from lucien.core.menus import MenuCallback, back_to_menu_button
from lucien.plugins.vip.keyboards.common import VipAdmin, VipMenu, VipRitual
from lucien.plugins.vip.keyboards.common import button as _button
from lucien.plugins.vip.keyboards.common import markup as _markup

if TYPE_CHECKING:
    from lucien.core.context import AppContext


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
    """Under the farewell: how to renew."""
    return _markup([[await _button(ctx, "button.vip.renew", user, VipMenu(action="redeem"))]])


async def redeem_or_renew(ctx: AppContext, user: Any, *, was_member: bool) -> InlineKeyboardMarkup:
    """How to become VIP: "Renew" for someone who was a member, "Redeem an invitation" for
    someone who never was (there is nothing of theirs to renew)."""
    key = "button.vip.renew" if was_member else "button.vip.redeem"
    return _markup([[await _button(ctx, key, user, VipMenu(action="redeem"))]])


async def refused_redeem(ctx: AppContext, user: Any, *, retry: bool) -> InlineKeyboardMarkup:
    """Under a refused invitation: "Redeem an invitation" again when it may have been
    mistyped (`retry`), and always the way back to the main menu."""
    rows = [[await _button(ctx, "button.vip.redeem", user, VipMenu(action="redeem"))]]
    return _markup([*(rows if retry else []), [await back_to_menu_button(ctx, user)]])


async def admin_pointer(ctx: AppContext, user: Any) -> InlineKeyboardMarkup:
    """For an admin who is no member: the VIP administration, or back to the menu."""
    return _markup([
        [await _button(ctx, "button.vip.admin", user, VipAdmin(action="menu"))],
        [await back_to_menu_button(ctx, user)],
    ])  # fmt: skip


async def back_only(ctx: AppContext, user: Any) -> InlineKeyboardMarkup:
    return _markup([[await back_to_menu_button(ctx, user)]])


async def redeem_cancel(ctx: AppContext, user: Any) -> InlineKeyboardMarkup:
    """Under the redeem prompt: Cancel is the way back to the main menu, whose handler
    (the core's) also leaves the prompt."""
    return _markup([[await _button(ctx, "button.vip.cancel", user, MenuCallback())]])


# ------------------------------------------------------------------ the entry ritual


async def ritual_step(
    ctx: AppContext, user: Any, user_id: int, nonce: int, stage: int
) -> InlineKeyboardMarkup:
    """The one button of stage 1 ("Continue") or 2 ("I am ready"): on to the next."""
    key = "button.vip.ritual.continue" if stage == 1 else "button.vip.ritual.ready"
    data = VipRitual(action="next", u=user_id, n=nonce, s=stage)
    return _markup([[await _button(ctx, key, user, data)]])


async def ritual_cross(ctx: AppContext, user: Any, link: str) -> InlineKeyboardMarkup:
    """Stage 3: the one-time link as a URL button ("Cross the threshold")."""
    text = await ctx.voice.button("button.vip.ritual.cross", user=user)
    return _markup([[InlineKeyboardButton(text=text, url=link)]])


async def ritual_retry(
    ctx: AppContext, user: Any, user_id: int, nonce: int
) -> InlineKeyboardMarkup:
    """Stage 3 when the link could not be made: ask again later, still in the ritual."""
    data = VipRitual(action="again", u=user_id, n=nonce, s=3)
    return _markup([[await _button(ctx, "button.vip.ritual.retry", user, data)]])
