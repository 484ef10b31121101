"""The entry ritual as the member sees it: each stage's text and button, the presses
that move it on, and the way back to it (the VIP menu, /vip, the /start greeting).

Stage 1 acknowledges the step taken (the plan, its days, the end date) under "Continue";
stage 2 says what the space is and asks of the member, under "I am ready"; stage 3 hands
over the one-time link as a "Cross the threshold" button, its validity written as a
duration. The service (`services/ritual.py`) keeps the stage; here it is only shown.

A press is checked before anything moves: another user's button (forged), an earlier
ritual's or one already crossed gets a polite alert; a ritual closed because the
period ended gets its closing line. The button pressed goes once its step is taken. A
press on an older message whose step is already taken becomes a short "that step is
taken" line in place (an alert where it cannot be edited): it never sends a stage.

One live stage message at a time: the ritual row remembers the message last showing its
stage, and each stage shown (a step taken, /vip, the VIP menu, /start) takes the buttons
off that one, best effort (the admin's grant, sent by the outbox, is not remembered).
"""

from __future__ import annotations

import logging
import math
from datetime import datetime
from typing import Any

from aiogram import Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from lucien.core.context import AppContext
from lucien.core.plugin import Welcome
from lucien.plugins.vip import keyboards as kb
from lucien.plugins.vip.handlers.common import alert_text, service
from lucien.plugins.vip.keyboards import VipRitual
from lucien.plugins.vip.services import ACK, DELIVERY, SPACE, RitualView

log = logging.getLogger("lucien.vip")

Screen = tuple[str, InlineKeyboardMarkup | None]


async def ack_text(
    ctx: AppContext, user: Any, source: str, plan: str, days: int, end_date: datetime
) -> str:
    """Stage 1's words: the step taken (an invitation redeemed: the plan, its days and
    the end date; or the house's grant: the plan and the end date)."""
    if source == "admin":
        return await ctx.voice.say("vip.granted", user=user, plan=plan, end_date=end_date)
    return await ctx.voice.say("vip.redeemed", user=user, plan=plan, days=days, end_date=end_date)


async def plan_name(ctx: AppContext, user: Any, plan: str | None) -> str:
    """A period's plan, or the voice's word for days granted without one."""
    return plan or await ctx.voice.say("vip.plan.courtesy", user=user)


async def screen(ctx: AppContext, user: Any, view: RitualView) -> Screen:
    """The text and buttons of the stage `view` stands on (stage 3 makes or reuses the
    link; a member found inside finishes the ritual there)."""
    svc = service(ctx)
    if not view.open:
        return await closed_or_behind(ctx, user, view), None
    if view.stage == ACK:
        sub = await svc.subscription(user.id)
        if sub is None:  # ended between the read and now: closed here, its line said
            await svc.rituals.current(user.id)
            return await ctx.voice.say("vip.ritual.closed", user=user), None
        name = await plan_name(ctx, user, sub.plan)
        days = sub.plan_days or sub.days_left
        text = await ack_text(ctx, user, view.source, name, days, sub.ends_at)
        return text, await kb.ritual_step(ctx, user, user.id, view.nonce, ACK)
    if view.stage == SPACE:
        text = await ctx.voice.say("vip.ritual.space", user=user)
        return text, await kb.ritual_step(ctx, user, user.id, view.nonce, SPACE)
    outcome = await svc.invite(user)
    if outcome.status == "link" and outcome.expires_at is not None:
        seconds = (outcome.expires_at - ctx.clock.now()).total_seconds()
        hours = max(1, math.ceil(seconds / 3600))
        text = await ctx.voice.say("vip.ritual.delivery", user=user, left=hours)
        return text, await kb.ritual_cross(ctx, user, outcome.link)
    if outcome.status == "member":
        await svc.rituals.finish(user.id)
        return await ctx.voice.say("vip.already_member", user=user), await kb.back_only(ctx, user)
    if outcome.status == "unavailable":
        text = await ctx.voice.say("vip.link_unavailable", user=user)
        return text, await kb.ritual_retry(ctx, user, user.id, view.nonce)
    # No longer VIP: this read closes the ritual; its closing line is said.
    await svc.rituals.current(user.id)
    return await ctx.voice.say("vip.ritual.closed", user=user), None


async def closed_or_behind(ctx: AppContext, user: Any, view: RitualView) -> str:
    """What a finished ritual says: the closing line when the period ended before the
    member crossed, else that the threshold is behind them."""
    key = "vip.ritual.closed" if view.status == "closed" else "vip.ritual.behind"
    return await ctx.voice.say(key, user=user)


