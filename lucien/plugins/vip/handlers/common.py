"""What every VIP handler module shares: the service, the acknowledged button press, the
admins' screens edited in place, the plan list (one catalogue line per plan, so durations
and prices read in the user's locale) and the zone times are written in."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from typing import Any

from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from lucien.core.context import AppContext
from lucien.core.formatting import Markup
from lucien.core.menus import edit_or_send
from lucien.core.prompts import show_prompt
from lucien.plugins.vip.services import PlanView, VipService
from lucien.plugins.vip.services.common import display_name

_TAG = re.compile(r"<[^>]+>")
#: Telegram shows at most 200 characters of an alert.
MAX_ALERT = 200


def service(ctx: AppContext) -> VipService:
    """The application's one `VipService`, created on first use."""
    return ctx.service("vip", VipService)


async def clicked(query: CallbackQuery) -> Message | None:
    """Acknowledge a button press; the message it was on, or None when Telegram no longer
    gives it (too old to answer under)."""
    await query.answer()
    return query.message if isinstance(query.message, Message) else None


def where_pressed(query: CallbackQuery) -> tuple[int, int | None]:
    """The chat and the id of the message a button was pressed on (None when Telegram no
    longer gives it)."""
    message = query.message
    if message is None:
        return query.from_user.id, None
    return message.chat.id, message.message_id


async def screen(
    query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> Any:
    """An admin screen reached by a button: the pressed message becomes it (as the
    configuration screens do), sent anew only when Telegram refuses the edit. The button
    press is acknowledged."""
    await query.answer()
    return await edit_or_send(query, text, markup)


async def prompt_screen(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup) -> Any:
    """A prompt opened by a button, shown on the pressed message; the message that shows
    it (for `remember_prompt`)."""
    await query.answer()
    return await show_prompt(query, text, markup)


async def plan_lines(ctx: AppContext, user: Any, plans: list[PlanView]) -> Markup:
    """The plans, a line each ("• Mensual: 30 días — 9,99 US$"), ready to place in a
    message's `{plans}` (already rendered: not escaped again)."""
    lines = []
    for plan in plans:
        price = plan.price
        if price is None:
            line = await ctx.voice.say(
                "vip.plan.line_free", user=user, plan=plan.name, days=plan.days
            )
        else:
            line = await ctx.voice.say(
                "vip.plan.line", user=user, plan=plan.name, days=plan.days, price=price
            )
        lines.append(line)
    return Markup("\n".join(lines))


def member_name(target: Any) -> str:
    """How admins' screens name a user: first name, else @username, else the id."""
    return display_name(target, int(getattr(target, "id", 0)))


def alert_text(text: str) -> str:
    """A voiced line made fit for an alert: Telegram shows alerts as plain text, so the
    catalogue's tags go and escaped names read as typed."""
    return html.unescape(_TAG.sub("", text))[:MAX_ALERT]


def zone(ctx: AppContext, moment: datetime) -> str:
    """The timezone the voice writes `moment` in, as it stood then ("CST", "CEST", "UTC-05"
    for a zone without letters): the creator's with the voice plugin, UTC without. Shown
    beside each time, so that an admin elsewhere does not read it in their own zone."""
    tz = getattr(ctx.voice, "tz", None) or UTC
    when = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    name = when.astimezone(tz).tzname() or str(tz)
    return f"UTC{name}" if name[:1] in "+-" else name


async def moment_text(ctx: AppContext, user: Any, when: datetime) -> Markup:
    """A date and time as every VIP screen writes it (a token's expiry, a redemption):
    the day, the hour and the creator's timezone named ("31 de enero de 2026, 6:00 (CST)"),
    ready to place in a message (already rendered: not escaped again)."""
    return Markup(await ctx.voice.say("vip.moment", user=user, when=when, zone=zone(ctx, when)))
