"""Posts to the channels from chat, and the reaction buttons under them.

The admin's path: "Post to a channel" (or /post) -> the content (the shared composer) ->
the channel(s) -> the options (reaction buttons on by default, protection off) -> the
preview (the very copy the channel will show, with its buttons at 0, then a summary) ->
Publish now, Schedule or Cancel. Members tap the reaction buttons (`members_router`).
Texts and buttons are in `messages_posts.py` and `keyboards/posts.py`; the work in
`services/posts.py` and `services/reactions.py`. Registered at import: the composer's
`NEXT["post"]` and `SCHEDULE["post"]`, and (`post_sections.py`) the scheduled list's kind
"p"; the statistics section is `statistics_section` (re-exported here).
"""

from __future__ import annotations

import html
import re
from datetime import datetime
from typing import Any

from aiogram import F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.methods import CopyMessage, CopyMessages, SendMessage
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from lucien.core.context import AppContext
from lucien.core.formatting import Markup
from lucien.core.menus import back_to_menu_button, edit_or_send
from lucien.core.plugin import Job
from lucien.core.prompts import close_prompt, is_open_prompt, refuse_stale_cancel, remember_prompt
from lucien.plugins.publish.handlers import compose
from lucien.plugins.publish.handlers.compose import Composer, where
from lucien.plugins.publish.handlers.post_sections import statistics_section
from lucien.plugins.publish.keyboards import Compose, PublishMenu
from lucien.plugins.publish.keyboards.posts import (
    PREVIEW,
    PostReact,
    options_markup,
    post_confirm_markup,
    reaction_markup,
    target_markup,
)
from lucien.plugins.publish.services import (
    Channel,
    channels,
    posts,
    reactions,
    reactions_for,
    target_name,
    where_label,
    zone,
)

KIND = "post"
PROMPT = "publish.post.prompt"
_TAG = re.compile(r"<[^>]+>")
#: The channels the house knows, first and in this order; any other plugin's after them.
HOUSE = ("vip", "free")


def alert_text(text: str) -> str:
    """A voiced line fit for an alert or a toast (Telegram shows them as plain text)."""
    return html.unescape(_TAG.sub("", text))[:200]


# -- the draft's pieces -------------------------------------------------------------------


async def _describe(ctx: AppContext, user: Any, data: dict[str, Any]) -> dict[str, Any]:
    """The draft's where / reactions / protection, in words, for its screens."""
    targets: list[str] = data["targets"]
    sets: dict[str, list[str]] = data["sets"]
    if not data.get("react"):
        reacts = Markup(await ctx.voice.say("publish.post.reactions.off", user=user))
    elif len({tuple(sets[t]) for t in targets}) == 1:
        reacts = Markup(" ".join(html.escape(e) for e in sets[targets[0]]))
    else:  # each channel its own set
        parts = [
            await ctx.voice.say(
                "publish.post.reactions.in",
                user=user,
                emoji=" ".join(sets[t]),
                where=await target_name(ctx, t, user=user),
            )
            for t in targets
        ]
        reacts = Markup("; ".join(parts))
    protect_key = "publish.post.protect.on" if data.get("protect") else "publish.post.protect.off"
    return {
        "where": await where_label(ctx, targets, user=user),
        "reactions": reacts,
        "protection": Markup(await ctx.voice.say(protect_key, user=user)),
    }


async def _draft(
    query: CallbackQuery, ctx: AppContext, state: FSMContext, *, chosen: bool = False
) -> dict[str, Any] | None:
    """The open post draft this button belongs to (with its channels when `chosen`), or
    None: the press is answered as stale (an old or forged button)."""
    data = await state.get_data()
    open_ = data.get("kind") == KIND and await is_open_prompt(state, query.message, Composer)
    if open_ and (not chosen or "targets" in data):
        return data
    text = await ctx.voice.say("publish.compose.stale", user=query.from_user)
    await refuse_stale_cancel(query, text)
    return None


async def _channels(ctx: AppContext) -> list[Channel]:
    """The channels a post can go to, the house's own first (the VIP before the free)."""
    found = await channels(ctx)
    return sorted(found, key=lambda c: HOUSE.index(c.target) if c.target in HOUSE else len(HOUSE))


async def _is_post_draft(event: Any, state: FSMContext) -> bool:
    return (await state.get_data()).get("kind") == KIND


async def _no_channel(ctx: AppContext, user: Any) -> tuple[str, InlineKeyboardMarkup]:
    text = await ctx.voice.say("publish.post.no_channel", user=user)
    markup = InlineKeyboardMarkup(inline_keyboard=[[await back_to_menu_button(ctx, user)]])
    return text, markup


async def _start(target: Message | CallbackQuery, ctx: AppContext, state: FSMContext) -> Any:
    """The composer's prompt, or, with no channel set, where to set one."""
    if await _channels(ctx):
        return await compose.start(target, ctx, state, KIND, PROMPT)
    text, markup = await _no_channel(ctx, target.from_user)
    if isinstance(target, CallbackQuery):
        await edit_or_send(target, text, markup)
        return await target.answer()
    return await target.answer(text, reply_markup=markup)


