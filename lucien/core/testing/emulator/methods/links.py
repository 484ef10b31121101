"""Invite links and join requests: creation, editing, revocation, approval."""

from __future__ import annotations

import secrets
from typing import Any

from ..errors import bad_request
from ..membership import change_status
from ..state import PRESENT, ChatState, InviteLink, timestamp
from . import MethodContext, method

LINK_RIGHTS = "not enough rights to manage chat invite links"
MAX_NAME = 32
MAX_MEMBER_LIMIT = 99_999


def _links_chat(ctx: MethodContext) -> ChatState:
    chat = ctx.group()
    ctx.require_admin(chat, "can_invite_users", LINK_RIGHTS)
    return chat


def new_link_string() -> str:
    return "https://t.me/+" + secrets.token_urlsafe(12)


def _apply_options(ctx: MethodContext, link: InviteLink) -> None:
    """Validate and set name, expire_date, member_limit, creates_join_request."""
    name = ctx.params.str("name")
    if name is not None and len(name) > MAX_NAME:
        raise bad_request("invite link name is too long")
    member_limit = ctx.params.int("member_limit")
    if member_limit is not None and not 1 <= member_limit <= MAX_MEMBER_LIMIT:
        raise bad_request("USAGE_LIMIT_INVALID")
    creates_join_request = ctx.params.bool("creates_join_request")
    if creates_join_request and member_limit is not None:
        raise bad_request(
            "member limit can't be specified for links requiring administrator approval"
        )
    expire_date = ctx.params.int("expire_date")
    if expire_date is not None and expire_date and expire_date <= timestamp(ctx.emu.clock.now()):
        raise bad_request("EXPIRE_DATE_INVALID")
    link.name = name
    link.member_limit = member_limit
    link.creates_join_request = creates_join_request
    link.expire_date = expire_date or None


def _own_link(ctx: MethodContext, chat: ChatState) -> InviteLink:
    link = chat.invite_links.get(ctx.params.req_str("invite_link"))
    if link is None:
        raise bad_request("INVITE_HASH_INVALID")
    if link.creator_id != ctx.bot.id:
        # A bot may edit or revoke only the links it created.
        raise bad_request("CHAT_ADMIN_REQUIRED")
    return link


@method("createChatInviteLink")
async def create_chat_invite_link(ctx: MethodContext) -> dict[str, Any]:
    chat = _links_chat(ctx)
    link = InviteLink(new_link_string(), ctx.bot.id)
    _apply_options(ctx, link)
    chat.invite_links[link.invite_link] = link
    return ctx.emu.link_api(chat, link)


@method("editChatInviteLink")
async def edit_chat_invite_link(ctx: MethodContext) -> dict[str, Any]:
    chat = _links_chat(ctx)
    link = _own_link(ctx, chat)
    if link.is_revoked:
        raise bad_request("INVITE_HASH_EXPIRED")
    _apply_options(ctx, link)
    return ctx.emu.link_api(chat, link)


@method("revokeChatInviteLink")
async def revoke_chat_invite_link(ctx: MethodContext) -> dict[str, Any]:
    chat = _links_chat(ctx)
    link = _own_link(ctx, chat)
    link.is_revoked = True
    if link.is_primary:
        # Revoking the primary link makes Telegram generate a new one.
        link.is_primary = False
        fresh = InviteLink(new_link_string(), ctx.bot.id, is_primary=True)
        chat.invite_links[fresh.invite_link] = fresh
    return ctx.emu.link_api(chat, link)


@method("exportChatInviteLink")
async def export_chat_invite_link(ctx: MethodContext) -> str:
    chat = _links_chat(ctx)
    for link in chat.invite_links.values():
        if link.is_primary:
            link.is_primary, link.is_revoked = False, True
    fresh = InviteLink(new_link_string(), ctx.bot.id, is_primary=True)
    chat.invite_links[fresh.invite_link] = fresh
    return fresh.invite_link


@method("approveChatJoinRequest")
async def approve_chat_join_request(ctx: MethodContext) -> bool:
    chat = _links_chat(ctx)
    user = ctx.user()
    request = chat.join_requests.pop(user.id, None)
    if request is None:
        raise bad_request("HIDE_REQUESTER_MISSING")
    if chat.status_of(user.id) in PRESENT:
        raise bad_request("USER_ALREADY_PARTICIPANT")
    link = chat.invite_links.get(request.invite_link) if request.invite_link else None
    change_status(
        ctx.emu,
        chat,
        user.id,
        "member",
        actor_id=ctx.bot.id,
        invite_link=link,
        via_join_request=True,
    )
    return True


@method("declineChatJoinRequest")
async def decline_chat_join_request(ctx: MethodContext) -> bool:
    chat = _links_chat(ctx)
    user = ctx.user()
    if chat.join_requests.pop(user.id, None) is None:
        raise bad_request("HIDE_REQUESTER_MISSING")
    return True
