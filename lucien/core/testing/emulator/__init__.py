"""A Telegram Bot API emulator: the real aiogram Bot talks HTTP to it as to Telegram.

Start with :class:`Emulator`; users are :class:`UserActor` objects from
``Emulator.add_user``. See ``server.py`` for an example.
"""

from .actors import JOIN_REFUSALS, ActorError, UserActor
from .delivery import DeliveryAttempt, PendingUpdate
from .errors import ApiError
from .server import Call, Emulator
from .state import (
    ALL_ADMIN_RIGHTS,
    BotAccount,
    CallbackQueryState,
    ChatState,
    DocumentFile,
    InviteLink,
    JoinRequest,
    StoredMessage,
    UserState,
)

__all__ = [
    "ALL_ADMIN_RIGHTS",
    "JOIN_REFUSALS",
    "ActorError",
    "ApiError",
    "BotAccount",
    "Call",
    "CallbackQueryState",
    "ChatState",
    "DeliveryAttempt",
    "DocumentFile",
    "Emulator",
    "InviteLink",
    "JoinRequest",
    "PendingUpdate",
    "StoredMessage",
    "UserActor",
    "UserState",
]
