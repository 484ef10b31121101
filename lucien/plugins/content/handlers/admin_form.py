"""The package form: the five-step creation wizard (name, description, category, price,
media) and the one-step edit of a field, with Back and Cancel under every question.

The answers live in the FSM data (Redis when configured), so a form survives a restart:
the admin answers the next question after a deploy as if nothing happened. Every step is
validated; a bad answer is re-asked with a line saying what is expected, and the answers
already given stay. Each question replaces the previous one's buttons (they are taken
away), and a button left on a message of a form no longer open is answered with an alert
(`lucien.core.prompts`), never acted on.

Creating: Back goes one step back (from the first, to the list); the package is saved
after the media step. Editing (`package_id` in the data): one question, saved at once;
Back returns to the package.
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message, User

from lucien.core.context import AppContext
from lucien.core.formatting import Markup, Money
from lucien.core.menus import edit_or_send
from lucien.core.prompts import (
    PROMPT_MESSAGES,
    close_prompt,
    is_open_prompt,
    open_prompt,
    prompt_messages,
    refuse_stale_cancel,
    strip_buttons,
)
from lucien.plugins.content import keyboards as kb
from lucien.plugins.content.handlers.admin_packages import show_admin_list, show_detail
from lucien.plugins.content.handlers.common import (
    alert_text,
    category_label,
    clicked,
    price_value,
    service,
)
from lucien.plugins.content.keyboards import ContentAdmin
from lucien.plugins.content.services import (
    CATEGORIES,
    MAX_DESCRIPTION,
    MAX_NAME,
    PriceError,
    clean_text,
    parse_price,
)


class PackageForm(StatesGroup):
    """Creating a package (five steps) or editing one field (`package_id` in the data)."""

    name = State()
    description = State()
    category = State()
    price = State()
    media = State()


STEPS = ("name", "description", "category", "price", "media")
_LIMITS = {"name": MAX_NAME, "description": MAX_DESCRIPTION}


async def _step(state: FSMContext) -> str:
    return (await state.get_state() or "").rpartition(":")[2]


async def _question(ctx: AppContext, user: User, step: str, package_id: int) -> str | None:
    """Creation's question for the step; for an edit, the package and the value in force
    (None when the package is gone)."""
    if not package_id:
        if step in _LIMITS:
            return await ctx.voice.say(f"content.form.{step}", user=user, max=_LIMITS[step])
        return await ctx.voice.say(f"content.form.{step}", user=user)
    package = await service(ctx).packages.get(package_id)
    if package is None:
        return None
    current: Any
    if step == "category":
        current = await category_label(ctx, user, package.category)
    elif step == "price":
        current = await price_value(ctx, user, package)
    elif step == "media":
        media = package.media_kind if package.media_file_id else "none"
        current = Markup(await ctx.voice.say(f"content.media.{media}", user=user))
    else:
        current = getattr(package, step)
    return await ctx.voice.say(
        f"content.edit.{step}", user=user, package=package.name, current=current
    )


async def _send_prompt(bot: Bot, ctx: AppContext, user: User, state: FSMContext, text: str) -> None:
    """Send a question (or a re-ask) with the step's buttons; the earlier ones lose theirs."""
    earlier = await prompt_messages(state)
    markup = await kb.form_step(ctx, user, await _step(state))
    sent = await bot.send_message(user.id, text, reply_markup=markup)
    await strip_buttons(bot, user.id, earlier, keep=None)
    await state.update_data({PROMPT_MESSAGES: [sent.message_id]})


async def ask(bot: Bot, ctx: AppContext, user: User, state: FSMContext, note: str = "") -> None:
    """Ask the question of the form's current step (after `note`, a line about the
    previous answer or the form, when given)."""
    package_id = int((await state.get_data()).get("package_id", 0))
    text = await _question(ctx, user, await _step(state), package_id)
    if text is None:
        await close_prompt(state, bot, user.id)
        await bot.send_message(user.id, await ctx.voice.say("content.admin.not_found", user=user))
        return
    await _send_prompt(bot, ctx, user, state, f"{note}\n\n{text}" if note else text)


async def reask(
    bot: Bot, ctx: AppContext, user: User, state: FSMContext, key: str, **context: Any
) -> None:
    """A bad answer: say what is expected, under the same step's buttons."""
    await _send_prompt(bot, ctx, user, state, await ctx.voice.say(key, user=user, **context))


async def _noted(ctx: AppContext, user: User, values: dict[str, Any]) -> str:
    """The price as it will be shown, said back ("$15" was read as dollars of the US:
    the admin sees it before saving); nothing for the other answers."""
    if values.get("price_minor") is None or not values.get("currency"):
        return ""
    price = Money.from_minor(values["price_minor"], values["currency"])
    return await ctx.voice.say("content.form.price_noted", user=user, price=price)


