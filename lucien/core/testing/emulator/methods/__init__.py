"""Bot API method handlers, one module per area, registered by name.

A handler receives a :class:`MethodContext` and returns the ``result`` of the
envelope, or raises :class:`~..errors.ApiError`. Names are matched without
regard to case, as Telegram does.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import CHAT_NOT_FOUND, ApiError, bad_request, forbidden
from ..params import Params
from ..state import BotAccount, ChatState, MemberRecord, PrivateChat, UserState

if TYPE_CHECKING:
    from ..server import Emulator

Handler = Callable[["MethodContext"], Awaitable[Any]]
#: lower-case method name -> (canonical name, handler)
REGISTRY: dict[str, tuple[str, Handler]] = {}

#: The join-request window in which a bot may write to a user who never started it.
JOIN_REQUEST_DM_WINDOW = 5 * 60


def method(*names: str) -> Callable[[Handler], Handler]:
    """Register a handler under one or more Bot API method names."""

    def register(handler: Handler) -> Handler:
        for name in names:
            REGISTRY[name.lower()] = (name, handler)
        return handler

    return register


@dataclass
class MethodContext:
    """One call: the emulator, the calling bot, its parameters."""

    emu: Emulator
    bot: BotAccount
    params: Params
    method: str
    via: str = "http"

    # -- chats -------------------------------------------------------------------------------

    def find_chat(self, chat_id: int | str) -> ChatState | None:
        if isinstance(chat_id, str):
            name = chat_id.lstrip("@").lower()
            return next(
                (c for c in self.emu.chats.values() if c.username and c.username.lower() == name),
                None,
            )
        return self.emu.chats.get(chat_id)

    def resolve(self, name: str = "chat_id") -> ChatState | UserState:
        """A group/channel or a user (private chat) the bot can see, or 400 chat not found."""
        chat_id = self.params.chat_id(name)
        chat = self.find_chat(chat_id)
        if chat is not None:
            return chat
        if isinstance(chat_id, int) and chat_id in self.emu.users:
            return self.emu.users[chat_id]
        raise bad_request(CHAT_NOT_FOUND)

    def group(self, name: str = "chat_id") -> ChatState:
        """A group or channel the bot is in (403 if it is not, like Telegram)."""
        target = self.resolve(name)
        if isinstance(target, UserState):
            raise bad_request("method is available only for supergroups and channel")
        self.require_member(target)
        return target

    def bot_record(self, chat: ChatState) -> MemberRecord | None:
        return chat.records.get(self.bot.id)

    def require_member(self, chat: ChatState) -> None:
        record = self.bot_record(chat)
        if record is None or record.status in ("left", "kicked"):
            kind = "channel" if chat.type == "channel" else chat.type
            if record is not None and record.status == "kicked":
                raise forbidden(f"bot was kicked from the {kind} chat")
            raise forbidden(f"bot is not a member of the {kind} chat")

    def require_admin(
        self, chat: ChatState, right: str | None = None, missing_right: str = "not enough rights"
    ) -> None:
        """Admin (holding ``right``), else Telegram's CHAT_ADMIN_REQUIRED / rights error."""
        self.require_member(chat)
        record = self.bot_record(chat)
        assert record is not None
        if record.status == "creator":
            return
        if record.status != "administrator":
            raise bad_request("CHAT_ADMIN_REQUIRED")
        if right is not None and not record.rights.get(right):
            raise bad_request(missing_right)

    def private(self, user: UserState) -> PrivateChat:
        chat = self.bot.private_chats.get(user.id)
        if chat is None:
            chat = self.bot.private_chats[user.id] = PrivateChat(user_id=user.id)
        return chat

    def may_write_privately(self, user: UserState) -> None:
        """Blocked -> 403; never started -> 403 unless a fresh pending join request allows it."""
        chat = self.private(user)
        if chat.blocked:
            raise forbidden("bot was blocked by the user")
        if chat.started:
            return
        now = self.emu.clock.now()
        for group in self.emu.chats.values():
            request = group.join_requests.get(user.id)
            record = group.records.get(self.bot.id)
            if request is None or record is None or record.status != "administrator":
                continue
            if (now - request.date).total_seconds() <= JOIN_REQUEST_DM_WINDOW:
                return
        raise forbidden("bot can't initiate conversation with a user")

    def user(self, name: str = "user_id") -> UserState:
        user_id = self.params.req_int(name)
        if user_id not in self.emu.users and user_id not in self.emu.bots_by_id:
            raise bad_request("PARTICIPANT_ID_INVALID")
        return self.emu.users.get(user_id) or UserState(user_id, "Bot")


def _load() -> None:
    # Importing the modules registers their handlers.
    from . import bot, chats, copies, links, media, messages, updates  # noqa: F401


_load()

__all__ = ["JOIN_REQUEST_DM_WINDOW", "REGISTRY", "ApiError", "MethodContext", "method"]
