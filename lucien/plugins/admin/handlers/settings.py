"""The settings screens of the admin menu: configuration, administrators, the plugins list
(under the guarded parent of `handlers/__init__.py`, which checks the role).
"""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message, MessageOriginChannel, MessageOriginUser

from lucien.core.context import AppContext
from lucien.core.menus import main_menu_markup
from lucien.core.plugin import Role
from lucien.core.prompts import (
    close_prompt,
    is_open_prompt,
    open_prompt,
    remember_prompt,
    show_prompt,
)
from lucien.plugins.admin import keyboards as kb
from lucien.plugins.admin.handlers.common import edit, stale_cancel, where_pressed
from lucien.plugins.admin.keyboards import (
    AdminCallback,
    AdminsCallback,
    AdminsPageCallback,
    ConfigCallback,
)
from lucien.plugins.admin.services import (
    EditableField,
    admin_service,
    current_value,
    editable_fields,
    find_field,
    plugin_lines,
    prompt_text,
    quote,
    save_setting,
    telegram_id,
)


class EditSetting(StatesGroup):
    value = State()


class AddAdmin(StatesGroup):
    user_id = State()


SETTINGS_STATES: tuple[type[StatesGroup], ...] = (EditSetting, AddAdmin)
SETTINGS_COMMANDS: tuple[str, ...] = ("admin", "config", "admins", "plugins")


async def _menu_text(ctx: AppContext, role: Role, user: Any) -> str:
    return await ctx.voice.say("menu.header.admin", user=user, role=role)


async def prompt_markup(ctx: AppContext, f: EditableField, user: Any) -> Any:
    """A setting prompt's buttons: Yes and No for a yes/no setting, and Cancel."""
    if f.kind == "bool":
        return await kb.bool_markup(ctx, f, user)
    return await kb.cancel_markup(ctx, user)


