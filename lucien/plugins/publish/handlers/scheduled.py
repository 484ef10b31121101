"""The scheduled list: every broadcast and post waiting for its time, each with Change
the time and Cancel. Each kind registers how to list, move and cancel its items
(`KINDS`): broadcasts here, posts in `posts.py`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from lucien.core.context import AppContext
from lucien.core.menus import back_to_menu_button, edit_or_send
from lucien.core.prompts import close_prompt, open_prompt, remember_prompt
from lucien.plugins.publish.handlers.compose import Moving, where
from lucien.plugins.publish.handlers.progress import audience_label
from lucien.plugins.publish.keyboards import PublishMenu, ScheduledItem
from lucien.plugins.publish.keyboards.broadcasts import cancel_markup, item_markup
from lucien.plugins.publish.services import broadcasts, creator_tz, parse_when, zone


@dataclass(frozen=True)
class Item:
    """A scheduled item as the list shows it."""

    kind: str
    id: int
    when: datetime
    text: str  # its line in the item's screen (already rendered)
    label: str  # its button: what it is, short


@dataclass(frozen=True)
class Kind:
    """How one kind of item is listed, moved and cancelled."""

    items: Callable[[AppContext, Any], Awaitable[list[Item]]]
    move: Callable[[AppContext, int, datetime], Awaitable[bool]]
    drop: Callable[[AppContext, int], Awaitable[bool]]


KINDS: dict[str, Kind] = {}


async def _broadcast_items(ctx: AppContext, user: Any) -> list[Item]:
    items = []
    for view in await broadcasts(ctx).scheduled():
        assert view.scheduled_at is not None
        label = await audience_label(ctx, view.audience, view.active_days, user=user)
        text = await ctx.voice.say(
            "publish.scheduled.broadcast",
            user=user,
            audience=label,
            when=view.scheduled_at,
            zone=zone(ctx, view.scheduled_at),
        )
        items.append(Item("b", view.id, view.scheduled_at, text, label))
    return items


async def _broadcast_drop(ctx: AppContext, item_id: int) -> bool:
    return await broadcasts(ctx).cancel(item_id) is not None


KINDS["b"] = Kind(
    _broadcast_items, lambda ctx, i, when: broadcasts(ctx).reschedule(i, when), _broadcast_drop
)


async def _all(ctx: AppContext, user: Any) -> list[Item]:
    items = [item for kind in KINDS.values() for item in await kind.items(ctx, user)]
    return sorted(items, key=lambda i: (i.when, i.kind, i.id))


def _short(ctx: AppContext, when: datetime, user: Any) -> str:
    """A list button's time: "24/12 21:00" (English "Dec 24 21:00"), with the year
    when it is not this one's (a list without years reads out of order)."""
    tz = creator_tz(ctx)
    local, this_year = when.astimezone(tz), ctx.clock.now().astimezone(tz).year
    english = (getattr(user, "language_code", None) or "").startswith("en")
    day = f"{local:%b} {local.day}" if english else f"{local:%d/%m}"
    if local.year != this_year:
        day = f"{day} {local.year}" if english else f"{day}/{local.year}"
    return f"{day} {local:%H:%M}"


async def list_screen(ctx: AppContext, user: Any) -> tuple[str, InlineKeyboardMarkup]:
    items = await _all(ctx, user)
    rows: list[list[InlineKeyboardButton]] = []
    for item in items:
        label = await ctx.voice.button(
            "button.publish.scheduled.item",
            user=user,
            when=_short(ctx, item.when, user),
            what=item.label,
        )
        rows.append(
            [
                InlineKeyboardButton(
                    text=label[:60],
                    callback_data=ScheduledItem(kind=item.kind, id=item.id, action="open").pack(),
                )
            ]
        )
    rows.append([await back_to_menu_button(ctx, user)])
    key = "publish.scheduled.title" if items else "publish.scheduled.empty"
    return await ctx.voice.say(key, user=user), InlineKeyboardMarkup(inline_keyboard=rows)


async def _find(ctx: AppContext, user: Any, kind: str, item_id: int) -> Item | None:
    if kind not in KINDS:
        return None
    return next((i for i in await KINDS[kind].items(ctx, user) if i.id == item_id), None)


