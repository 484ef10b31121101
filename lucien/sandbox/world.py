"""The sandbox's demo world: fixed ids in the emulator, and idempotent seeding of the bot.

The emulator keeps its world in memory, so it is rebuilt at every start; its ids are fixed
so that what the bot stored in the sandbox database (subscriptions, join requests, the
channels in the plugins' settings) still points at the same people and channels. The bot
side is seeded only where something is missing, so a restart keeps what the visitor did.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from lucien.core.testing.emulator import ChatState, InviteLink, UserActor
from lucien.core.testing.emulator.state import MemberRecord

if TYPE_CHECKING:
    from lucien.core.context import AppContext
    from lucien.core.testing.emulator import Emulator

log = logging.getLogger("lucien.sandbox")

#: A well-formed but fake token: the emulator accepts any `<digits>:<secret>`.
BOT_TOKEN = "7000000001:SandboxLucienButlerTokenNotARealOne_1"
BOT_USERNAME = "lucien_sandbox_bot"

ADMIN_ID = 100_001
VIP_ID = 100_002
NUEVO_ID = 100_003
NEW_ID = 100_004
#: Users created from the page get ids from here on (kept in the sandbox state).
FIRST_CUSTOM_ID = 200_001

VIP_CHANNEL_ID = -1_001_000_000_001
FREE_CHANNEL_ID = -1_001_000_000_002

FREE_WAIT_MINUTES = 10
SOCIAL_LINKS = ["https://instagram.com/diana", "https://tiktok.com/@diana"]
PLAN_NAME = "Mensual"
#: Demo content packages (name, category, price in cents or None for "on request", currency,
#: description): one per category, so each role's list shows something.
CONTENT_PACKAGES = (
    ("Selección del vestíbulo", "free", None, None,
     "Seis fotografías que Diana eligió para quien empieza a conocer la casa."),
    ("Sesión privada", "vip", 1999, "USD",
     "Una sesión completa, con las tomas que no llegaron al Diván."),
    ("Colección íntima", "premium", 4900, "USD",
     "La colección más reservada de Diana: veinte fotografías y un vídeo."),
)  # fmt: skip

#: The most steps pressed through on the way to a VIP link (the entry ritual has two).
RITUAL_STEPS = 4
#: Invite links the bot sent in private chats (t.me/+..., as the emulator makes them).
INVITE_LINK_RE = re.compile(r"https://t\.me/\+[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class ActorSpec:
    """One person of the demo world; `kind` tells the page how to label them."""

    id: int
    name: str  # the Telegram first name: the bot addresses them by it
    language: str
    kind: str  # "admin" | "vip" | "user"


BUILT_IN = (
    ActorSpec(ADMIN_ID, "Diana", "es", "admin"),
    ActorSpec(VIP_ID, "Valeria", "es", "vip"),
    ActorSpec(NUEVO_ID, "Nuevo usuario", "es", "user"),
    ActorSpec(NEW_ID, "New user", "en", "user"),
)


def build_world(emulator: Emulator, custom: list[ActorSpec]) -> dict[int, UserActor]:
    """Create the bot account, the people and both channels with their fixed ids."""
    emulator.create_bot(BOT_TOKEN, username=BOT_USERNAME, first_name="Lucien")
    actors: dict[int, UserActor] = {}
    for spec in (*BUILT_IN, *custom):
        actors[spec.id] = emulator.add_user(
            spec.name,
            language_code=spec.language,
            user_id=spec.id,
            username=None if spec.kind == "user" else spec.name.split()[0].lower(),
        )
    diana = actors[ADMIN_ID].user  # the creator owns both channels, as in real life
    emulator.create_channel("Diana · Salón privado (VIP)", chat_id=VIP_CHANNEL_ID, owner=diana)
    emulator.create_channel("Diana · Vestíbulo (Free)", chat_id=FREE_CHANNEL_ID, owner=diana)
    return actors


async def _set_if_missing(ctx: AppContext, plugin: str, key: str, value: Any) -> None:
    """Save a plugin setting unless an admin (or an earlier run) already chose one."""
    version = await ctx.config.version(plugin, key)
    if version > 0:
        return
    await ctx.config.update(plugin, key, value, expected_version=version, by=None)


async def configure(ctx: AppContext) -> None:
    """Channels and free-channel settings in the plugins' settings, one plan, and the demo
    content packages; each only when its plugin runs (LUCIEN_PLUGINS and
    LUCIEN_DISABLED_PLUGINS choose them in the sandbox as in production)."""
    enabled = ctx.registry.is_enabled
    if enabled("vip"):
        from lucien.plugins.vip.services import VipService

        await _set_if_missing(ctx, "vip", "channel_id", VIP_CHANNEL_ID)
        vip = ctx.service("vip", VipService)
        if not await vip.list_plans():
            await vip.create_plan(PLAN_NAME, 30, 999, "USD")
    if enabled("free"):
        await _set_if_missing(ctx, "free", "channel_id", FREE_CHANNEL_ID)
        await _set_if_missing(ctx, "free", "wait_minutes", FREE_WAIT_MINUTES)
        await _set_if_missing(ctx, "free", "social_links", SOCIAL_LINKS)
    await seed_content(ctx)


async def seed_content(ctx: AppContext) -> None:
    """A demo package per category, unless the content plugin is off or has packages."""
    if not ctx.registry.is_enabled("content"):
        return
    from lucien.plugins.content.services import service

    packages = service(ctx).packages
    if (await packages.page_all(0)).total:
        return
    for name, category, price, currency, description in CONTENT_PACKAGES:
        await packages.create(
            name=name,
            description=description,
            category=category,
            price_minor=price,
            currency=currency,
            by=ADMIN_ID,
        )


async def restore_links(ctx: AppContext, emulator: Emulator) -> None:
    """Give the fresh emulator the invite links the database remembers.

    The free plugin keeps one join-request link per channel and the VIP plugin reuses a
    member's unused link; without this they would point at nothing after a restart.
    A plugin that is off has no tables to read (its migrations never ran).
    """
    bot_id = emulator.bot.id
    if ctx.registry.is_enabled("free"):
        from lucien.plugins.free.models import FreeChannel

        async with ctx.db.session() as s:
            free_rows = list(await s.scalars(select(FreeChannel)))
        for row in free_rows:
            if row.invite_link and row.chat_id in emulator.chats:
                emulator.chat(row.chat_id).invite_links.setdefault(
                    row.invite_link,
                    InviteLink(row.invite_link, bot_id, creates_join_request=True, name="Lucien"),
                )
    if ctx.registry.is_enabled("vip"):
        from lucien.plugins.vip.models import InviteLink as VipLink

        async with ctx.db.session() as s:
            vip_rows = list(
                await s.scalars(
                    select(VipLink).where(VipLink.revoked_at.is_(None), VipLink.joined_at.is_(None))
                )
            )
        for link in vip_rows:
            if link.chat_id not in emulator.chats:
                continue
            expires = (
                link.expires_at if link.expires_at.tzinfo else link.expires_at.replace(tzinfo=UTC)
            )
            emulator.chat(link.chat_id).invite_links.setdefault(
                link.link,
                InviteLink(
                    link.link,
                    bot_id,
                    name="VIP",
                    member_limit=1,
                    expire_date=int(expires.timestamp()),
                ),
            )


def vip_link_for(actor: UserActor, channel: ChatState | None = None) -> str | None:
    """The latest channel invite link the bot gave this person (button or text); with
    `channel`, only a link of that channel (the free channel's links look the same)."""

    def wanted(url: str) -> bool:
        return channel is None or url in channel.invite_links

    for message in reversed(actor.visible_messages):
        for button in reversed(message.inline_buttons):
            url = str(button.get("url") or "")
            if INVITE_LINK_RE.fullmatch(url) and wanted(url):
                return url
        found = [url for url in INVITE_LINK_RE.findall(message.text or "") if wanted(url)]
        if found:
            return str(found[-1])
    return None


async def seed_vip_member(ctx: AppContext, emulator: Emulator, valeria: UserActor) -> None:
    """Valeria is VIP: she redeems an invitation through the bot, as a member would, and
    walks through the entry ritual to the link (nothing to do when the vip plugin is off).

    With an active subscription already stored (a restart), she is simply put back in the
    salon, where the previous run left her.
    """
    if not ctx.registry.is_enabled("vip"):
        return
    from lucien.plugins.vip.services import VipService

    vip = ctx.service("vip", VipService)
    if await vip.is_active(valeria.id):
        channel = emulator.chat(VIP_CHANNEL_ID)
        channel.records.setdefault(valeria.id, MemberRecord(valeria.id, "member"))
        return
    plan = (await vip.list_plans())[0]
    [code] = await vip.generate_tokens(plan.id, 1, by=ADMIN_ID)
    await valeria.send(f"/start {code}")
    link = await _walk_to_link(valeria, emulator.chat(VIP_CHANNEL_ID))
    if link is None:
        log.warning("Valeria got no invite link: %s", valeria.last_text)
        return
    outcome = await valeria.join(link)
    if outcome != "joined":
        log.warning("Valeria could not join the VIP channel: %s", outcome)


async def _walk_to_link(actor: UserActor, channel: ChatState) -> str | None:
    """The VIP link, pressing on through the entry ritual's steps until it comes: each
    step's message carries one callback button ("Continuar", "Estoy listo"), the last the
    link. By shape rather than by label, so the words may change."""
    for _ in range(RITUAL_STEPS):
        link = vip_link_for(actor, channel)
        last = actor.last
        if link is not None or last is None:
            return link
        steps = [b for b in last.inline_buttons if "callback_data" in b]
        if len(steps) != 1:
            return None
        await actor.press(last, str(steps[0]["callback_data"]))
    return vip_link_for(actor, channel)


def now_utc() -> datetime:
    """The real current time, where the sandbox clock starts on a fresh database."""
    return datetime.now(UTC).replace(microsecond=0)
