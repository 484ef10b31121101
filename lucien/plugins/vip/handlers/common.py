"""What every VIP handler module shares: the service and the acknowledged button press."""

from __future__ import annotations

from aiogram.types import CallbackQuery, Message

from lucien.core.context import AppContext
from lucien.plugins.vip.services import VipService


def service(ctx: AppContext) -> VipService:
    """The application's one `VipService`, created on first use."""
    return ctx.service("vip", VipService)


async def clicked(query: CallbackQuery) -> Message | None:
    """Acknowledge a button press; the message it was on, or None when Telegram no longer
    gives it (too old to answer under)."""
    await query.answer()
    return query.message if isinstance(query.message, Message) else None
