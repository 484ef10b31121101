"""Finding a user and their card (under the guarded parent of `handlers/__init__.py`).

"Usuarios" (or /users) asks for an id, an @username, part of a name, or a forwarded
message; what cannot be understood is asked again with the reason, and the prompt stays
open (Cancel ends it). One person found opens their card; several are listed a page at a
time, and the prompt stays open for another search. The card opens from `ucard:<id>`
(any plugin's "back to the card" button); the admin plugin's actions on it are asked,
then confirmed by a second press.
"""

from __future__ import annotations

from typing import Any, cast

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery,
    Message,
    MessageOriginChannel,
    MessageOriginChat,
    MessageOriginHiddenUser,
    MessageOriginUser,
)

from lucien.core.context import AppContext
from lucien.core.prompts import close_prompt, is_open_prompt, open_prompt, remember_prompt
from lucien.core.prompts import show_prompt as show_prompt_on
from lucien.plugins.admin import keyboards as kb
from lucien.plugins.admin.handlers.common import edit, stale_cancel, where_pressed
from lucien.plugins.admin.keyboards import (
    AdminCallback,
    UserActionCallback,
    UserCardCallback,
    UsersCallback,
)
from lucien.plugins.admin.services import (
    ACTIONS,
    PAGE_SIZE,
    Card,
    Person,
    SearchPage,
    card_service,
    decode_fragment,
    parse_query,
    quote,
    user_directory,
)


class FindUser(StatesGroup):
    query = State()


USERS_STATES: tuple[type[StatesGroup], ...] = (FindUser,)
USERS_COMMANDS: tuple[str, ...] = ("users",)


async def _card_view(ctx: AppContext, card: Card, viewer: Any, notice: str = "") -> tuple[str, Any]:
    text = f"{notice}\n\n{card.text}" if notice else card.text
    return text, await kb.card_markup(ctx, viewer, card)


async def _results_view(
    ctx: AppContext, viewer: Any, found: SearchPage, fragment: str
) -> tuple[str, Any]:
    text = await ctx.voice.say(
        "users.results",
        user=viewer,
        count=found.total,
        query=quote(fragment),
        page=found.page + 1,
        pages=found.pages,
    )
    return text, await kb.results_markup(ctx, viewer, found, fragment)


def _forwarded(message: Message) -> int | str | None:
    """The id of the user a forwarded message came from, a message key saying why there
    is none, or None when the message is not forwarded."""
    origin = message.forward_origin
    if origin is None:
        return None
    if isinstance(origin, MessageOriginUser):
        return origin.sender_user.id
    if isinstance(origin, MessageOriginHiddenUser):
        return "users.hidden"
    if isinstance(origin, (MessageOriginChat, MessageOriginChannel)):
        return "users.not_a_person"
    return "users.invalid"