def create_router() -> Router:
    router = Router(name="publish:scheduled")

    @router.message(Command("scheduled"))
    async def command(message: Message, ctx: AppContext) -> Any:
        text, markup = await list_screen(ctx, message.from_user)
        return message.answer(text, reply_markup=markup)

    @router.callback_query(PublishMenu.filter(F.action == "scheduled"))
    @router.callback_query(ScheduledItem.filter(F.action == "list"))
    async def listing(query: CallbackQuery, ctx: AppContext) -> Any:
        text, markup = await list_screen(ctx, query.from_user)
        await edit_or_send(query, text, markup)
        return query.answer()

    async def gone(query: CallbackQuery, ctx: AppContext) -> Any:
        user = query.from_user
        alert = await ctx.voice.say("publish.scheduled.gone", user=user)
        await query.answer(alert[:200], show_alert=True)
        text, markup = await list_screen(ctx, user)
        return await edit_or_send(query, text, markup)

    @router.callback_query(ScheduledItem.filter(F.action == "open"))
    async def open_item(query: CallbackQuery, callback_data: ScheduledItem, ctx: AppContext) -> Any:
        item = await _find(ctx, query.from_user, callback_data.kind, callback_data.id)
        if item is None:
            return await gone(query, ctx)
        await edit_or_send(
            query, item.text, await item_markup(ctx, query.from_user, item.kind, item.id)
        )
        return query.answer()

    @router.callback_query(ScheduledItem.filter(F.action == "drop"))
    async def drop(query: CallbackQuery, callback_data: ScheduledItem, ctx: AppContext) -> Any:
        kind = KINDS.get(callback_data.kind)
        if kind is None or not await kind.drop(ctx, callback_data.id):
            return await gone(query, ctx)
        user = query.from_user
        done = await ctx.voice.say("publish.scheduled.cancelled", user=user)
        text, markup = await list_screen(ctx, user)
        await edit_or_send(query, f"{done}\n\n{text}", markup)
        return query.answer()

    @router.callback_query(ScheduledItem.filter(F.action == "move"))
    async def move(
        query: CallbackQuery, callback_data: ScheduledItem, ctx: AppContext, state: FSMContext
    ) -> Any:
        item = await _find(ctx, query.from_user, callback_data.kind, callback_data.id)
        if item is None:
            return await gone(query, ctx)
        chat_id, pressed = where(query)
        await open_prompt(
            state,
            Moving.when,
            {"kind": item.kind, "id": item.id},
            bot=query.bot,
            chat_id=chat_id,
            keep=pressed,
        )
        now = ctx.clock.now()
        text = await ctx.voice.say(
            "publish.schedule.prompt", user=query.from_user, zone=zone(ctx, now)
        )
        await remember_prompt(
            state,
            await edit_or_send(
                query, f"{item.text}\n\n{text}", await cancel_markup(ctx, query.from_user)
            ),
        )
        return query.answer()

    @router.message(Moving.when, ~F.text.startswith("/"))
    async def moved(message: Message, ctx: AppContext, state: FSMContext) -> Any:
        user = message.from_user
        now = ctx.clock.now()
        moment = parse_when(message.text or "", creator_tz(ctx), now)
        if moment is None or moment <= now:
            key = "publish.schedule.invalid" if moment is None else "publish.schedule.past"
            text = await ctx.voice.say(key, user=user, zone=zone(ctx, now))
            return await remember_prompt(
                state, await message.answer(text, reply_markup=await cancel_markup(ctx, user))
            )
        data = await state.get_data()
        await close_prompt(state, message.bot, message.chat.id)
        kind = KINDS.get(data["kind"])
        if kind is None or not await kind.move(ctx, int(data["id"]), moment):
            return message.answer(await ctx.voice.say("publish.scheduled.gone", user=user))
        done = await ctx.voice.say(
            "publish.scheduled.moved", user=user, when=moment, zone=zone(ctx, moment)
        )
        text, markup = await list_screen(ctx, user)
        return message.answer(f"{done}\n\n{text}", reply_markup=markup)

    return router
