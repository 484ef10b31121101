"""The web chat's doors to the channels: joining through a link, leaving, and forwarding
a channel post to the bot as the chosen person.

Forwarding is how an admin's channel prompt first asks to be shown a channel ("forward
me a message from the channel"): the bot reads the channel from the forward's origin, as
it would from a Telegram client.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from aiohttp import web

from . import views, world
from .api import BadInput, actor_of, body_of, message_id_of, sandbox_of

if TYPE_CHECKING:
    from . import Sandbox

JOIN_OUTCOMES = {
    "joined": "joined the channel",
    "requested": "asked to join: the request waits for the bot",
    "banned": "is banned from this channel",
    "already_member": "is already in the channel",
    "revoked": "the link was revoked",
    "expired": "the link has expired",
    "limit_reached": "the link was already used",
    "already_requested": "already asked to join (the request is pending)",
    "invalid_link": "the link leads nowhere",
}
CHANNEL_KEYS = 'channel is "free" or "vip" (the ones whose plugin runs)'


def add_routes(app: web.Application) -> None:
    """The channel routes of the web chat."""
    app.router.add_post("/api/join", join)
    app.router.add_post("/api/leave", leave)
    app.router.add_post("/api/forward", forward)


async def chat_id_of(sandbox: Sandbox, key: Any) -> int:
    """The emulator chat of a channel named by the page's key, or BadInput."""
    chat_id = (await views.channel_ids(sandbox)).get(str(key))
    if chat_id is None or chat_id not in sandbox.emulator.chats:
        raise BadInput(CHANNEL_KEYS)
    return chat_id


async def join(request: web.Request) -> web.Response:
    """Open an invite link: the free channel's, the VIP one the bot sent, or any given."""
    sandbox = sandbox_of(request)
    data = await body_of(request)
    actor = actor_of(sandbox, data.get("actor"))
    link = str(data.get("link") or "") or await _channel_link(sandbox, actor, data.get("channel"))
    deep = _deep_link_start(sandbox, link)
    if deep is not None:
        # A t.me/<bot>?start=... link opens the bot and sends /start with the payload.
        async with sandbox.lock:
            await actor.send(f"/start {deep}".strip())
        return web.json_response(
            {"ok": True, "outcome": "started", "message": f"{actor.first_name} opened the bot"}
        )
    async with sandbox.lock:
        outcome = await actor.join(link)
    return web.json_response(
        {
            "ok": outcome in ("joined", "requested"),
            "outcome": outcome,
            "message": f"{actor.first_name}: {JOIN_OUTCOMES.get(outcome, outcome)}",
        }
    )


async def _channel_link(sandbox: Sandbox, actor: Any, channel: Any) -> str:
    """The link a person would use to enter ``channel`` ("free" or "vip")."""
    ids = await views.channel_ids(sandbox)
    if channel == "free" and "free" in ids:
        if ids["free"] is None:
            raise BadInput("no free channel is configured")
        from lucien.plugins.free.services import service as free_service

        link = await free_service(sandbox.ctx).join_link(ids["free"]) or ""
        if not link:
            raise BadInput("the bot could not make a link to the free channel")
        return link
    if channel == "vip" and "vip" in ids:
        # Only the VIP channel's links: the free channel's look the same.
        vip = sandbox.emulator.chats.get(ids["vip"] or 0)
        link = (world.vip_link_for(actor, vip) if vip is not None else None) or ""
        if not link:
            raise BadInput(
                f"Lucien has not sent {actor.first_name} an invitation link to "
                "the VIP channel: redeem an invitation (/start VIP-...) first"
            )
        return link
    raise BadInput(f"{CHANNEL_KEYS} (or give a link)")


def _deep_link_start(sandbox: Sandbox, link: str) -> str | None:
    parts = urlsplit(link)
    if parts.netloc.lower() not in ("t.me", "telegram.me"):
        return None
    if parts.path.strip("/").lower() != sandbox.emulator.bot.username.lower():
        return None
    return parse_qs(parts.query).get("start", [""])[0]


async def leave(request: web.Request) -> web.Response:
    """The person leaves a channel."""
    sandbox = sandbox_of(request)
    data = await body_of(request)
    actor = actor_of(sandbox, data.get("actor"))
    chat_id = await chat_id_of(sandbox, data.get("channel"))
    async with sandbox.lock:
        await actor.leave(chat_id)
    return web.json_response({"ok": True})


async def forward(request: web.Request) -> web.Response:
    """Forward a channel post (``message_id``) to the bot as the person. Without one, the
    newest post; a channel with none gets a short post first, so there is one to forward."""
    sandbox = sandbox_of(request)
    data = await body_of(request)
    actor = actor_of(sandbox, data.get("actor"))
    chat_id = await chat_id_of(sandbox, data.get("channel"))
    message_id = message_id_of(data.get("message_id"))
    chat = sandbox.emulator.chat(chat_id)
    async with sandbox.lock:
        if message_id is not None:
            post = chat.messages.get(message_id)
            if post is None or post.deleted:
                raise BadInput(f"no post {message_id} in {chat.title}")
            await actor.forward_from(chat_id, message_id=message_id)
        elif chat.posts:
            await actor.forward_from(chat_id, message_id=chat.posts[-1].message_id)
        else:
            await actor.forward_from(chat_id, f"A post in {chat.title}")
    return web.json_response(
        {"ok": True, "message": f"{actor.first_name} forwarded a post of {chat.title} to the bot"}
    )