async def _ask_target(message: Message, ctx: AppContext, state: FSMContext) -> Any:
    """`NEXT["post"]`: the content is in; which channel?"""
    user = message.from_user
    found = await _channels(ctx)
    if not found:  # unset since the draft began
        await close_prompt(state, message.bot, message.chat.id)
        text, markup = await _no_channel(ctx, user)
        return await message.answer(text, reply_markup=markup)
    text = await ctx.voice.say("publish.post.target", user=user)
    if message.media_group_id:  # answered once, at the album's first item
        text = f"{await ctx.voice.say('publish.compose.album', user=user)}\n\n{text}"
    markup = await target_markup(ctx, user, [c.target for c in found])
    await remember_prompt(state, await message.answer(text, reply_markup=markup))


async def _plans(ctx: AppContext, data: dict[str, Any]) -> list[tuple[Channel, list[str]]] | None:
    """Each chosen channel as configured now, with its set; None when one went away."""
    found = {c.target: c for c in await _channels(ctx)}
    if any(t not in found for t in data["targets"]):
        return None
    react = bool(data.get("react"))
    return [(found[t], list(data["sets"][t]) if react else []) for t in data["targets"]]


async def _copy_preview(ctx: AppContext, user: Any, data: dict[str, Any]) -> None:
    """The copy the channel will show, to the admin: once per distinct set of buttons
    (through the shared sender: an album and its line are several messages to one chat)."""
    ids = [int(i) for i in data["src_ids"]]
    sets = [data["sets"][t] for t in data["targets"]] if data.get("react") else [[]]
    shown: list[list[str]] = []
    for emoji in sets:
        if emoji in shown:
            continue
        shown.append(emoji)
        markup = reaction_markup(PREVIEW, emoji, {})
        protect = bool(data.get("protect"))
        common = {"chat_id": user.id, "from_chat_id": data["src_chat"], "protect_content": protect}
        if len(ids) == 1:
            await ctx.sender(CopyMessage(message_id=ids[0], reply_markup=markup, **common))
            continue
        await ctx.sender(CopyMessages(message_ids=ids, **common))
        if markup is not None:
            line = await ctx.voice.say("publish.post.react_line", user=user)
            await ctx.sender(SendMessage(chat_id=user.id, text=line, reply_markup=markup))


async def _options_screen(
    ctx: AppContext, user: Any, data: dict[str, Any]
) -> tuple[str, InlineKeyboardMarkup]:
    text = await ctx.voice.say(
        "publish.post.options", user=user, **await _describe(ctx, user, data)
    )
    markup = await options_markup(
        ctx, user, react=bool(data.get("react")), protect=bool(data.get("protect"))
    )
    return text, markup


async def _schedule(message: Message, ctx: AppContext, state: FSMContext, moment: datetime) -> Any:
    """`SCHEDULE["post"]`: the time is in; the rows are written, due then."""
    user = message.from_user
    assert user is not None
    data = await state.get_data()
    plans = await _plans(ctx, data)
    if plans is None:
        text = await ctx.voice.say("publish.post.channel_gone", user=user)
        await close_prompt(state, message.bot, message.chat.id)
        return message.answer(text)
    await posts(ctx).create(
        admin_id=user.id,
        locale=user.language_code,
        plans=plans,
        source_chat_id=data["src_chat"],
        source_message_ids=[int(i) for i in data["src_ids"]],
        protect=bool(data.get("protect")),
        scheduled_at=moment,
    )
    await close_prompt(state, message.bot, message.chat.id)
    text = await ctx.voice.say(
        "publish.post.scheduled",
        user=user,
        where=await where_label(ctx, data["targets"], user=user),
        when=moment,
        zone=zone(ctx, moment),
    )
    return message.answer(text)


compose.NEXT[KIND] = _ask_target
compose.SCHEDULE[KIND] = _schedule


# -- the admin's routes -------------------------------------------------------------------


