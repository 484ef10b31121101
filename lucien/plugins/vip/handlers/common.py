"""What every VIP handler module shares: the service, the acknowledged button press and
the plan list (one catalogue line per plan, so durations and prices read in the user's
locale)."""

from __future__ import annotations

import html
import re
from typing import Any

from aiogram.types import CallbackQuery, Message

from lucien.core.context import AppContext
from lucien.core.formatting import Markup
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
