"""The composer shared by broadcasts and channel posts: the admin sends the content as a
normal message (formatted text, photo, video, document, voice note, animation or an
album), the composer keeps its ids (it is copied later, so formatting and media survive)
and hands over to the flow that asked for it (`NEXT[kind]`: the audience for a broadcast,
the channels for a post). A time to schedule is asked here too, for both.

FSM data while composing: `kind` ("broadcast", "post"), `src_chat`, `src_ids` (the album's
items in order), `album` (its media_group_id), then what each flow adds.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from lucien.core.context import AppContext
from lucien.core.menus import edit_or_send
from lucien.core.prompts import (
    close_prompt,
    is_open_prompt,
    open_prompt,
    refuse_stale_cancel,
    remember_prompt,
)
from lucien.plugins.publish.keyboards import Compose
from lucien.plugins.publish.keyboards.broadcasts import cancel_markup
from lucien.plugins.publish.services import creator_tz, parse_when, zone

#: What each kind of draft does once its content is in (`kind` -> handler).
Next = Callable[[Message, AppContext, FSMContext], Awaitable[Any]]
NEXT: dict[str, Next] = {}
#: What each kind does with a parsed time (`kind` -> handler(message, ctx, state, when)).
SCHEDULE: dict[str, Callable[..., Awaitable[Any]]] = {}

# What a broadcast or a post may carry: what copyMessage copies as it was sent.
CONTENT_TYPES = {"text", "photo", "video", "document", "voice", "animation", "audio", "video_note"}


class Composer(StatesGroup):
    content = State()  # waiting for what to send
    options = State()  # content in; the flow's choices (audience, channels...)
    days = State()  # a broadcast's "active in the last N days"
    confirm = State()  # the preview shown; send now or schedule
    when = State()  # waiting for the time


class Moving(StatesGroup):
    when = State()  # a scheduled item's new time (the scheduled list)


def where(query: CallbackQuery) -> tuple[int, int | None]:
    """The chat and message a button was pressed on."""
    message = query.message
    if message is None:
        return query.from_user.id, None
    return message.chat.id, message.message_id


async def start(
    target: Message | CallbackQuery, ctx: AppContext, state: FSMContext, kind: str, prompt_key: str
) -> None:
    """Open a draft of `kind`: the prompt asking for the content, with Cancel."""
    user = target.from_user
    markup = await cancel_markup(ctx, user)
    text = await ctx.voice.say(prompt_key, user=user)
    if isinstance(target, CallbackQuery):
        chat_id, pressed = where(target)
        await open_prompt(
            state, Composer.content, {"kind": kind}, bot=target.bot, chat_id=chat_id, keep=pressed
        )
        await remember_prompt(state, await edit_or_send(target, text, markup))
        await target.answer()
    else:
        await open_prompt(
            state, Composer.content, {"kind": kind}, bot=target.bot, chat_id=target.chat.id
        )
        await remember_prompt(state, await target.answer(text, reply_markup=markup))


def create_router() -> Router:
    router = Router(name="publish:compose")

    @router.message(Composer.content, ~F.text.startswith("/"))
    async def content(message: Message, ctx: AppContext, state: FSMContext) -> Any:
        if message.content_type not in CONTENT_TYPES:
            text = await ctx.voice.say("publish.compose.unsupported", user=message.from_user)
            return message.answer(text, reply_markup=await cancel_markup(ctx, message.from_user))
        data = await state.get_data()
        await state.update_data(
            src_chat=message.chat.id,
            src_ids=[message.message_id],
            album=message.media_group_id,
        )
        await state.set_state(Composer.options)
        return await NEXT[data["kind"]](message, ctx, state)

    @router.message(Composer.options, F.media_group_id)
    async def album_part(message: Message, ctx: AppContext, state: FSMContext) -> Any:
        """The album's later items (one update each): added in order, quietly (the
        album was answered once, at its first item)."""
        data = await state.get_data()
        if data.get("album") != message.media_group_id:
            text = await ctx.voice.say("publish.compose.stale", user=message.from_user)
            return message.answer(text)
        ids = sorted({*data.get("src_ids", []), message.message_id})
        await state.update_data(src_ids=ids)
        return None

    @router.callback_query(Compose.filter(F.action == "cancel"))
    async def cancel(query: CallbackQuery, ctx: AppContext, state: FSMContext) -> Any:
        if not await is_open_prompt(state, query.message, (Composer, Moving)):
            text = await ctx.voice.say("publish.compose.stale", user=query.from_user)
            return await refuse_stale_cancel(query, text)
        chat_id, pressed = where(query)
        await close_prompt(state, query.bot, chat_id, keep=pressed)
        text = await ctx.voice.say("publish.compose.cancelled", user=query.from_user)
        await edit_or_send(query, text)
        return query.answer()

    @router.callback_query(Compose.filter(F.action == "schedule"), Composer.confirm)
    async def ask_when(query: CallbackQuery, ctx: AppContext, state: FSMContext) -> Any:
        now = ctx.clock.now()
        text = await ctx.voice.say(
            "publish.schedule.prompt", user=query.from_user, zone=zone(ctx, now)
        )
        await state.set_state(Composer.when)
        await remember_prompt(
            state, await edit_or_send(query, text, await cancel_markup(ctx, query.from_user))
        )
        return query.answer()

    @router.message(Composer.when, ~F.text.startswith("/"))
    async def when(message: Message, ctx: AppContext, state: FSMContext) -> Any:
        now = ctx.clock.now()
        user = message.from_user
        moment = parse_when(message.text or "", creator_tz(ctx), now)
        markup = await cancel_markup(ctx, user)
        if moment is None or moment <= now:
            key = "publish.schedule.invalid" if moment is None else "publish.schedule.past"
            text = await ctx.voice.say(key, user=user, zone=zone(ctx, now))
            return await remember_prompt(state, await message.answer(text, reply_markup=markup))
        data = await state.get_data()
        return await SCHEDULE[data["kind"]](message, ctx, state, moment)

    return router


def stale_router() -> Router:
    """Included after every flow's router: what none of them took."""
    router = Router(name="publish:stale")

    @router.callback_query(Compose.filter())
    async def stale(query: CallbackQuery, ctx: AppContext) -> Any:
        """A composer button from a draft no longer open (sent, cancelled, or another)."""
        text = await ctx.voice.say("publish.compose.stale", user=query.from_user)
        return await refuse_stale_cancel(query, text)

    return router