def create_router() -> Router:
    """Finding users and their cards; the parent router checks the role."""
    router = Router(name="admin:users")

    async def prompt_text(ctx: AppContext, user: Any) -> tuple[str, Any]:
        text = await ctx.voice.say("users.prompt", user=user)
        return text, await kb.users_prompt_markup(ctx, user)

    @router.message(Command("users"))
    async def users_command(message: Message, ctx: AppContext, state: FSMContext) -> Any:
        await open_prompt(state, FindUser.query, bot=message.bot, chat_id=message.chat.id)
        text, markup = await prompt_text(ctx, message.from_user)
        await remember_prompt(state, await message.answer(text, reply_markup=markup))

    @router.callback_query(AdminCallback.filter(F.screen == "users"))
    async def users_menu(query: CallbackQuery, ctx: AppContext, state: FSMContext) -> Any:
        chat_id, pressed = where_pressed(query)
        await open_prompt(state, FindUser.query, bot=query.bot, chat_id=chat_id, keep=pressed)
        text, markup = await prompt_text(ctx, query.from_user)
        await remember_prompt(state, await show_prompt_on(query, text, markup))
        return query.answer()

    @router.message(FindUser.query)
    async def users_query(message: Message, ctx: AppContext, state: FSMContext) -> Any:
        """Understand the search; ask again (prompt still open) when it finds nobody."""
        viewer = message.from_user
        if viewer is None:  # an anonymous group admin: nobody to answer
            return None

        async def again(key: str, **context: Any) -> None:
            text = await ctx.voice.say(key, user=viewer, **context)
            markup = await kb.users_prompt_markup(ctx, viewer)
            await remember_prompt(state, await message.answer(text, reply_markup=markup))

        directory = user_directory(ctx)
        shown = (message.text or message.caption or "").strip()
        people: list[Person] = []
        forwarded = _forwarded(message)
        if isinstance(forwarded, str):
            return await again(forwarded)
        if isinstance(forwarded, int):
            found = await directory.get(forwarded)
            people = [found] if found else []
            origin = cast(MessageOriginUser, message.forward_origin)
            shown = origin.sender_user.first_name or shown
        else:
            parsed = parse_query(message.text)
            if isinstance(parsed, str):
                return await again(parsed, value=quote(shown))
            if parsed.kind == "id":
                found = await directory.get(parsed.user_id)
                people = [found] if found else []
            elif parsed.kind == "username":
                people = await directory.by_username(parsed.value)
            else:
                page = await directory.search(parsed.value)
                if page.total > 1:
                    text, markup = await _results_view(ctx, viewer, page, parsed.value)
                    await remember_prompt(state, await message.answer(text, reply_markup=markup))
                    return None
                people = page.people
        if not people:
            return await again("users.not_found", value=quote(shown))
        if len(people) > 1:  # one @username, several accounts over time
            page = SearchPage(people[:PAGE_SIZE], 0, min(len(people), PAGE_SIZE))
            text, markup = await _results_view(ctx, viewer, page, shown)
            await remember_prompt(state, await message.answer(text, reply_markup=markup))
            return None
        await close_prompt(state, message.bot, message.chat.id)
        card = await card_service(ctx).build(people[0].id, viewer)
        if card is None:  # gone between the search and now: nothing to show
            return await again("users.not_found", value=quote(shown))
        text, markup = await _card_view(ctx, card, viewer)
        return message.answer(text, reply_markup=markup)

    @router.callback_query(UsersCallback.filter(F.action == "page"))
    async def users_page(
        query: CallbackQuery, callback_data: UsersCallback, ctx: AppContext
    ) -> Any:
        """Another page of a name search (the search travels in the button)."""
        fragment = decode_fragment(callback_data.q)
        found = await user_directory(ctx).search(fragment, callback_data.page)
        text, markup = await _results_view(ctx, query.from_user, found, fragment)
        await edit(query, text, markup)
        return query.answer()

    @router.callback_query(UsersCallback.filter(F.action == "cancel"))
    async def users_cancel(query: CallbackQuery, ctx: AppContext, state: FSMContext) -> Any:
        if not await is_open_prompt(state, query.message, USERS_STATES):
            return await stale_cancel(query, ctx)
        chat_id, pressed = where_pressed(query)
        await close_prompt(state, query.bot, chat_id, keep=pressed)
        user = query.from_user
        text = await ctx.voice.say("users.cancelled", user=user)
        await edit(query, text, await kb.back_markup(ctx, user))
        return query.answer()

    # -- the card ------------------------------------------------------------------------

    async def unknown(query: CallbackQuery, ctx: AppContext, user_id: int) -> Any:
        text = await ctx.voice.say("card.unknown", user=query.from_user, user_id=user_id)
        return query.answer(text[:200], show_alert=True)

    @router.callback_query(UserCardCallback.filter())
    async def open_card(
        query: CallbackQuery, callback_data: UserCardCallback, ctx: AppContext, state: FSMContext
    ) -> Any:
        """The card, in place of the pressed message (a search left open is closed)."""
        viewer = query.from_user
        card = await card_service(ctx).build(callback_data.user_id, viewer)
        if card is None:
            return await unknown(query, ctx, callback_data.user_id)
        if await state.get_state() in FindUser.__all_states_names__:
            chat_id, pressed = where_pressed(query)
            await close_prompt(state, query.bot, chat_id, keep=pressed)
        await edit(query, *(await _card_view(ctx, card, viewer)))
        return query.answer()

    @router.callback_query(UserActionCallback.filter())
    async def card_action(
        query: CallbackQuery, callback_data: UserActionCallback, ctx: AppContext
    ) -> Any:
        """Block, unblock, promote or demote: asked on the first press, done on the second;
        checked again on the second against the card as it is now."""
        viewer = query.from_user
        uid, action = callback_data.user_id, callback_data.action
        if action not in ACTIONS:  # forged, or from a version that had other actions
            return query.answer(
                (await ctx.voice.say("menu.stale", user=viewer))[:200], show_alert=True
            )
        service = card_service(ctx)
        card = await service.build(uid, viewer)
        if card is None:
            return await unknown(query, ctx, uid)
        refusal = await service.refusal(action, card, viewer.id)
        if refusal is not None:
            text = await ctx.voice.say(refusal, user=viewer, user_name=card.person.name)
            await edit(query, *(await _card_view(ctx, card, viewer, text)))
            return query.answer(text[:200], show_alert=True)
        if not callback_data.confirmed:
            text = await ctx.voice.say(
                f"card.confirm.{action}", user=viewer, user_name=card.person.name
            )
            await edit(query, text, await kb.confirm_action_markup(ctx, viewer, action, uid))
            return query.answer()
        done = await service.perform(action, uid, by=viewer.id)
        key = f"card.done.{action}" if done else "card.unchanged"
        notice = await ctx.voice.say(key, user=viewer, user_name=card.person.name)
        card = await service.build(uid, viewer) or card
        await edit(query, *(await _card_view(ctx, card, viewer, notice)))
        return query.answer()

    return router
