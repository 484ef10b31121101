"""Inline keyboards and callback data of the free plugin: the users' vestibule screens (the
creator's networks as URL buttons, the way into the channel), and the admins' queue,
confirmations and card buttons."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from lucien.core.menus import back_to_menu_button
from lucien.plugins.free.social import buttons as social_buttons

if TYPE_CHECKING:
    from lucien.core.context import AppContext
    from lucien.plugins.free.services import Page


class FreeCallback(CallbackData, prefix="free"):
    """The free plugin's screens: `menu` (the vestibule) and `vip` (what VIP offers)."""

    screen: str = "menu"


#: Social buttons side by side (network names are short).
SOCIAL_PER_ROW = 2


def social_rows(links: list[str]) -> list[list[InlineKeyboardButton]]:
    """The creator's networks as URL buttons, named by network (see `free.social`); brand
    names read the same in every language, so they do not go through the voice."""
    shown = [InlineKeyboardButton(text=b.label, url=b.url) for b in social_buttons(links)]
    return [shown[i : i + SOCIAL_PER_ROW] for i in range(0, len(shown), SOCIAL_PER_ROW)]


def social_markup(links: list[str]) -> InlineKeyboardMarkup | None:
    """Under the wait message: the networks to follow meanwhile (None without any)."""
    rows = social_rows(links)
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


async def enter_markup(ctx: AppContext, user: Any, url: str) -> InlineKeyboardMarkup:
    """Under the welcome: the way into the channel."""
    label = await ctx.voice.button("button.free.enter", user=user)
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=label, url=url)]])


async def free_menu_markup(
    ctx: AppContext,
    user: Any,
    *,
    vip_enabled: bool,
    door: tuple[str, str] | None = None,
    links: list[str] | None = None,
) -> InlineKeyboardMarkup:
    """The vestibule screen: the door (`(button key, url)`: ask to enter, or enter), the
    creator's networks, VIP info when the vip plugin runs, then back to the menu."""
    rows: list[list[InlineKeyboardButton]] = []
    if door is not None:
        key, url = door
        label = await ctx.voice.button(key, user=user)
        rows.append([InlineKeyboardButton(text=label, url=url)])
    rows.extend(social_rows(links or []))
    if vip_enabled:
        rows.append(
            [
                InlineKeyboardButton(
                    text=await ctx.voice.button("button.free.vip_info", user=user),
                    callback_data=FreeCallback(screen="vip").pack(),
                )
            ]
        )
    rows.append([await back_to_menu_button(ctx, user)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def vip_info_markup(ctx: AppContext, user: Any) -> InlineKeyboardMarkup:
    """Back to the vestibule, or to the main menu."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=await ctx.voice.button("button.free.channel", user=user),
                    callback_data=FreeCallback(screen="menu").pack(),
                )
            ],
            [await back_to_menu_button(ctx, user)],
        ]
    )


# ------------------------------------------------------------------ admins


class FreeQueue(CallbackData, prefix="freeq"):
    """The admins' screens and actions (every field has a default, so `FreeQueue().pack()`
    is a valid press): `list` (the queue's page `page`), `approve` (request `id`), `decline`
    then `decline_ok`, `all` then `all_ok`, `expel` then `expel_ok` (user `id`), `mine`
    (user `id`'s requests, page `page`). `t` is when a confirmation was shown (epoch
    seconds): an old one is refused, and it names the expulsion so that a second press of
    the same confirmation does nothing."""

    action: str = "list"
    id: int = 0
    page: int = 0
    t: int = 0


def card_data(user_id: int) -> str:
    """The admin plugin's user card (its public format; plugins never import each other)."""
    return f"ucard:{user_id}"


async def _button(
    ctx: AppContext, key: str, user: Any, data: CallbackData | str, **kw: Any
) -> InlineKeyboardButton:
    packed = data if isinstance(data, str) else data.pack()
    return InlineKeyboardButton(
        text=await ctx.voice.button(key, user=user, **kw), callback_data=packed
    )


async def card_button(ctx: AppContext, user: Any, user_id: int) -> InlineKeyboardButton:
    """Back to the user's card."""
    return await _button(ctx, "button.free.admin.card", user, card_data(user_id))


async def queue_button(ctx: AppContext, user: Any, page: int = 0) -> InlineKeyboardButton:
    """To the Free queue (from the statistics screen, a result, a confirmation)."""
    return await _button(ctx, "button.free.admin.queue", user, FreeQueue(page=page))


async def _pager(ctx: AppContext, user: Any, page: Page, make: Any) -> list[InlineKeyboardButton]:
    row = []
    if page.page > 0:
        row.append(await _button(ctx, "button.free.admin.prev", user, make(page.page - 1)))
    if page.page + 1 < page.pages:
        row.append(await _button(ctx, "button.free.admin.next", user, make(page.page + 1)))
    return row


async def queue_markup(ctx: AppContext, user: Any, page: Page) -> InlineKeyboardMarkup:
    """Per request: approve now, decline, its user's card; the pager; approve all; menu."""
    rows: list[list[InlineKeyboardButton]] = []
    for item in page.items:
        who = item.first_name or str(item.user_id)
        rows.append(
            [
                await _button(
                    ctx,
                    "button.free.admin.approve",
                    user,
                    FreeQueue(action="approve", id=item.id, page=page.page),
                    who=who,
                ),
                await _button(
                    ctx,
                    "button.free.admin.decline",
                    user,
                    FreeQueue(action="decline", id=item.id, page=page.page),
                ),
                await _button(ctx, "button.free.admin.open_card", user, card_data(item.user_id)),
            ]
        )
    pager = await _pager(ctx, user, page, lambda n: FreeQueue(page=n))
    if pager:
        rows.append(pager)
    if page.total:
        rows.append(
            [await _button(ctx, "button.free.admin.approve_all", user, FreeQueue(action="all"))]
        )
    rows.append([await back_to_menu_button(ctx, user)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def confirm_markup(
    ctx: AppContext, user: Any, key: str, confirm: FreeQueue, back: InlineKeyboardButton
) -> InlineKeyboardMarkup:
    """The second press of an action, and the way back without it."""
    return InlineKeyboardMarkup(inline_keyboard=[[await _button(ctx, key, user, confirm)], [back]])


async def after_markup(
    ctx: AppContext, user: Any, back: InlineKeyboardButton
) -> InlineKeyboardMarkup:
    """Below a result: where it came from, and the main menu."""
    return InlineKeyboardMarkup(inline_keyboard=[[back], [await back_to_menu_button(ctx, user)]])


async def user_requests_markup(
    ctx: AppContext, user: Any, user_id: int, page: Page
) -> InlineKeyboardMarkup:
    """A user's requests, paged, then back to their card."""
    rows: list[list[InlineKeyboardButton]] = []
    pager = await _pager(ctx, user, page, lambda n: FreeQueue(action="mine", id=user_id, page=n))
    if pager:
        rows.append(pager)
    rows.append([await card_button(ctx, user, user_id)])
    return InlineKeyboardMarkup(inline_keyboard=rows)
