"""The users' side of the free plugin: join requests to the free channel, the vestibule
screen and what VIP offers. Thin, no SQL; services do the work."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.methods import SendMessage
from aiogram.types import CallbackQuery, ChatJoinRequest, InlineKeyboardMarkup, Message

from lucien.core.context import AppContext
from lucien.core.plugin import Role
from lucien.plugins.free.keyboards import FreeCallback, free_menu_markup, vip_info_markup
from lucien.plugins.free.services import service


async def _is_free_channel(event: ChatJoinRequest, ctx: AppContext) -> bool:
    """Only the configured free channel's requests are ours (the VIP plugin has its own)."""
    return await service(ctx).is_free_channel(event.chat.id)


def _show(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup) -> Any:
    """Edit the message the button was on; send a new one when it cannot be edited.

    Telegram gives an `InaccessibleMessage` (no `edit_text`) for a message too old to
    reach, and no message at all for inline-mode messages: the user still gets the screen.
    """
    message = query.message
    if isinstance(message, Message):
        return message.edit_text(text, reply_markup=markup)
    chat_id = message.chat.id if message is not None else query.from_user.id
    return SendMessage(chat_id=chat_id, text=text, reply_markup=markup)


def create_router() -> Router:
    """A fresh router per application (a router can only be attached to one parent)."""
    router = Router(name="free:members")
    router.chat_join_request.filter(_is_free_channel)

    @router.chat_join_request()
    async def join_request(request: ChatJoinRequest, ctx: AppContext, role: Role | None) -> None:
        await service(ctx).receive(request, role)

    @router.callback_query(FreeCallback.filter(F.screen == "menu"))
    async def free_menu(query: CallbackQuery, ctx: AppContext) -> Any:
        svc = service(ctx)
        cfg = await svc.settings()
        user = query.from_user
        vip_enabled = ctx.registry.is_enabled("vip")
        link = await svc.join_link(cfg.channel_id) if cfg.channel_id is not None else None
        if link is None:
            text = await ctx.voice.say("free.channel_unset", user=user)
        else:
            text = await ctx.voice.say(
                "free.menu", user=user, link=link, wait_minutes=cfg.wait_minutes
            )
            if cfg.social_links:
                text += "\n\n" + await ctx.voice.say(
                    "free.links", user=user, links="\n".join(cfg.social_links)
                )
        markup = await free_menu_markup(ctx, user, vip_enabled=vip_enabled)
        await query.answer()
        return _show(query, text, markup)

    @router.callback_query(FreeCallback.filter(F.screen == "vip"))
    async def vip_info(query: CallbackQuery, ctx: AppContext) -> Any:
        user = query.from_user
        text = await ctx.voice.say("free.vip_info", user=user)
        markup = await vip_info_markup(ctx, user)
        await query.answer()
        return _show(query, text, markup)

    return router
