"""Keyboards of the channel posts: the target, the options (reaction buttons, protection),
the confirmation, and the reaction buttons themselves under a post.

The reaction buttons are pressed by channel members, not admins: their prefix ("pr") is
deliberately not among `ADMIN_PREFIXES`. Their data is short ("pr:<post>:<place>", far
under Telegram's 64 bytes): the emoji is found by its place in the post's own set.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from lucien.core.context import AppContext
from lucien.plugins.publish.keyboards import Compose, button

#: Reaction buttons on one row at most (more are split over two balanced rows).
ROW = 4
#: The post id a preview's buttons carry: pressing them only says it is a preview.
PREVIEW = 0


class PostReact(CallbackData, prefix="pr"):
    """A reaction button: `p` the post (0 in the admin's preview), `i` the emoji's place
    in the post's set."""

    p: int
    i: int


def reaction_markup(
    post_id: int, emoji: Sequence[str], counts: Mapping[str, int]
) -> InlineKeyboardMarkup | None:
    """One button per emoji, "<emoji> <count>" (0 shown too: every button reads the same
    way); None without a set."""
    if not emoji:
        return None
    buttons = [
        InlineKeyboardButton(
            text=f"{e} {counts.get(e, 0)}", callback_data=PostReact(p=post_id, i=i).pack()
        )
        for i, e in enumerate(emoji)
    ]
    rows = 1 if len(buttons) <= ROW else 2
    width = -(-len(buttons) // rows)  # 5 -> 3 + 2, 8 -> 4 + 4
    return InlineKeyboardMarkup(
        inline_keyboard=[buttons[i : i + width] for i in range(0, len(buttons), width)]
    )


async def target_button(ctx: AppContext, target: str, user: Any) -> InlineKeyboardButton:
    """A channel's button: a plugin may label its own (`button.publish.target.<name>`),
    else the generic one naming the plugin."""
    key = f"button.publish.target.{target}"
    data = Compose(action="target", value=target)
    if key in ctx.app.messages:
        return await button(ctx, key, data, user)
    return await button(ctx, "button.publish.target.other", data, user, target=target)


async def target_markup(ctx: AppContext, user: Any, targets: list[str]) -> InlineKeyboardMarkup:
    """Each channel, then "Both" (two) or "All of them" (more), then Cancel."""
    rows = [[await target_button(ctx, t, user)] for t in targets]
    if len(targets) > 1:
        key = "button.publish.target.both" if len(targets) == 2 else "button.publish.target.all"
        rows.append([await button(ctx, key, Compose(action="target", value="all"), user)])
    rows.append([await button(ctx, "button.publish.cancel", Compose(action="cancel"), user)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def options_markup(
    ctx: AppContext, user: Any, *, react: bool, protect: bool
) -> InlineKeyboardMarkup:
    """The two switches (each says its state), the preview, Cancel."""
    react_key = "button.publish.post.reactions_on" if react else "button.publish.post.reactions_off"
    protect_key = "button.publish.post.protect_on" if protect else "button.publish.post.protect_off"
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [await button(ctx, react_key, Compose(action="react"), user)],
            [await button(ctx, protect_key, Compose(action="protect"), user)],
            [await button(ctx, "button.publish.post.preview", Compose(action="preview"), user)],
            [await button(ctx, "button.publish.cancel", Compose(action="cancel"), user)],
        ]
    )


async def post_confirm_markup(ctx: AppContext, user: Any) -> InlineKeyboardMarkup:
    """Publish now / Schedule / Cancel under the preview's summary."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                await button(ctx, "button.publish.post.publish", Compose(action="publish"), user),
                await button(ctx, "button.publish.schedule", Compose(action="schedule"), user),
            ],
            [await button(ctx, "button.publish.cancel", Compose(action="cancel"), user)],
        ]
    )
