"""Keyboards of the broadcasts: audiences, the confirmation, the progress message's
controls, and the scheduled list."""

from __future__ import annotations

from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from lucien.core.context import AppContext
from lucien.plugins.publish.keyboards import Compose, ScheduledItem, Steer, button
from lucien.plugins.publish.services.common import EVERYONE, PAUSED, SENDING


async def audience_button(ctx: AppContext, audience: str, user: Any) -> InlineKeyboardButton:
    """An audience's button: a plugin may label its role (`button.publish.audience.<role>`),
    else the generic one naming it."""
    key = f"button.publish.audience.{audience}"
    data = Compose(action="audience", value=audience)
    if audience == EVERYONE or key in ctx.app.messages:
        return await button(ctx, key, data, user)
    return await button(ctx, "button.publish.audience.role", data, user, role=audience)


async def audience_markup(ctx: AppContext, user: Any, audiences: list[str]) -> InlineKeyboardMarkup:
    rows = [[await audience_button(ctx, a, user)] for a in audiences]
    rows.append(
        [await button(ctx, "button.publish.audience.active", Compose(action="active"), user)]
    )
    rows.append([await button(ctx, "button.publish.cancel", Compose(action="cancel"), user)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def cancel_markup(ctx: AppContext, user: Any) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [await button(ctx, "button.publish.cancel", Compose(action="cancel"), user)]
        ]
    )


async def confirm_markup(ctx: AppContext, user: Any) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                await button(ctx, "button.publish.send_now", Compose(action="send"), user),
                await button(ctx, "button.publish.schedule", Compose(action="schedule"), user),
            ],
            [await button(ctx, "button.publish.cancel", Compose(action="cancel"), user)],
        ]
    )


async def steer_markup(
    ctx: AppContext, status: str, broadcast_id: int, locale: str | None
) -> InlineKeyboardMarkup | None:
    """Pause (or Resume) and Cancel while the broadcast runs; nothing once it ended."""
    if status not in (SENDING, PAUSED):
        return None
    toggle = "resume" if status == PAUSED else "pause"
    row = [
        InlineKeyboardButton(
            text=await ctx.voice.button(f"button.publish.{toggle}", locale=locale),
            callback_data=Steer(action=toggle, id=broadcast_id).pack(),
        ),
        InlineKeyboardButton(
            text=await ctx.voice.button("button.publish.stop", locale=locale),
            callback_data=Steer(action="cancel", id=broadcast_id).pack(),
        ),
    ]
    return InlineKeyboardMarkup(inline_keyboard=[row])


async def item_markup(ctx: AppContext, user: Any, kind: str, item_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                await button(
                    ctx,
                    "button.publish.scheduled.move",
                    ScheduledItem(kind=kind, id=item_id, action="move"),
                    user,
                ),
                await button(
                    ctx,
                    "button.publish.scheduled.drop",
                    ScheduledItem(kind=kind, id=item_id, action="drop"),
                    user,
                ),
            ],
            [
                await button(
                    ctx, "button.publish.back", ScheduledItem(kind=kind, id=0, action="list"), user
                )
            ],
        ]
    )