async def show(
    message: Message,
    ctx: AppContext,
    user: Any,
    view: RitualView,
    *,
    fresh: bool = False,
    bare: int | None = None,
) -> None:
    """Send the stage `view` stands on, as a new message (the one before loses its
    buttons; `fresh`: the ritual was just opened, there is none; `bare`: a message
    whose buttons are already off)."""
    text, markup = await screen(ctx, user, view)
    sent = await message.answer(text, reply_markup=markup)
    await remember(ctx, user, view, sent, fresh=fresh, bare=bare)


async def remember(
    ctx: AppContext,
    user: Any,
    view: RitualView,
    sent: Message,
    *,
    fresh: bool = False,
    bare: int | None = None,
) -> None:
    """`sent` now shows the ritual's stage: the message that showed it before loses its
    buttons, so an old copy cannot be pressed (best effort: it may be gone). `bare`: the
    pressed message, stripped already (a second edit would only draw a 400)."""
    if not view.open or sent.reply_markup is None:
        return
    rituals = service(ctx).rituals
    previous = await rituals.shown(user.id, view.nonce, sent.message_id, fresh=fresh)
    if previous is None or previous == bare or sent.bot is None:
        return
    try:
        await sent.bot.edit_message_reply_markup(
            chat_id=sent.chat.id, message_id=previous, reply_markup=None
        )
    except TelegramAPIError as exc:  # deleted, too old, or already bare
        log.debug("could not strip an earlier ritual message: %r", exc)


async def resume(message: Message, ctx: AppContext, user: Any) -> bool:
    """If the user's ritual is under way, show its stage again (the VIP menu and /vip
    lead back to it); whether it was."""
    view = await service(ctx).rituals.open_for(user.id)
    if view is None:
        return False
    await show(message, ctx, user, view)
    return True


async def greeting(ctx: AppContext, user: Any) -> Welcome | None:
    """The /start greeting of a member whose ritual is under way: the stage she left, with
    its own button, as if no time had passed; None otherwise."""
    if user is None:
        return None
    view = await service(ctx).rituals.open_for(user.id)
    if view is None:
        return None
    text, markup = await screen(ctx, user, view)

    async def shown(sent: Message) -> None:
        await remember(ctx, user, view, sent)

    return Welcome(text, markup, shown=shown)


async def _strip(query: CallbackQuery) -> None:
    """Take the button off the message it was pressed on (its step is taken)."""
    message = query.message
    if isinstance(message, Message) and message.reply_markup is not None:
        try:
            await message.edit_reply_markup(reply_markup=None)
        except TelegramAPIError as exc:  # too old or deleted: the alert already said it
            log.debug("could not strip a ritual button: %r", exc)


async def _taken(query: CallbackQuery, ctx: AppContext) -> None:
    """A press on an older message whose step is already taken: that message becomes the
    voiced "that step is taken" line, without buttons; nothing is sent and nothing moves.
    Where it cannot be edited, the line comes as an alert and the button goes."""
    message = query.message
    if isinstance(message, Message):
        text = await ctx.voice.say("vip.ritual.taken", user=query.from_user)
        try:
            await message.edit_text(text, reply_markup=None)
        except TelegramAPIError as exc:
            log.debug("could not mark an old ritual message as taken: %r", exc)
        else:
            await query.answer()
            return
    await _alert(query, ctx, "vip.ritual.taken")
    await _strip(query)


async def _alert(query: CallbackQuery, ctx: AppContext, key: str) -> None:
    text = await ctx.voice.say(key, user=query.from_user)
    await query.answer(alert_text(text), show_alert=True)


def create_router() -> Router:
    """The ritual's buttons (everyone reaches them; the press is checked here)."""
    router = Router(name="vip.ritual")

    @router.callback_query(VipRitual.filter())
    async def ritual_button(
        query: CallbackQuery, callback_data: VipRitual, ctx: AppContext
    ) -> None:
        user = query.from_user
        if callback_data.u != user.id:
            log.warning("user %s pressed the ritual button of %s", user.id, callback_data.u)
            await _alert(query, ctx, "vip.ritual.not_yours")
            return
        rituals = service(ctx).rituals
        if callback_data.action == "next":
            view, moved = await rituals.step(user.id, callback_data.n, callback_data.s)
        else:
            view = await rituals.current(user.id)
            moved = view is not None and view.open and view.stage == DELIVERY
        if view is None or view.nonce != callback_data.n:
            await _alert(query, ctx, "vip.ritual.earlier")
            await _strip(query)
            return
        if not view.open:
            text = await closed_or_behind(ctx, user, view)
            await query.answer(alert_text(text), show_alert=True)
            await _strip(query)
            return
        if not moved:  # a step already taken: an older message's button
            await _taken(query, ctx)
            return
        await query.answer()
        await _strip(query)
        if isinstance(query.message, Message):
            await show(query.message, ctx, user, view, bare=query.message.message_id)

    return router