def create_router() -> Router:
    """The admins' routes of channel posts (the parent checks the role)."""
    router = Router(name="publish:posts")

    @router.message(Command("post"))
    async def command(message: Message, ctx: AppContext, state: FSMContext) -> Any:
        return await _start(message, ctx, state)

    @router.callback_query(PublishMenu.filter(F.action == "post"))
    async def menu(query: CallbackQuery, ctx: AppContext, state: FSMContext) -> Any:
        return await _start(query, ctx, state)

    @router.callback_query(Compose.filter(F.action == "target"), Composer.options)
    async def target(
        query: CallbackQuery, callback_data: Compose, ctx: AppContext, state: FSMContext
    ) -> Any:
        data = await _draft(query, ctx, state)
        if data is None:
            return None
        user = query.from_user
        found = await _channels(ctx)
        chosen = [c for c in found if callback_data.value in ("all", c.target)]
        if not chosen:  # a channel unset since the question
            alert = await ctx.voice.say("publish.post.channel_gone", user=user)
            await query.answer(alert_text(alert), show_alert=True)
            if not found:
                return await edit_or_send(query, *await _no_channel(ctx, user))
            text = await ctx.voice.say("publish.post.target", user=user)
            return await edit_or_send(
                query, text, await target_markup(ctx, user, [c.target for c in found])
            )
        sets = {c.target: await reactions_for(ctx, c.target) for c in chosen}
        targets = [c.target for c in chosen]
        await state.update_data(targets=targets, sets=sets, react=True, protect=False)
        text, markup = await _options_screen(ctx, user, await state.get_data())
        await edit_or_send(query, text, markup)
        return await query.answer()

    @router.callback_query(Compose.filter(F.action.in_({"react", "protect"})), Composer.options)
    async def switch(
        query: CallbackQuery, callback_data: Compose, ctx: AppContext, state: FSMContext
    ) -> Any:
        data = await _draft(query, ctx, state, chosen=True)
        if data is None:
            return None
        await state.update_data({callback_data.action: not data.get(callback_data.action)})
        text, markup = await _options_screen(ctx, query.from_user, await state.get_data())
        await edit_or_send(query, text, markup)
        return await query.answer()

    @router.callback_query(Compose.filter(F.action == "preview"), Composer.options)
    async def preview(query: CallbackQuery, ctx: AppContext, state: FSMContext) -> Any:
        data = await _draft(query, ctx, state, chosen=True)
        if data is None:
            return None
        user = query.from_user
        await query.answer()
        if isinstance(query.message, Message):  # its switches no longer apply
            try:
                await query.message.edit_reply_markup(reply_markup=None)
            except TelegramAPIError:
                pass
        await _copy_preview(ctx, user, data)
        text = await ctx.voice.say(
            "publish.post.preview", user=user, **await _describe(ctx, user, data)
        )
        await state.set_state(Composer.confirm)
        markup = await post_confirm_markup(ctx, user)
        sent = await ctx.sender(SendMessage(chat_id=user.id, text=text, reply_markup=markup))
        return await remember_prompt(state, sent)

    @router.callback_query(Compose.filter(F.action == "publish"), Composer.confirm)
    async def publish(query: CallbackQuery, ctx: AppContext, state: FSMContext) -> Any:
        data = await _draft(query, ctx, state, chosen=True)
        if data is None:
            return None
        user = query.from_user
        plans = await _plans(ctx, data)
        if plans is None:
            alert = await ctx.voice.say("publish.post.channel_gone", user=user)
            return await query.answer(alert_text(alert), show_alert=True)
        chat_id, pressed = where(query)
        await close_prompt(state, query.bot, chat_id, keep=pressed)
        await posts(ctx).create(
            admin_id=user.id,
            locale=user.language_code,
            plans=plans,
            source_chat_id=data["src_chat"],
            source_message_ids=[int(i) for i in data["src_ids"]],
            protect=bool(data.get("protect")),
        )
        where_ = await where_label(ctx, data["targets"], user=user)
        await edit_or_send(
            query, await ctx.voice.say("publish.post.queued", user=user, where=where_)
        )
        return await query.answer()

    @router.message(Composer.options, ~F.media_group_id, ~F.text.startswith("/"), _is_post_draft)
    @router.message(Composer.confirm, ~F.text.startswith("/"), _is_post_draft)
    async def use_the_buttons(message: Message, ctx: AppContext, state: FSMContext) -> Any:
        """Words while the draft waits for a button: say so, the buttons stay."""
        text = await ctx.voice.say("publish.post.choose", user=message.from_user)
        return message.answer(text)

    return router


# -- the members' route -------------------------------------------------------------------

_TAP_KEYS = {
    "added": "publish.react.added",
    "changed": "publish.react.changed",
    "removed": "publish.react.removed",
    "outsider": "publish.react.members_only",
    "gone": "publish.react.gone",
    "unknown": "publish.react.unavailable",
}


def members_router() -> Router:
    """The reaction buttons under channel posts, pressed by anyone who sees them."""
    router = Router(name="publish:reactions")

    @router.callback_query(PostReact.filter())
    async def react(query: CallbackQuery, callback_data: PostReact, ctx: AppContext) -> Any:
        user = query.from_user
        message = query.message
        if callback_data.p == PREVIEW:
            text = await ctx.voice.say("publish.react.preview", user=user)
            return await query.answer(alert_text(text))
        if message is None:
            outcome = await reactions(ctx).tap(callback_data.p, callback_data.i, user.id, 0, 0)
        else:
            outcome = await reactions(ctx).tap(
                callback_data.p, callback_data.i, user.id, message.chat.id, message.message_id
            )
        text = await ctx.voice.say(_TAP_KEYS[outcome.outcome], user=user, emoji=outcome.emoji)
        return await query.answer(alert_text(text), show_alert=not outcome.stored)

    return router


# -- jobs -------------------------------------------------


async def _posts_job(ctx: AppContext) -> None:
    await posts(ctx).run_job()


async def _reactions_job(ctx: AppContext) -> None:
    await reactions(ctx).run_job()


def jobs() -> list[Job]:
    """The posts' jobs: due posts delivered, reaction buttons' coalesced edits."""
    return [Job("publish.posts", _posts_job, 1.0), Job("publish.reactions", _reactions_job, 1.0)]


__all__ = ["create_router", "jobs", "members_router", "statistics_section"]
