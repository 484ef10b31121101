"""What the web chat shows: the people, the channels with their members and posts, and a
person's chat with the bot, as JSON the page renders.

Message text is re-serialised from Telegram entities (``render.py``), so the page only
receives markup this side wrote. A message's file is named by a URL of ``/api/file``,
which serves it back (``files.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from lucien.core.testing.emulator import MEDIA_KINDS, StoredMessage, UserActor

from .render import buttons_of, entities_to_html

if TYPE_CHECKING:
    from . import Sandbox

#: The newest channel posts the page shows (older ones are still in the emulator).
POSTS_SHOWN = 20
_STATUS_ORDER = {"creator": 0, "administrator": 1, "member": 2, "restricted": 3}


#: The page's channel keys and the plugin that configures each channel.
CHANNEL_PLUGINS = {"vip": "vip", "free": "free"}


async def channel_ids(sandbox: Sandbox) -> dict[str, int | None]:
    """The channels the running plugins are configured with, by the page's key (a key
    whose plugin is off is absent: its settings are not there to read)."""
    ctx = sandbox.ctx
    return {
        key: (await ctx.config.get(plugin)).channel_id
        for key, plugin in CHANNEL_PLUGINS.items()
        if ctx.registry.is_enabled(plugin)
    }


def person_name(sandbox: Sandbox, user_id: int) -> str:
    emulator = sandbox.emulator
    if user_id in emulator.bots_by_id:
        return f"{emulator.bots_by_id[user_id].first_name} (bot)"
    user = emulator.users.get(user_id)
    return user.first_name if user else str(user_id)


def message_item(message: StoredMessage, owner: dict[str, Any], out: bool) -> dict[str, Any]:
    """One message as the page shows it; ``owner`` names its chat in file URLs
    (``{"actor": id}`` or ``{"channel": key}``)."""
    item: dict[str, Any] = {
        "id": message.message_id,
        "out": out,
        "html": entities_to_html(message.text or "", message.entities),
        "buttons": buttons_of(message.reply_markup),
        "date": message.date.isoformat(),
        "edited": message.edit_date is not None,
    }
    if message.media_group_id:
        item["album"] = message.media_group_id
    for kind in MEDIA_KINDS:
        attached = getattr(message, kind)
        if attached is not None:
            query = urlencode({**owner, "message_id": message.message_id, "kind": kind})
            item[kind] = {
                "name": attached.filename or f"{kind}-{message.message_id}",
                "size": len(attached.data),
                "url": f"/api/file?{query}",
            }
    return item


def _posts(chat: Any, key: str) -> list[dict[str, Any]]:
    return [message_item(m, {"channel": key}, False) for m in chat.posts[-POSTS_SHOWN:]]


async def channels(sandbox: Sandbox) -> list[dict[str, Any]]:
    """Each configured channel: members, pending join requests, links, newest posts."""
    out: list[dict[str, Any]] = []
    for key, chat_id in (await channel_ids(sandbox)).items():
        if chat_id is None or chat_id not in sandbox.emulator.chats:
            continue
        chat = sandbox.emulator.chat(chat_id)
        members = [
            {"id": uid, "name": person_name(sandbox, uid), "status": status}
            for uid, status in sorted(
                chat.members.items(), key=lambda i: (_STATUS_ORDER.get(i[1], 9), i[0])
            )
            if status in _STATUS_ORDER
        ]
        requests = [
            {"id": uid, "name": person_name(sandbox, uid), "since": r.date.isoformat()}
            for uid, r in chat.join_requests.items()
        ]
        out.append(
            {
                "key": key,
                "id": chat_id,
                "title": chat.title,
                "members": members,
                "requests": requests,
                "links": sum(1 for link in chat.invite_links.values() if not link.is_revoked),
                "posts": _posts(chat, key),
            }
        )
    return out


async def actors(sandbox: Sandbox) -> list[dict[str, Any]]:
    """The people the visitor may be, with their Telegram ids and roles (VIP only while
    the vip plugin runs)."""
    vip: Any = None
    if sandbox.ctx.registry.is_enabled("vip"):
        from lucien.plugins.vip.services import VipService

        vip = sandbox.ctx.service("vip", VipService)
    admins = set(sandbox.ctx.settings.admin_ids)
    out = []
    for uid, spec in sandbox.specs.items():
        out.append(
            {
                "id": uid,
                "name": spec.name,
                "language": spec.language,
                "kind": spec.kind,
                "admin": uid in admins,
                "vip": bool(vip is not None and await vip.is_active(uid)),
            }
        )
    return out


def plugins(sandbox: Sandbox) -> list[str]:
    """The names of the plugins running, for the page to leave out what is off."""
    return [record.name for record in sandbox.ctx.registry.enabled()]


def messages(actor: UserActor) -> list[dict[str, Any]]:
    """The person's chat with the bot, oldest first (deleted messages are gone)."""
    chat = actor.chat_with()
    return [
        message_item(message, {"actor": actor.id}, not message.from_bot)
        for message in sorted(chat.messages.values(), key=lambda m: m.message_id)
        if not message.deleted
    ]
