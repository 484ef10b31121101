"""The admins' VIP token screens: generating a batch (choose a plan, then how many), the
unused and redeemed lists, and revoking one. One handler per button action; a button's
screen is the pressed message edited in place, the count's question included.

Lists are rendered a catalogue line per token, joined; every date (a token's expiry, a
redemption) is written by one function, `moment_text`: the admin's locale, the creator's
timezone, named. A batch is handed over by size: one token as a message, up
to `list_max_tokens` as a list of links, more as a CSV document. The router is included
under the admin one, whose role filter guards it.
"""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Message

from lucien.core.context import AppContext
from lucien.core.formatting import Markup
from lucien.core.prompts import close_prompt, open_prompt, remember_prompt
from lucien.plugins.vip import keyboards as kb
from lucien.plugins.vip.handlers.common import (
    moment_text,
    prompt_screen,
    screen,
    service,
    where_pressed,
)
from lucien.plugins.vip.keyboards import VipAdmin
from lucien.plugins.vip.services import MAX_TOKENS_PER_BATCH


class TokenForm(StatesGroup):
    """How many tokens to generate (`plan_id` in the data)."""

    count = State()


async def deliver_tokens(
    message: Message, ctx: AppContext, user: Any, plan_id: int, count: int
) -> None:
    """Generate and hand over tokens: one as a message, a few as a list, many as CSV."""
    svc = service(ctx)
    plan = await svc.get_plan(plan_id)
    try:
        codes = await svc.generate_tokens(plan_id, count, user.id if user else None)
    except LookupError:
        await message.answer(await ctx.voice.say("vip.plan.not_found", user=user))
        return
    assert plan is not None
    valid_until = await svc.token_expiry()
    expires = await moment_text(ctx, user, valid_until)
    back = await kb.admin_menu(ctx, user)
    if count == 1:
        text = await ctx.voice.say(
            "vip.token.generated",
            user=user,
            plan=plan.name,
            days=plan.days,
            token=codes[0],
            link=svc.token_link(codes[0]),
            expires=expires,
        )
        await message.answer(text, reply_markup=back)
        return
    limit = (await svc.settings()).list_max_tokens
    context: dict[str, Any] = {
        "count": count,
        "plan": plan.name,
        "days": plan.days,
        "expires": expires,
    }
    if count <= limit:
        links = "\n".join(svc.token_link(c) for c in codes)
        text = await ctx.voice.say("vip.token.batch", user=user, links=links, **context)
        await message.answer(text, reply_markup=back, disable_web_page_preview=True)
        return
    document = BufferedInputFile(
        svc.tokens_csv(codes, plan, valid_until), filename="vip-tokens.csv"
    )
    caption = await ctx.voice.say("vip.token.csv", user=user, **context)
    await message.answer_document(document, caption=caption, reply_markup=back)


def create_router() -> Router:
    """The VIP token screens (guarded by the parent admin router)."""
    router = Router(name="vip.admin.tokens")

    @router.callback_query(VipAdmin.filter(F.action == "gen"))
    async def generate_button(query: CallbackQuery, ctx: AppContext) -> None:
        """Generating starts by choosing a plan (or creating one when there is none)."""
        user = query.from_user
        plans = await service(ctx).list_plans()
        if not plans:
            text = await ctx.voice.say("vip.plan.none", user=user)
            await screen(query, text, await kb.plans_list(ctx, user, plans))
            return
        text = await ctx.voice.say("vip.token.prompt_plan", user=user)
        await screen(query, text, await kb.choose_plan(ctx, user, plans))

    @router.callback_query(VipAdmin.filter(F.action == "gen_plan"))
    async def generate_for_plan_button(
        query: CallbackQuery, callback_data: VipAdmin, ctx: AppContext, state: FSMContext
    ) -> None:
        """The plan is chosen: ask how many tokens, on the same message."""
        user = query.from_user
        plan = await service(ctx).get_plan(callback_data.id)
        if plan is None or plan.archived:
            text = await ctx.voice.say("vip.plan.not_found", user=user)
            await screen(query, text, await kb.admin_back(ctx, user))
            return
        chat_id, pressed = where_pressed(query)
        await open_prompt(
            state,
            TokenForm.count,
            {"plan_id": plan.id},
            bot=query.bot,
            chat_id=chat_id,
            keep=pressed,
        )
        text = await ctx.voice.say(
            "vip.token.prompt_count", user=user, plan=plan.name, max=MAX_TOKENS_PER_BATCH
        )
        # Remembered: its Cancel is told from a stale one by this.
        await remember_prompt(state, await prompt_screen(query, text, await kb.cancel(ctx, user)))

    @router.callback_query(VipAdmin.filter(F.action == "tokens"))
    async def unused_button(query: CallbackQuery, ctx: AppContext) -> None:
        """The tokens still redeemable, each with a revoke button."""
        user = query.from_user
        tokens = await service(ctx).unused_tokens()
        if tokens:
            lines = [
                await ctx.voice.say(
                    "vip.token.line",
                    user=user,
                    token=t.code,
                    plan=t.plan,
                    expires=await moment_text(ctx, user, t.expires_at),
                )
                for t in tokens
            ]
            text = await ctx.voice.say("vip.token.list", user=user, tokens=Markup("\n".join(lines)))
        else:
            text = await ctx.voice.say("vip.token.none", user=user)
        await screen(query, text, await kb.token_list(ctx, user, tokens))

    @router.callback_query(VipAdmin.filter(F.action == "redeemed"))
    async def redeemed_button(query: CallbackQuery, ctx: AppContext) -> None:
        """The latest redemptions: token, plan, who and when."""
        user = query.from_user
        rows = await service(ctx).redeemed_tokens()
        if rows:
            lines = [
                await ctx.voice.say(
                    "vip.token.redeemed_line",
                    user=user,
                    token=t.code,
                    plan=t.plan,
                    member=t.redeemed_name or "?",
                    user_id=t.redeemed_by,
                    when=await moment_text(ctx, user, t.redeemed_at) if t.redeemed_at else "",
                )
                for t in rows
            ]
            text = await ctx.voice.say(
                "vip.token.redeemed_list", user=user, tokens=Markup("\n".join(lines))
            )
        else:
            text = await ctx.voice.say("vip.token.redeemed_none", user=user)
        await screen(query, text, await kb.admin_back(ctx, user))

    @router.callback_query(VipAdmin.filter(F.action == "revoke"))
    async def revoke_button(query: CallbackQuery, callback_data: VipAdmin, ctx: AppContext) -> None:
        user = query.from_user
        code = await service(ctx).revoke_token(callback_data.id)
        key = "vip.token.revoked" if code else "vip.token.not_revocable"
        text = await ctx.voice.say(key, user=user, token=code or "")
        await screen(query, text, await kb.admin_back(ctx, user))

    @router.message(StateFilter(TokenForm.count), F.text)
    async def token_count(message: Message, ctx: AppContext, state: FSMContext) -> None:
        user = message.from_user
        raw = (message.text or "").strip()
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_TOKENS_PER_BATCH:
            sent = await message.answer(
                await ctx.voice.say("vip.token.invalid_count", user=user, max=MAX_TOKENS_PER_BATCH),
                reply_markup=await kb.cancel(ctx, user),
            )
            await remember_prompt(state, sent)
            return
        data = await state.get_data()
        await close_prompt(state, message.bot, message.chat.id)  # and the Cancel buttons go
        await deliver_tokens(message, ctx, user, data["plan_id"], int(raw))

    return router
