"""What the VIP tests share: the VIP section as the admin plugin's card would ask for it
(the hook itself), pressing one of its buttons from a message of the admin's chat, the
channel, rows, the one-time link a member was given and the entry ritual walked through
to it."""

from __future__ import annotations

import re
from typing import Any

from aiogram.types import User
from sqlalchemy import select

from lucien.core.db.models import AuditEntry
from lucien.core.plugin import Section
from lucien.plugins.vip import plugin
from lucien.plugins.vip.services import VipService

LINK = re.compile(r"https://t\.me/\+[A-Za-z0-9_-]+")
#: The entry ritual's buttons, per language: stage 1, stage 2, stage 3 (the link).
CONTINUE = {"en": "Continue", "es": "Continuar"}
READY = {"en": "I am ready", "es": "Estoy listo"}
CROSS = {"en": "Cross the threshold", "es": "Cruzar el umbral"}


def vip(harness: Any) -> VipService:
    return harness.ctx.service("vip", VipService)


def viewer(actor: Any) -> User:
    """The admin as the hooks receive them (an aiogram User)."""
    return User.model_validate(actor.user.to_api())


async def start_with_channel(harness: Any, **overrides: Any) -> Any:
    """Start the bot with a VIP channel set; the channel."""
    await harness.start_app(**overrides)
    channel = harness.emulator.create_channel("Salon")
    await harness.ctx.config.update("vip", "channel_id", channel.id, expected_version=0, by=None)
    return channel


async def card(harness: Any, admin: Any, user_id: int) -> Section:
    """The VIP section of `user_id`'s card, as the admin plugin gets it from the hook."""
    section = await plugin.lucien_user_card(ctx=harness.ctx, user_id=user_id, viewer=viewer(admin))
    assert section is not None
    return section


def labels(section: Section) -> list[str]:
    return [b.text for b in section.buttons]


async def press(admin: Any, section: Section, label: str) -> Any:
    """Press the section's button `label` from the admin's latest message (as the card
    would carry it)."""
    [button] = [b for b in section.buttons if b.text == label]
    assert button.callback_data is not None
    return await admin.press(admin.messages[-1], button.callback_data)


def button_data(message: Any, label: str) -> str:
    [data] = [b["callback_data"] for b in message.inline_buttons if b.get("text") == label]
    return str(data)


async def audit(harness: Any, user_id: int) -> list[AuditEntry]:
    """The VIP audit entries about `user_id`, oldest first."""
    async with harness.ctx.db.session(readonly=True) as s:
        found = await s.scalars(
            select(AuditEntry)
            .where(AuditEntry.target_id == user_id, AuditEntry.plugin == "vip")
            .order_by(AuditEntry.id)
        )
        return list(found)


async def rows(harness: Any, model: Any) -> list[Any]:
    async with harness.ctx.db.session(readonly=True) as s:
        return list(await s.scalars(select(model)))


def link_of(message: Any) -> str | None:
    """The one-time link a message carries: its URL button's, else one in its text."""
    for button in message.inline_buttons:
        if LINK.fullmatch(str(button.get("url") or "")):
            return str(button["url"])
    match = LINK.search(message.text or "")
    return match.group(0) if match else None


def invite_link(user: Any) -> str:
    """The latest one-time link the user was given (a button's or in the text)."""
    found = [link for m in user.messages if (link := link_of(m))]
    assert found, [m.text for m in user.messages]
    return found[-1]


async def cross_ritual(user: Any, lang: str = "en") -> str:
    """Walk the entry ritual the user is at stage 1 of (Continue, I am ready); the link
    its third stage hands over."""
    await user.click(CONTINUE[lang])
    await user.click(READY[lang])
    assert user.last.buttons == [[CROSS[lang]]], [m.text for m in user.messages]
    link = link_of(user.last)
    assert link is not None
    return link
