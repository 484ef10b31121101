"""Reading chats and members, banning and unbanning, leaving."""

from __future__ import annotations

from typing import Any

from ..errors import bad_request
from ..membership import change_status, member_api
from ..state import PRESENT, UserState, private_full_info, timestamp
from . import MethodContext, method

RESTRICT_RIGHTS = "not enough rights to restrict/unrestrict chat member"
FOREVER_IF_UNDER = 30  # seconds; Telegram treats shorter bans as permanent
FOREVER_IF_OVER = 366 * 24 * 3600


@method("getChat")
async def get_chat(ctx: MethodContext) -> dict[str, Any]:
    target = ctx.resolve()
    if isinstance(target, UserState):
        return private_full_info(target)
    record = ctx.bot_record(target)
    if not target.username and (record is None or record.status in ("left", "kicked")):
        raise bad_request("chat not found")
    return target.full_info()


@method("getChatMember")
async def get_chat_member(ctx: MethodContext) -> dict[str, Any]:
    target = ctx.resolve()
    user = ctx.user()
    if isinstance(target, UserState):
        if user.id not in (target.id, ctx.bot.id):
            raise bad_request("user not found")
        return {"status": "member", "user": ctx.emu.user_api(user.id)}
    ctx.require_member(target)
    record = ctx.bot_record(target)
    # Channel member lists are visible to admins only.
    if (
        target.type == "channel"
        and user.id != ctx.bot.id
        and record is not None
        and record.status not in ("administrator", "creator")
    ):
        raise bad_request("member list is inaccessible")
    return member_api(ctx.emu, target, user.id)


@method("getChatAdministrators")
async def get_chat_administrators(ctx: MethodContext) -> list[dict[str, Any]]:
    chat = ctx.group()
    return [
        member_api(ctx.emu, chat, uid)
        for uid, record in chat.records.items()
        if record.status in ("creator", "administrator")
    ]


@method("getChatMemberCount", "getChatMembersCount")
async def get_chat_member_count(ctx: MethodContext) -> int:
    target = ctx.resolve()
    if isinstance(target, UserState):
        return 2
    ctx.require_member(target)
    return target.member_count()


def _refuse_privileged(status: str) -> None:
    if status == "creator":
        raise bad_request("can't remove chat owner")
    if status == "administrator":
        raise bad_request("user is an administrator of the chat")


@method("banChatMember", "kickChatMember")
async def ban_chat_member(ctx: MethodContext) -> bool:
    chat = ctx.group()
    ctx.require_admin(chat, "can_restrict_members", RESTRICT_RIGHTS)
    user = ctx.user()
    _refuse_privileged(chat.status_of(user.id))
    until = ctx.params.int("until_date", default=0) or 0
    delta = until - timestamp(ctx.emu.clock.now())
    if until and (delta < FOREVER_IF_UNDER or delta > FOREVER_IF_OVER):
        until = 0
    chat.join_requests.pop(user.id, None)
    change_status(ctx.emu, chat, user.id, "kicked", actor_id=ctx.bot.id, until_date=until)
    return True


@method("unbanChatMember")
async def unban_chat_member(ctx: MethodContext) -> bool:
    chat = ctx.group()
    ctx.require_admin(chat, "can_restrict_members", RESTRICT_RIGHTS)
    user = ctx.user()
    status = chat.status_of(user.id)
    if status == "kicked":
        change_status(ctx.emu, chat, user.id, "left", actor_id=ctx.bot.id)
    elif status in PRESENT and not ctx.params.bool("only_if_banned"):
        # Without only_if_banned, "unban" of a present member removes them (Telegram's quirk).
        _refuse_privileged(status)
        change_status(ctx.emu, chat, user.id, "left", actor_id=ctx.bot.id)
    return True


@method("leaveChat")
async def leave_chat(ctx: MethodContext) -> bool:
    chat = ctx.group()
    change_status(ctx.emu, chat, ctx.bot.id, "left", actor_id=ctx.bot.id)
    return True
