"""Broadcasts from chat: the audience (everyone, a role, or those active in the last N
days), the preview (the very copy recipients get, then the count), send now or schedule,
and the progress message's Pause, Resume and Cancel."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from aiogram import F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.methods import CopyMessage, CopyMessages, SendMessage
from aiogram.types import CallbackQuery, Message

from lucien.core.context import AppContext
from lucien.core.menus import edit_or_send
from lucien.core.prompts import close_prompt, is_open_prompt, refuse_stale_cancel, remember_prompt
from lucien.plugins.publish.handlers import compose
from lucien.plugins.publish.handlers.compose import Composer, where
from lucien.plugins.publish.handlers.progress import audience_label, make_renderer
from lucien.plugins.publish.keyboards import Compose, PublishMenu, Steer
from lucien.plugins.publish.keyboards.broadcasts import (
    audience_markup,
    cancel_markup,
    confirm_markup,
)
from lucien.plugins.publish.services import broadcasts, zone
from lucien.plugins.publish.services.common import EVERYONE

MAX_DAYS = 365
KIND = "broadcast"


def audiences(ctx: AppContext) -> list[str]:
    """Everyone, then each declared role (highest first)."""
    return [EVERYONE, *ctx.roles.names]


async def copy_preview(
    ctx: AppContext, message_or_query: Message | CallbackQuery, data: dict[str, Any], **extra: Any
) -> None:
    """The content copied back to the admin: exactly what recipients will get (through
    the sender: a preview right after the admin's own messages is paced like any send)."""
    chat_id = message_or_query.from_user.id if message_or_query.from_user else data["src_chat"]
    ids = [int(i) for i in data["src_ids"]]
    source = int(data["src_chat"])
    if len(ids) == 1:
        await ctx.sender(
            CopyMessage(chat_id=chat_id, from_chat_id=source, message_id=ids[0], **extra)
        )
    else:
        await ctx.sender(
            CopyMessages(chat_id=chat_id, from_chat_id=source, message_ids=ids, **extra)
        )


async def _ask_audience(message: Message, ctx: AppContext, state: FSMContext) -> Any:
    user = message.from_user
    text = await ctx.voice.say("publish.broadcast.audience", user=user)
    if message.media_group_id:  # answered once, at the album's first item
        text = f"{await ctx.voice.say('publish.compose.album', user=user)}\n\n{text}"
    markup = await audience_markup(ctx, user, audiences(ctx))
    await remember_prompt(state, await message.answer(text, reply_markup=markup))


async def _preview(target: Message | CallbackQuery, ctx: AppContext, state: FSMContext) -> Any:
    """The copy, then the count and Send now / Schedule / Cancel."""
    user = target.from_user
    data = await state.get_data()
    audience, days = data["audience"], data.get("days")
    count = len(await broadcasts(ctx).audience(audience, days))
    if count == 0:
        text = await ctx.voice.say("publish.broadcast.empty", user=user)
        markup = await audience_markup(ctx, user, audiences(ctx))
        await state.set_state(Composer.options)
        sent = await (
            edit_or_send(target, text, markup)
            if isinstance(target, CallbackQuery)
            else target.answer(text, reply_markup=markup)
        )
        return await remember_prompt(state, sent)
    await copy_preview(ctx, target, data)
    label = await audience_label(ctx, audience, days, user=user)
    text = await ctx.voice.say("publish.broadcast.preview", user=user, count=count, audience=label)
    await state.set_state(Composer.confirm)
    assert user is not None
    markup = await confirm_markup(ctx, user)
    sent = await ctx.sender(SendMessage(chat_id=user.id, text=text, reply_markup=markup))
    return await remember_prompt(state, sent)


async def _schedule(message: Message, ctx: AppContext, state: FSMContext, moment: Any) -> Any:
    user = message.from_user
    assert user is not None
    data = await state.get_data()
    view = await broadcasts(ctx).create(
        admin_id=user.id,
        locale=user.language_code,
        audience=data["audience"],
        active_days=data.get("days"),
        source_chat_id=data["src_chat"],
        source_message_ids=[int(i) for i in data["src_ids"]],
        scheduled_at=moment,
    )
    await close_prompt(state, message.bot, message.chat.id)
    label = await audience_label(ctx, view.audience, view.active_days, user=user)
    text = await ctx.voice.say(
        "publish.broadcast.scheduled",
        user=user,
        when=moment,
        zone=zone(ctx, moment),
        audience=label,
    )
    return message.answer(text)


async def _draft(query: CallbackQuery, ctx: AppContext, state: FSMContext) -> dict[str, Any] | None:
    """The open broadcast draft this button belongs to, or None: an old or forged button
    (another draft's, a post draft's) is answered as stale and changes nothing."""
    data = await state.get_data()
    if data.get("kind") == KIND and await is_open_prompt(state, query.message, Composer):
        return data
    text = await ctx.voice.say("publish.compose.stale", user=query.from_user)
    await refuse_stale_cancel(query, text)
    return None


compose.NEXT[KIND] = _ask_audience
compose.SCHEDULE[KIND] = _schedule


def create_router() -> Router:
    router = Router(name="publish:broadcasts")

    @router.message(Command("broadcast"))
    async def command(message: Message, ctx: AppContext, state: FSMContext) -> Any:
        await compose.start(message, ctx, state, KIND, "publish.compose.prompt")

    @router.callback_query(PublishMenu.filter(F.action == "broadcast"))
    async def menu(query: CallbackQuery, ctx: AppContext, state: FSMContext) -> Any:
        await compose.start(query, ctx, state, KIND, "publish.compose.prompt")

    @router.callback_query(Compose.filter(F.action == "audience"), Composer.options)
    async def audience(
        query: CallbackQuery, callback_data: Compose, ctx: AppContext, state: FSMContext
    ) -> Any:
        if await _draft(query, ctx, state) is None:
            return None
        if callback_data.value not in audiences(ctx):  # a role whose plugin went away
            text = await ctx.voice.say("publish.compose.stale", user=query.from_user)
            return await query.answer(text[:200], show_alert=True)
        await state.update_data(audience=callback_data.value, days=None)
        await query.answer()
        if isinstance(query.message, Message):  # chosen: its buttons would mislead later
            with suppress(TelegramAPIError):
                await query.message.edit_reply_markup(reply_markup=None)
        return await _preview(query, ctx, state)

    @router.callback_query(Compose.filter(F.action == "active"), Composer.options)
    async def active(query: CallbackQuery, ctx: AppContext, state: FSMContext) -> Any:
        if await _draft(query, ctx, state) is None:
            return None
        await state.set_state(Composer.days)
        text = await ctx.voice.say("publish.broadcast.days_prompt", user=query.from_user)
        await remember_prompt(
            state, await edit_or_send(query, text, await cancel_markup(ctx, query.from_user))
        )
        return query.answer()

    @router.message(Composer.days, ~F.text.startswith("/"))
    async def days(message: Message, ctx: AppContext, state: FSMContext) -> Any:
        # "7", "7 días", "7 days": the number is what counts.
        raw = (message.text or "").strip().split(maxsplit=1)[0] if message.text else ""
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_DAYS:
            text = await ctx.voice.say("publish.broadcast.days_invalid", user=message.from_user)
            markup = await cancel_markup(ctx, message.from_user)
            return await remember_prompt(state, await message.answer(text, reply_markup=markup))
        await state.update_data(audience=EVERYONE, days=int(raw))
        return await _preview(message, ctx, state)

    @router.callback_query(Compose.filter(F.action == "send"), Composer.confirm)
    async def send(query: CallbackQuery, ctx: AppContext, state: FSMContext) -> Any:
        """Write the broadcast and its recipients; this message becomes its progress."""
        data = await _draft(query, ctx, state)
        if data is None:
            return None
        user = query.from_user
        chat_id, pressed = where(query)
        await close_prompt(state, query.bot, chat_id, keep=pressed)
        service = broadcasts(ctx)
        view = await service.create(
            admin_id=user.id,
            locale=user.language_code,
            audience=data["audience"],
            active_days=data.get("days"),
            source_chat_id=data["src_chat"],
            source_message_ids=[int(i) for i in data["src_ids"]],
            progress=(chat_id, pressed) if pressed is not None else None,
        )
        text, markup = await make_renderer(ctx)(view)
        shown = await edit_or_send(query, text, markup)
        if pressed is None and isinstance(shown, Message):
            await service.set_progress_message(view.id, shown.chat.id, shown.message_id)
        return query.answer()

    @router.callback_query(Steer.filter())
    async def steer(query: CallbackQuery, callback_data: Steer, ctx: AppContext) -> Any:
        """Pause, resume or cancel, from any admin's press on the progress message."""
        service = broadcasts(ctx)
        action, broadcast_id = callback_data.action, callback_data.id
        view = await (
            service.cancel(broadcast_id)
            if action == "cancel"
            else service.set_status(broadcast_id, action)
        )
        if view is None:
            text = await ctx.voice.say("publish.broadcast.not_now", user=query.from_user)
            await query.answer(text[:200], show_alert=True)
            current = await service.view(broadcast_id)
            if current is not None:
                await service.show_progress(broadcast_id)
            return None
        await service.show_progress(broadcast_id)
        return query.answer()

    return router
