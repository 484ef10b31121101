"""Membership rules shared by the bot's methods and the users' actions.

Every status change goes through :func:`change_status`, which keeps invite-link
slots right (a ``member_limit`` slot frees when its holder leaves) and emits the
updates Telegram would: ``chat_member`` to the chat's admin bots and
``my_chat_member`` to a bot whose own status changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .delivery import PendingUpdate
from .state import PRESENT, ChatState, InviteLink, JoinRequest, MemberRecord, timestamp

if TYPE_CHECKING:
    from .server import Emulator

_RESTRICTED_FLAGS = (
    "can_send_messages",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_react_to_messages",
    "can_edit_tag",
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_topics",
)
_ADMIN_REQUIRED = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_send_welcome_messages",
)
_ADMIN_CHANNEL = ("can_post_messages", "can_edit_messages")
_ADMIN_GROUP = ("can_pin_messages", "can_manage_topics")


def member_api(emu: Emulator, chat: ChatState, user_id: int) -> dict[str, Any]:
    """The ChatMember object for ``user_id`` in ``chat`` with every field aiogram requires."""
    record = chat.records.get(user_id) or MemberRecord(user_id, "left")
    data: dict[str, Any] = {"status": record.status, "user": emu.user_api(user_id)}
    if record.status == "creator":
        data["is_anonymous"] = False
    elif record.status == "administrator":
        data.update(can_be_edited=False, is_anonymous=False)
        extra = _ADMIN_CHANNEL if chat.type == "channel" else _ADMIN_GROUP
        for right in (*_ADMIN_REQUIRED, *extra):
            data[right] = bool(record.rights.get(right, False))
    elif record.status == "restricted":
        data.update(is_member=True, until_date=record.until_date)
        for flag in _RESTRICTED_FLAGS:
            data[flag] = bool(record.rights.get(flag, False))
    elif record.status == "kicked":
        data["until_date"] = record.until_date
    return data


def admin_bots(emu: Emulator, chat: ChatState, right: str | None = None) -> list[int]:
    """Bots that are admins of ``chat`` (holding ``right`` when given)."""
    bots = []
    for bot_id in emu.bots_by_id:
        record = chat.records.get(bot_id)
        if record and record.status in ("administrator", "creator"):
            if right is None or record.status == "creator" or record.rights.get(right):
                bots.append(bot_id)
    return bots


def change_status(
    emu: Emulator,
    chat: ChatState,
    user_id: int,
    status: str,
    *,
    actor_id: int,
    invite_link: InviteLink | None = None,
    via_join_request: bool = False,
    until_date: int = 0,
    rights: dict[str, bool] | None = None,
) -> list[PendingUpdate]:
    """Set a member's status and emit chat_member / my_chat_member updates."""
    old = member_api(emu, chat, user_id)
    record = chat.records.get(user_id)
    if record is None:
        record = MemberRecord(user_id, "left", is_bot=user_id in emu.bots_by_id)
        chat.records[user_id] = record
    was_present = record.status in PRESENT
    record.status = status
    record.until_date = until_date
    if rights is not None:
        record.rights = dict(rights)
    if was_present and status not in PRESENT and record.joined_by_link:
        # Leaving frees the member_limit slot the member held.
        link = chat.invite_links.get(record.joined_by_link)
        if link:
            link.holders.discard(user_id)
        record.joined_by_link = None
    if invite_link is not None and status in PRESENT and not was_present:
        record.joined_by_link = invite_link.invite_link
        invite_link.holders.add(user_id)
    new = member_api(emu, chat, user_id)

    body: dict[str, Any] = {
        "chat": chat.to_api(),
        "from": emu.user_api(actor_id),
        "date": timestamp(emu.clock.now()),
        "old_chat_member": old,
        "new_chat_member": new,
    }
    updates: list[PendingUpdate] = []
    if user_id in emu.bots_by_id:
        pushed = emu.bots_by_id[user_id].queue.push("my_chat_member", body)
        updates += [pushed] if pushed else []
    for bot_id in admin_bots(emu, chat):
        if bot_id == user_id:
            continue
        bot_body = dict(body)
        if invite_link is not None:
            bot_body["invite_link"] = emu.link_api(chat, invite_link)
        if via_join_request:
            bot_body["via_join_request"] = True
        pushed = emu.bots_by_id[bot_id].queue.push("chat_member", bot_body)
        updates += [pushed] if pushed else []
    return updates


def join_refusal(
    emu: Emulator, chat: ChatState, user_id: int, link: InviteLink | None
) -> str | None:
    """Why ``user_id`` cannot use ``link`` right now, or None if it can."""
    status = chat.status_of(user_id)
    if status == "kicked":
        return "banned"
    if status in PRESENT:
        return "already_member"
    if link is None:
        return None
    if link.is_revoked:
        return "revoked"
    if link.expire_date is not None and link.expire_date <= timestamp(emu.clock.now()):
        return "expired"
    if link.member_limit is not None and len(link.holders) >= link.member_limit:
        return "limit_reached"
    if link.creates_join_request and user_id in chat.join_requests:
        return "already_requested"
    return None


def request_to_join(
    emu: Emulator, chat: ChatState, user_id: int, link: InviteLink | None
) -> list[PendingUpdate]:
    """Record a join request and tell the admin bots that may handle it."""
    request = JoinRequest(user_id, emu.clock.now(), link.invite_link if link else None)
    chat.join_requests[user_id] = request
    body: dict[str, Any] = {
        "chat": chat.to_api(),
        "from": emu.user_api(user_id),
        "user_chat_id": user_id,
        "date": timestamp(request.date),
    }
    if link is not None:
        body["invite_link"] = emu.link_api(chat, link)
    updates = []
    for bot_id in admin_bots(emu, chat, "can_invite_users"):
        pushed = emu.bots_by_id[bot_id].queue.push("chat_join_request", body)
        if pushed:
            updates.append(pushed)
    return updates