async def answer(bot: Bot, ctx: AppContext, user: User, state: FSMContext, **values: Any) -> None:
    """Take a valid answer: save the field (edit), or go on to the next step (creation),
    saving the package after the last one."""
    data = await state.get_data()
    svc = service(ctx)
    if data.get("package_id"):
        package = await svc.packages.update(int(data["package_id"]), **values)
        await close_prompt(state, bot, user.id)
        if package is None:
            await bot.send_message(
                user.id, await ctx.voice.say("content.admin.not_found", user=user)
            )
            return
        text = await ctx.voice.say("content.admin.saved", user=user, package=package.name)
        await bot.send_message(
            user.id, text, reply_markup=await kb.to_package(ctx, user, package.id)
        )
        return
    data.update(values)
    await state.update_data(values)
    index = STEPS.index(await _step(state))
    if index + 1 < len(STEPS):
        await state.set_state(getattr(PackageForm, STEPS[index + 1]))
        await ask(bot, ctx, user, state, await _noted(ctx, user, values))
        return
    # Saved before the form is closed: a failure here leaves the answers in place.
    package = await svc.packages.create(
        name=data["name"],
        description=data["description"],
        category=data["category"],
        price_minor=data.get("price_minor"),
        currency=data.get("currency"),
        media_kind=data.get("media_kind"),
        media_file_id=data.get("media_file_id"),
        by=user.id,
    )
    await close_prompt(state, bot, user.id)
    text = await ctx.voice.say(
        "content.admin.created",
        user=user,
        package=package.name,
        category=await category_label(ctx, user, package.category),
    )
    await bot.send_message(user.id, text, reply_markup=await kb.to_package(ctx, user, package.id))


async def _discarded(ctx: AppContext, user: User, state: FSMContext) -> str:
    """A new form opening over a package being created: the line saying that draft is
    dropped (nothing of it was saved), or nothing when no answer would be lost."""
    if await state.get_state() not in PackageForm.__all_states_names__:
        return ""
    data = await state.get_data()
    if data.get("package_id") or not data.get("name"):
        return ""
    return await ctx.voice.say("content.form.discarded", user=user, draft=data["name"])


async def _open_here(query: CallbackQuery, state: FSMContext, step: str | None = None) -> bool:
    """Whether the button was pressed on the open form's question (at `step`, if given)."""
    if not await is_open_prompt(state, query.message, (PackageForm,)):
        return False
    return step is None or await _step(state) == step


async def _stale(query: CallbackQuery, ctx: AppContext) -> None:
    await refuse_stale_cancel(
        query, alert_text(await ctx.voice.say("content.form.closed", user=query.from_user))
    )