def create_router() -> Router:
    """The settings screens; the parent router checks the role."""
    router = Router(name="admin:settings")

    @router.message(Command("admin"))
    async def admin_menu(message: Message, ctx: AppContext, role: Role, state: FSMContext) -> Any:
        await state.clear()
        text = await _menu_text(ctx, role, message.from_user)
        return message.answer(
            text, reply_markup=await main_menu_markup(ctx, role, message.from_user)
        )

    # -- configuration -------------------------------------------------------------------

    async def config_screen(ctx: AppContext, user: Any) -> tuple[str, Any]:
        fields = editable_fields(ctx)
        text = await ctx.voice.say("config.menu.header", user=user)
        return text, await kb.config_markup(ctx, fields, user)

    @router.message(Command("config"))
    async def config_command(message: Message, ctx: AppContext, state: FSMContext) -> Any:
        await state.clear()
        text, markup = await config_screen(ctx, message.from_user)
        return message.answer(text, reply_markup=markup)

    @router.callback_query(AdminCallback.filter(F.screen == "config"))
    async def config_menu(query: CallbackQuery, ctx: AppContext, state: FSMContext) -> Any:
        await state.clear()
        text, markup = await config_screen(ctx, query.from_user)
        await edit(query, text, markup)
        return query.answer()

    @router.callback_query(ConfigCallback.filter(F.action == "edit"))
    async def edit_start(
        query: CallbackQuery, callback_data: ConfigCallback, ctx: AppContext, state: FSMContext
    ) -> Any:
        """Ask for the new value; remember the version read now (optimistic locking)."""
        f = find_field(ctx, callback_data.plugin, callback_data.key)
        if f is None:  # the plugin was disabled or the field is no longer editable
            return query.answer(
                await ctx.voice.say("menu.stale", user=query.from_user), show_alert=True
            )
        value, version = await current_value(ctx, f)
        chat_id, pressed = where_pressed(query)
        await open_prompt(
            state,
            EditSetting.value,
            {"plugin": f.plugin, "key": f.key, "version": version},
            bot=query.bot,
            chat_id=chat_id,
            keep=pressed,
        )
        text = await prompt_text(ctx, f, value, query.from_user)
        prompt = await show_prompt(query, text, await prompt_markup(ctx, f, query.from_user))
        await remember_prompt(state, prompt)
        return query.answer()

    @router.callback_query(ConfigCallback.filter(F.action == "set"))
    async def edit_answer(
        query: CallbackQuery, callback_data: ConfigCallback, ctx: AppContext, state: FSMContext
    ) -> Any:
        """Yes or No pressed under a yes/no setting's prompt: saved as if typed, the
        prompt becomes the confirmation. A prompt already closed changes nothing."""
        data = await state.get_data()
        same = (data.get("plugin"), data.get("key")) == (callback_data.plugin, callback_data.key)
        if not same or not await is_open_prompt(state, query.message, (EditSetting,)):
            return await stale_cancel(query, ctx)
        f = find_field(ctx, callback_data.plugin, callback_data.key)
        user = query.from_user
        chat_id, pressed = where_pressed(query)
        if f is None:
            await close_prompt(state, query.bot, chat_id)
            return query.answer(await ctx.voice.say("menu.stale", user=user), show_alert=True)
        result = await save_setting(
            ctx,
            f,
            callback_data.value,
            None,
            expected_version=int(data.get("version", 0)),
            by=user.id,
            user=user,
        )
        text = await ctx.voice.say(result.key, user=user, **result.context)
        if result.outcome == "refused":  # a forged value: the prompt stays, as it was
            return query.answer(text[:200], show_alert=True)
        await close_prompt(state, query.bot, chat_id, keep=pressed)
        if result.outcome == "conflict":
            text = await ctx.voice.say("config.conflict", user=user) + "\n\n" + text
        await edit(query, text, await kb.after_edit_markup(ctx, user))
        return query.answer()

    @router.callback_query(ConfigCallback.filter(F.action == "cancel"))
    async def edit_cancel(query: CallbackQuery, ctx: AppContext, state: FSMContext) -> Any:
        """Cancel a setting's edit or an administrator's addition, if it is still open."""
        if not await is_open_prompt(state, query.message, (EditSetting, AddAdmin)):
            return await stale_cancel(query, ctx)
        chat_id, pressed = where_pressed(query)
        await close_prompt(state, query.bot, chat_id, keep=pressed)
        text = await ctx.voice.say("config.cancelled", user=query.from_user)
        await edit(query, text, await kb.after_edit_markup(ctx, query.from_user))
        return query.answer()

    @router.message(EditSetting.value)
    async def edit_value(message: Message, ctx: AppContext, state: FSMContext) -> Any:
        data = await state.get_data()
        f = find_field(ctx, data.get("plugin", ""), data.get("key", ""))
        user = message.from_user
        if f is None:
            await close_prompt(state, message.bot, message.chat.id)
            return message.answer(await ctx.voice.say("menu.stale", user=user))
        origin = message.forward_origin
        forwarded = origin.chat.id if isinstance(origin, MessageOriginChannel) else None
        if user is None:  # an anonymous admin in a group: nobody to save as
            return None
        result = await save_setting(
            ctx,
            f,
            message.text,
            forwarded,
            expected_version=int(data.get("version", 0)),
            by=user.id,
            user=user,
        )
        if result.outcome == "refused":  # stay in the step: the admin may try again or cancel
            text = await ctx.voice.say(result.key, user=user, **result.context)
            sent = await message.answer(text, reply_markup=await prompt_markup(ctx, f, user))
            await remember_prompt(state, sent)
            return None
        await close_prompt(state, message.bot, message.chat.id)
        text = await ctx.voice.say(result.key, user=user, **result.context)
        if result.outcome == "conflict":
            text = await ctx.voice.say("config.conflict", user=user) + "\n\n" + text
        return message.answer(text, reply_markup=await kb.after_edit_markup(ctx, user))

    # -- administrators ------------------------------------------------------------------

    async def admins_screen(ctx: AppContext, user: Any, page: int = 0) -> tuple[str, Any]:
        """A page of the administrators (each with its Remove button), and the arrows."""
        admins = await admin_service(ctx).list_admins()
        pages = max(1, -(-len(admins) // kb.ADMINS_PAGE))
        page = min(max(page, 0), pages - 1)
        shown = admins[page * kb.ADMINS_PAGE : (page + 1) * kb.ADMINS_PAGE]
        listing = "\n".join(f"• {quote(name, 64)} ({uid})" for uid, name, _ in shown)
        text = await ctx.voice.say("config.admins.list", user=user, admins=listing)
        if pages > 1:
            counter = await ctx.voice.say(
                "config.admins.page", user=user, page=page + 1, pages=pages
            )
            text += "\n\n" + counter
        return text, await kb.admins_markup(ctx, shown, user, page, pages)

    @router.message(Command("admins"))
    async def admins_command(message: Message, ctx: AppContext, state: FSMContext) -> Any:
        await state.clear()
        text, markup = await admins_screen(ctx, message.from_user)
        return message.answer(text, reply_markup=markup)

    @router.callback_query(AdminCallback.filter(F.screen == "admins"))
    async def admins_menu(query: CallbackQuery, ctx: AppContext, state: FSMContext) -> Any:
        await state.clear()
        text, markup = await admins_screen(ctx, query.from_user)
        await edit(query, text, markup)
        return query.answer()

    @router.callback_query(AdminsPageCallback.filter())
    async def admins_page(
        query: CallbackQuery, callback_data: AdminsPageCallback, ctx: AppContext
    ) -> Any:
        text, markup = await admins_screen(ctx, query.from_user, callback_data.page)
        await edit(query, text, markup)
        return query.answer()

    @router.callback_query(AdminsCallback.filter(F.action == "add"))
    async def admins_add(query: CallbackQuery, ctx: AppContext, state: FSMContext) -> Any:
        chat_id, pressed = where_pressed(query)
        await open_prompt(state, AddAdmin.user_id, bot=query.bot, chat_id=chat_id, keep=pressed)
        text = await ctx.voice.say("config.admins.prompt", user=query.from_user)
        prompt = await show_prompt(query, text, await kb.cancel_markup(ctx, query.from_user))
        await remember_prompt(state, prompt)
        return query.answer()

    @router.message(AddAdmin.user_id)
    async def admins_add_value(message: Message, ctx: AppContext, state: FSMContext) -> Any:
        user = message.from_user
        if user is None:
            return None
        raw = (message.text or "").strip()
        origin = message.forward_origin
        if isinstance(origin, MessageOriginUser):
            raw = str(origin.sender_user.id)
        new_id = telegram_id(raw)
        if new_id is None:  # not digits, or past Telegram's (BIGINT) range
            text = await ctx.voice.say("config.admins.invalid", user=user, value=quote(raw))
            sent = await message.answer(text, reply_markup=await kb.cancel_markup(ctx, user))
            await remember_prompt(state, sent)
            return None
        await close_prompt(state, message.bot, message.chat.id)
        added = await admin_service(ctx).add(new_id, by=user.id)
        key = "config.admins.added" if added else "config.admins.already"
        text = await ctx.voice.say(key, user=user, user_id=new_id)
        return message.answer(text, reply_markup=await kb.back_to_admins_markup(ctx, user))

    @router.callback_query(AdminsCallback.filter(F.action == "remove"))
    async def admins_remove(
        query: CallbackQuery, callback_data: AdminsCallback, ctx: AppContext, state: FSMContext
    ) -> Any:
        await state.clear()
        user = query.from_user
        if callback_data.user_id == user.id:
            return query.answer(
                await ctx.voice.say("config.admins.cannot_remove_self", user=user), show_alert=True
            )
        await admin_service(ctx).remove(callback_data.user_id, by=user.id)
        notice = await ctx.voice.say(
            "config.admins.removed", user=user, user_id=callback_data.user_id
        )
        text, markup = await admins_screen(ctx, user)
        await edit(query, notice + "\n\n" + text, markup)
        return query.answer()

    # -- plugins (read-only) -------------------------------------------------------------

    async def plugins_text(ctx: AppContext, user: Any) -> str:
        plugins = await plugin_lines(ctx, user)
        return await ctx.voice.say("config.plugins.list", user=user, plugins=plugins)

    @router.message(Command("plugins"))
    async def plugins_command(message: Message, ctx: AppContext) -> Any:
        user = message.from_user
        return message.answer(
            await plugins_text(ctx, user), reply_markup=await kb.back_markup(ctx, user)
        )

    @router.callback_query(AdminCallback.filter(F.screen == "plugins"))
    async def plugins_menu(query: CallbackQuery, ctx: AppContext) -> Any:
        user = query.from_user
        await edit(query, await plugins_text(ctx, user), await kb.back_markup(ctx, user))
        return query.answer()

    return router
