"""What every content handler module shares: the service, the acknowledged button press,
and a package shown as users see it (text, or media with a caption) — the users' detail
and the admins' preview are the same screen."""

from __future__ import annotations

import html
import logging
import re
from datetime import UTC, datetime
from typing import Any

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from lucien.core.context import AppContext
from lucien.core.formatting import Markup
from lucien.core.menus import edit_or_send
from lucien.plugins.content.services import PackageView, service

log = logging.getLogger("lucien.content")

#: Telegram's limit for a media caption; a longer detail goes as media, then the text.
MAX_CAPTION = 1024
#: Telegram's limit for the text of an answer to a button (a toast or an alert).
MAX_ALERT = 200
_TAG = re.compile(r"<[^>]+>")

__all__ = [
    "alert_text",
    "category_label",
    "clicked",
    "package_text",
    "price_line",
    "price_value",
    "service",
    "show_package",
    "zone",
]


async def clicked(query: CallbackQuery) -> Message | None:
    """Acknowledge a button press; the message it was on, or None when Telegram no longer
    gives it (too old to answer under)."""
    await query.answer()
    return query.message if isinstance(query.message, Message) else None


async def price_line(
    ctx: AppContext, user: Any, package: PackageView, *, admin: bool = False
) -> Markup:
    """ "Precio: 9,99 €" or "Precio: a consultar", rendered (placed as is in a template):
    the users' words (varied, in Lucien's voice), or the admins' plain label (`admin`)."""
    price, side = package.price, "admin" if admin else "package"
    if price is None:
        return Markup(await ctx.voice.say(f"content.{side}.price_on_request", user=user))
    return Markup(await ctx.voice.say(f"content.{side}.price", user=user, price=price))


async def price_value(ctx: AppContext, user: Any, package: PackageView) -> Any:
    """The price alone, without its label ("9,99 €", "a consultar"): where a sentence
    already names it (the edit's "Ahora: ...")."""
    if package.price is not None:
        return package.price
    return Markup(await ctx.voice.say("content.price.on_request", user=user))


def alert_text(text: str) -> str:
    """A voiced line made fit for an alert or a toast: Telegram shows them as plain text,
    so the catalogue's tags go and the escaped names read as typed ("Pack <Sol>")."""
    return html.unescape(_TAG.sub("", text))[:MAX_ALERT]


def zone(ctx: AppContext, moment: datetime | None) -> str:
    """The timezone the voice writes times in, as it stood at `moment`: "CET" or "CEST",
    "CST", "UTC-05" where the zone has no letters. Times shown to admins carry it, so that
    "4:34" is not read in the admin's own zone. The voice plugin's timezone is the
    creator's; the plain voice writes UTC."""
    tz = getattr(ctx.voice, "tz", None) or UTC
    if moment is None:
        return str(tz)
    when = moment
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    name = when.astimezone(tz).tzname() or str(tz)
    return f"UTC{name}" if name[:1] in "+-" else name


async def category_label(ctx: AppContext, user: Any, category: str) -> Markup:
    """A category as a phrase ("contenido free"), rendered."""
    return Markup(await ctx.voice.say(f"content.category.{category}", user=user))


async def package_text(ctx: AppContext, user: Any, package: PackageView) -> str:
    """The detail users read: name, description, price."""
    return await ctx.voice.say(
        "content.package.detail",
        user=user,
        package=package.name,
        description=package.description,
        price_line=await price_line(ctx, user, package),
    )


async def show_package(
    query: CallbackQuery, ctx: AppContext, package: PackageView, markup: InlineKeyboardMarkup
) -> None:
    """Show a package as users see it: its media (by Telegram file id) with the detail as
    caption, or the detail in place of the pressed screen when it has no media."""
    user = query.from_user
    text = await package_text(ctx, user, package)
    if not package.media_file_id or query.bot is None:
        await edit_or_send(query, text, markup)
        return
    bot, chat_id, media = query.bot, user.id, package.media_file_id
    caption: str | None = text if len(text) <= MAX_CAPTION else None
    keyboard = markup if caption is not None else None
    try:
        if package.media_kind == "photo":
            await bot.send_photo(chat_id, media, caption=caption, reply_markup=keyboard)
        elif package.media_kind == "video":
            await bot.send_video(chat_id, media, caption=caption, reply_markup=keyboard)
        else:
            await bot.send_document(chat_id, media, caption=caption, reply_markup=keyboard)
    except TelegramBadRequest as exc:  # a file id Telegram no longer knows: the text alone
        log.warning("package %s: its media could not be sent: %s", package.id, exc.message)
        caption = None
    if caption is None:
        await bot.send_message(chat_id, text, reply_markup=markup)
