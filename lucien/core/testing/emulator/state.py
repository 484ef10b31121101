"""What Telegram knows: bots, users, chats, members, invite links, join requests, messages.

Plain dataclasses; the rules that change them live in ``membership.py`` and the
method handlers, and ``to_api`` methods render them as Bot API objects that
aiogram validates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from .media import MEDIA_KINDS, animation_document

if TYPE_CHECKING:
    from .delivery import UpdateQueue

#: Every admin right a bot can hold; ``create_channel`` grants them all by default.
ALL_ADMIN_RIGHTS: dict[str, bool] = {
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": True,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": True,
    "can_edit_stories": True,
    "can_delete_stories": True,
    "can_send_welcome_messages": True,
    "can_post_messages": True,
    "can_edit_messages": True,
    "can_pin_messages": True,
    "can_manage_topics": False,
}

#: Statuses that make a user count as inside the chat.
PRESENT = frozenset({"creator", "administrator", "member", "restricted"})


def timestamp(moment: datetime) -> int:
    return int(moment.timestamp())


@dataclass
class UserState:
    """A Telegram user (a person); bots are :class:`BotAccount`."""

    id: int
    first_name: str
    username: str | None = None
    last_name: str | None = None
    language_code: str | None = None

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        return data

    def private_chat(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        return data


@dataclass
class WebhookConfig:
    url: str
    secret_token: str | None = None
    max_connections: int | None = None  # None: the emulator delivers one update at a time
    ip_address: str | None = None


@dataclass
class BotAccount:
    """A bot: its token, identity, delivery settings and its private chats."""

    id: int
    token: str
    username: str
    first_name: str
    queue: UpdateQueue = field(init=False, repr=False)
    allowed_updates: list[str] | None = None
    commands: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    private_chats: dict[int, PrivateChat] = field(default_factory=dict, repr=False)

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
        }

    def get_me(self) -> dict[str, Any]:
        return {
            **self.to_api(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }


class DocumentFile(NamedTuple):
    """A file the bot sent: its name and bytes (empty when sent by file_id or URL)."""

    filename: str
    data: bytes


@dataclass
class StoredMessage:
    """A message in a chat, as the user's client would show it (edits applied in place).

    Each media kind has two fields: ``<kind>`` (name and bytes, :class:`DocumentFile`) and
    ``<kind>_api`` (the Bot API object; a list of PhotoSize for photos). ``kind``,
    ``caption``, ``file`` and ``media_api`` read whichever one the message carries.
    """

    message_id: int
    chat: dict[str, Any]
    date: datetime
    sender: dict[str, Any] | None  # the ``from`` user; None for anonymous channel posts
    text: str | None = None  # plain text (or caption), tags stripped
    html: str | None = None  # the raw text as the bot sent it
    entities: list[dict[str, Any]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None
    document: DocumentFile | None = None
    photo: DocumentFile | None = None
    document_api: dict[str, Any] | None = None
    photo_api: list[dict[str, Any]] | None = None
    video: DocumentFile | None = None
    video_api: dict[str, Any] | None = None
    voice: DocumentFile | None = None
    voice_api: dict[str, Any] | None = None
    animation: DocumentFile | None = None
    animation_api: dict[str, Any] | None = None
    media_group_id: str | None = None  # shared by the messages of one album
    protect_content: bool = False  # sent with protect_content (has_protected_content)
    copy_of: tuple[int, int] | None = None  # (chat id, message id) it was copied from
    forward_origin: dict[str, Any] | None = None
    sender_chat: dict[str, Any] | None = None
    from_bot: bool = False
    deleted: bool = False
    edit_date: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        """ "photo", "video", "animation", "voice", "document", or "text" without media."""
        return next(
            (k for k in MEDIA_KINDS if getattr(self, f"{k}_api") is not None),
            "text",
        )

    @property
    def is_media(self) -> bool:
        return self.kind != "text"

    @property
    def caption(self) -> str | None:
        """The caption (plain text) of a media message; None for text messages."""
        return self.text if self.is_media else None

    @property
    def file(self) -> DocumentFile | None:
        """Name and bytes of the media the message carries (None for text)."""
        return getattr(self, self.kind) if self.is_media else None

    @property
    def media_api(self) -> Any:
        """The Bot API object of the media (a PhotoSize list for photos), or None."""
        return getattr(self, f"{self.kind}_api") if self.is_media else None

    def media_fields(self) -> dict[str, Any]:
        """The media fields, to build a copy carrying the same file."""
        return {name: getattr(self, name) for kind in MEDIA_KINDS for name in (kind, f"{kind}_api")}

    @property
    def buttons(self) -> list[list[str]]:
        """Rows of inline button labels (empty without an inline keyboard)."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [[button.get("text", "") for button in row] for row in rows]

    @property
    def inline_buttons(self) -> list[dict[str, Any]]:
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [button for row in rows for button in row]

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_id": self.message_id,
            "date": timestamp(self.date),
            "chat": self.chat,
        }
        if self.sender is not None:
            data["from"] = self.sender
        if self.sender_chat is not None:
            data["sender_chat"] = self.sender_chat
        if self.forward_origin is not None:
            data["forward_origin"] = self.forward_origin
        if self.edit_date is not None:
            data["edit_date"] = timestamp(self.edit_date)
        text_key, entities_key = (
            ("caption", "caption_entities") if self.is_media else ("text", "entities")
        )
        if self.text is not None:
            data[text_key] = self.text
        if self.entities:
            data[entities_key] = self.entities
        for kind in MEDIA_KINDS:
            api = getattr(self, f"{kind}_api")
            if api is not None:
                data[kind] = api
        if self.animation_api is not None and self.document_api is None:
            data["document"] = animation_document(self.animation_api)
        if self.media_group_id is not None:
            data["media_group_id"] = self.media_group_id
        if self.protect_content:
            data["has_protected_content"] = True
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            data["reply_markup"] = self.reply_markup
        data.update(self.extra)
        return data