def create_router() -> Router:
    """The form's buttons and answers (guarded by the parent router)."""
    router = Router(name="content:admin:form")

    @router.callback_query(ContentAdmin.filter(F.action == "new"))
    async def new_button(query: CallbackQuery, ctx: AppContext, state: FSMContext) -> None:
        if (message := await clicked(query)) and query.bot is not None:
            note = await _discarded(ctx, query.from_user, state)
            await open_prompt(
                state, PackageForm.name, {"package_id": 0}, bot=query.bot, chat_id=message.chat.id
            )
            await ask(query.bot, ctx, query.from_user, state, note)

    @router.callback_query(ContentAdmin.filter(F.action == "field"))
    async def field_button(
        query: CallbackQuery, callback_data: ContentAdmin, ctx: AppContext, state: FSMContext
    ) -> None:
        """Edit one field of a package: its question, with the value in force."""
        if callback_data.f not in STEPS or query.bot is None:
            await _stale(query, ctx)
            return
        await query.answer()
        note = await _discarded(ctx, query.from_user, state)
        await open_prompt(
            state,
            getattr(PackageForm, callback_data.f),
            {"package_id": callback_data.id},
            bot=query.bot,
            chat_id=query.from_user.id,
        )
        await ask(query.bot, ctx, query.from_user, state, note)

    @router.callback_query(ContentAdmin.filter(F.action == "back"))
    async def back_button(query: CallbackQuery, ctx: AppContext, state: FSMContext) -> None:
        if not await _open_here(query, state) or query.bot is None:
            await _stale(query, ctx)
            return
        package_id = int((await state.get_data()).get("package_id", 0))
        index = STEPS.index(await _step(state))
        if package_id or index == 0:
            pressed = query.message.message_id if query.message else None
            await close_prompt(state, query.bot, query.from_user.id, keep=pressed)
            package = await service(ctx).packages.get(package_id) if package_id else None
            if package is not None:
                await show_detail(query, ctx, package)
            else:
                await show_admin_list(query, ctx, 0)
            await query.answer()
            return
        await query.answer()
        await state.set_state(getattr(PackageForm, STEPS[index - 1]))
        await ask(query.bot, ctx, query.from_user, state)

    @router.callback_query(ContentAdmin.filter(F.action == "cancel"))
    async def cancel_button(query: CallbackQuery, ctx: AppContext, state: FSMContext) -> None:
        if not await _open_here(query, state):
            await _stale(query, ctx)
            return
        user = query.from_user
        package_id = int((await state.get_data()).get("package_id", 0))
        pressed = query.message.message_id if query.message else None
        await close_prompt(state, query.bot, user.id, keep=pressed)
        markup = (
            await kb.to_package(ctx, user, package_id)
            if package_id
            else await kb.to_list(ctx, user)
        )
        await edit_or_send(query, await ctx.voice.say("content.form.cancelled", user=user), markup)
        await query.answer()

    @router.callback_query(ContentAdmin.filter(F.action == "cat"))
    async def category_button(
        query: CallbackQuery, callback_data: ContentAdmin, ctx: AppContext, state: FSMContext
    ) -> None:
        if callback_data.f not in CATEGORIES or not await _open_here(query, state, "category"):
            await _stale(query, ctx)
            return
        await query.answer()
        assert query.bot is not None
        await answer(query.bot, ctx, query.from_user, state, category=callback_data.f)

    @router.callback_query(ContentAdmin.filter(F.action == "noprice"))
    async def on_request_button(query: CallbackQuery, ctx: AppContext, state: FSMContext) -> None:
        if not await _open_here(query, state, "price"):
            await _stale(query, ctx)
            return
        await query.answer()
        assert query.bot is not None
        await answer(query.bot, ctx, query.from_user, state, price_minor=None, currency=None)

    @router.callback_query(ContentAdmin.filter(F.action == "nomedia"))
    async def no_media_button(query: CallbackQuery, ctx: AppContext, state: FSMContext) -> None:
        if not await _open_here(query, state, "media"):
            await _stale(query, ctx)
            return
        await query.answer()
        assert query.bot is not None
        await answer(query.bot, ctx, query.from_user, state, media_kind=None, media_file_id=None)

    @router.message(StateFilter(PackageForm.name, PackageForm.description), F.text)
    async def text_answer(message: Message, ctx: AppContext, state: FSMContext) -> None:
        """The name (one line) or the description (newlines kept), within their limits."""
        assert message.from_user is not None and message.bot is not None
        step = await _step(state)
        value = clean_text(message.text)
        if step == "name":
            value = " ".join(value.split())
        if not 1 <= len(value) <= _LIMITS[step]:
            await reask(
                message.bot, ctx, message.from_user, state,
                f"content.form.invalid_{step}", max=_LIMITS[step],
            )  # fmt: skip
            return
        await answer(message.bot, ctx, message.from_user, state, **{step: value})

    @router.message(StateFilter(PackageForm.price), F.text)
    async def price_answer(message: Message, ctx: AppContext, state: FSMContext) -> None:
        """An amount and its currency ("15 €", "$15", "9,99 USD"), or "a consultar"; a
        refusal says why (not a price, not above zero, not a currency) and asks again."""
        assert message.from_user is not None and message.bot is not None
        raw = (message.text or "").strip()
        try:
            price = parse_price(raw)
        except PriceError as exc:
            context: dict[str, Any] = {}
            if exc.reason == "not_positive":
                key = "content.form.price_not_positive"
            elif exc.reason == "currency":
                key, context = "content.form.price_currency", {"currency": exc.currency[:12]}
            else:
                key, context = "content.form.invalid_price", {"value": raw[:40]}
            await reask(message.bot, ctx, message.from_user, state, key, **context)
            return
        await answer(
            message.bot,
            ctx,
            message.from_user,
            state,
            price_minor=price.minor,
            currency=price.currency,
        )

    @router.message(StateFilter(PackageForm.media), F.photo | F.video | F.document)
    async def media_answer(message: Message, ctx: AppContext, state: FSMContext) -> None:
        """A photo (its largest size), a video or a document, kept by its file id."""
        assert message.from_user is not None and message.bot is not None
        if message.photo:
            kind, file_id = "photo", message.photo[-1].file_id
        elif message.video:
            kind, file_id = "video", message.video.file_id
        else:
            assert message.document is not None
            kind, file_id = "document", message.document.file_id
        await answer(
            message.bot, ctx, message.from_user, state, media_kind=kind, media_file_id=file_id
        )

    @router.message(StateFilter(*PackageForm.__all_states__))
    async def wrong_answer(message: Message, ctx: AppContext, state: FSMContext) -> None:
        """Anything else at any step (a sticker for a name, text for the category...)."""
        assert message.from_user is not None and message.bot is not None
        step = await _step(state)
        context: dict[str, Any] = {}
        if step in _LIMITS:
            context["max"] = _LIMITS[step]
        elif step == "price":
            context["value"] = ""
        await reask(
            message.bot, ctx, message.from_user, state, f"content.form.invalid_{step}", **context
        )

    return router
