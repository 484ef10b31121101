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
from lucien.plugins.free.services import minutes_until, service


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


async def vestibule(ctx: AppContext, user: Any) -> tuple[str, InlineKeyboardMarkup]:
    """The vestibule screen as this user stands at its door: the way in (the join link,
    the wait) for someone outside, the time left for someone waiting, the way into the
    channel for a member, a closed door for someone banned; the creator's networks below."""
    svc = service(ctx)
    cfg = await svc.settings()
    vip_enabled = ctx.registry.is_enabled("vip")
    link = await svc.join_link(cfg.channel_id) if cfg.channel_id is not None else None
    door: tuple[str, str] | None = None
    if cfg.channel_id is None or link is None:
        text = await ctx.voice.say("free.channel_unset", user=user)
    else:
        standing = await svc.standing(cfg.channel_id, user.id)
        if standing.where == "member":
            text = await ctx.voice.say("free.menu_member", user=user)
            door = ("button.free.enter", await svc.channel.open_link(cfg.channel_id) or link)
        elif standing.where == "banned":
            text = await ctx.voice.say("free.request.refused", user=user)
        elif standing.where == "pending" and standing.due_at is not None:
            if cfg.show_wait:
                left = minutes_until(standing.due_at, ctx.clock.now())
                text = await ctx.voice.say("free.menu_pending", user=user, minutes_left=left)
            else:
                text = await ctx.voice.say("free.menu_pending_unhurried", user=user)
        else:
            if cfg.show_wait:
                text = await ctx.voice.say("free.menu", user=user, wait_minutes=cfg.wait_minutes)
            else:
                text = await ctx.voice.say("free.menu_unhurried", user=user)
            door = ("button.free.request", link)
    if cfg.social_links:
        text += "\n\n" + await ctx.voice.say("free.links", user=user)
    markup = await free_menu_markup(
        ctx, user, vip_enabled=vip_enabled, door=door, links=cfg.social_links
    )
    return text, markup


def create_router() -> Router:
    """A fresh router per application (a router can only be attached to one parent)."""
    router = Router(name="free:members")
    router.chat_join_request.filter(_is_free_channel)

    @router.chat_join_request()
    async def join_request(request: ChatJoinRequest, ctx: AppContext, role: Role | None) -> None:
        await service(ctx).receive(request, role)

    @router.callback_query(FreeCallback.filter(F.screen == "menu"))
    async def free_menu(query: CallbackQuery, ctx: AppContext) -> Any:
        text, markup = await vestibule(ctx, query.from_user)
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