@dataclass
class CallbackQueryState:
    """A button click and the bot's answer to it (``answered`` False until answerCallbackQuery)."""

    id: str
    user_id: int
    bot_id: int
    message_id: int
    data: str
    chat_id: int | None = None  # the chat of the message (a channel for click_in)
    answered: bool = False
    text: str | None = None
    show_alert: bool = False
    url: str | None = None


@dataclass
class MessageStore:
    """Messages of one chat and its message id counter."""

    messages: dict[int, StoredMessage] = field(default_factory=dict, repr=False)
    last_message_id: int = 0

    def next_message_id(self) -> int:
        self.last_message_id += 1
        return self.last_message_id


@dataclass
class PrivateChat(MessageStore):
    """The private chat between one bot and one user."""

    user_id: int = 0
    started: bool = False  # the user wrote to the bot at least once
    blocked: bool = False


@dataclass
class MemberRecord:
    user_id: int
    status: str
    is_bot: bool = False
    rights: dict[str, bool] = field(default_factory=dict)
    until_date: int = 0  # 0 means forever for bans
    joined_by_link: str | None = None  # the invite link whose member_limit slot it holds


@dataclass
class InviteLink:
    invite_link: str
    creator_id: int
    creates_join_request: bool = False
    is_primary: bool = False
    is_revoked: bool = False
    name: str | None = None
    expire_date: int | None = None
    member_limit: int | None = None
    holders: set[int] = field(default_factory=set)  # present members who joined through it

    def to_api(self, creator: dict[str, Any], pending_requests: int) -> dict[str, Any]:
        data: dict[str, Any] = {
            "invite_link": self.invite_link,
            "creator": creator,
            "creates_join_request": self.creates_join_request,
            "is_primary": self.is_primary,
            "is_revoked": self.is_revoked,
        }
        for key in ("name", "expire_date", "member_limit"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        if self.creates_join_request:
            data["pending_join_request_count"] = pending_requests
        return data


@dataclass
class JoinRequest:
    user_id: int
    date: datetime
    invite_link: str | None = None


@dataclass
class ChatState(MessageStore):
    """A channel, supergroup or group with its members, links and pending join requests."""

    id: int = 0
    type: str = "channel"
    title: str = ""
    username: str | None = None
    records: dict[int, MemberRecord] = field(default_factory=dict, repr=False)
    invite_links: dict[str, InviteLink] = field(default_factory=dict)
    join_requests: dict[int, JoinRequest] = field(default_factory=dict)

    @property
    def members(self) -> dict[int, str]:
        """user_id -> status for everyone the chat knows (bots and the owner included)."""
        return {uid: record.status for uid, record in self.records.items()}

    @property
    def posts(self) -> list[StoredMessage]:
        """The chat's messages still shown (not deleted), oldest first."""
        return [m for _, m in sorted(self.messages.items()) if not m.deleted]

    def status_of(self, user_id: int) -> str:
        record = self.records.get(user_id)
        return record.status if record else "left"

    def member_count(self) -> int:
        return sum(1 for record in self.records.values() if record.status in PRESENT)

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type, "title": self.title}
        if self.username:
            data["username"] = self.username
        return data

    def full_info(self) -> dict[str, Any]:
        """A ChatFullInfo: aiogram requires the colour, reactions and gift fields."""
        return {
            **self.to_api(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": _NO_GIFTS,
        }


_NO_GIFTS = {
    "unlimited_gifts": False,
    "limited_gifts": False,
    "unique_gifts": False,
    "premium_subscription": False,
    "gifts_from_channels": False,
}


def private_full_info(user: UserState) -> dict[str, Any]:
    return {
        **user.private_chat(),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": _NO_GIFTS,
    }
