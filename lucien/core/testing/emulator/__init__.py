"""A Telegram Bot API emulator: the real aiogram Bot talks HTTP to it as to Telegram.

Usage::

    async with Emulator(clock=FakeClock(), limits="on", limit_scale=0.01) as emu:
        account = emu.create_bot()
        bot = Bot(account.token, session=AiohttpSession(
            api=TelegramAPIServer.from_base(emu.base_url)))
        channel = emu.create_channel("VIP")          # every bot is an admin by default
        ana = emu.add_user("Ana")
        ... the bot sets its webhook (or starts polling) ...
        await ana.send("/start")                     # returns once the bot handled it
        assert ana.last_text == "..."
        await ana.click("Aceptar")                   # a callback_query the bot answers
        assert await ana.join(link) == "joined"      # or "requested" / a refusal
        await ana.send_photo(caption="<b>hola</b>", parse_mode="HTML")
        await ana.send_album([("photo", "uno"), ("video", None)])  # one shared media_group_id
        await ana.click_in(channel, post_id, "❤️")   # a button on a channel post

When is an update "handled"? In webhook mode when the webhook POST returned 2xx
and the method in its answer body ran (use aiogram's ``SimpleRequestHandler``
with ``handle_in_background=False``); in polling mode when a later getUpdates
acknowledged it with ``offset`` (use ``start_polling(handle_as_tasks=False)``).
Actions then also wait for what the handling caused (``Emulator.wait_idle``).
A bot that has neither set a webhook nor polled yet is not waited for;
``Emulator.wait_connected`` waits until it has.

Modules: ``server`` (the Emulator and HTTP routing), ``state`` (bots, users,
chats, links, messages), ``membership`` (joins, leaves, updates), ``methods/``
(one module per API area: ``compose`` holds what sending methods share, ``media``
files and albums, ``copies`` copies and forwards), ``media`` (files: their kinds,
ids and Bot API objects), ``delivery`` (webhook and getUpdates), ``limits`` (429s),
``faults`` (failures, delays and hangs on demand: ``emu.faults.add(...)``, or
``POST /_emulator/faults`` over HTTP), ``reading`` (a chat's messages over HTTP:
``GET /_emulator/chats/{chat_id}/messages``), ``html`` (the HTML parse mode), ``params``
(reading aiogram's requests), ``actors`` (users) and ``actors_media`` (what they
upload), ``cli`` (``python -m lucien.core.testing.emulator``).
"""

from .actors import JOIN_REFUSALS, ActorError, UserActor
from .delivery import DeliveryAttempt, PendingUpdate
from .errors import ApiError
from .faults import Fault, Faults, Held
from .media import MEDIA_KINDS, MediaFile
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
    "MEDIA_KINDS",
    "ActorError",
    "ApiError",
    "BotAccount",
    "Call",
    "CallbackQueryState",
    "ChatState",
    "DeliveryAttempt",
    "DocumentFile",
    "Emulator",
    "Fault",
    "Faults",
    "Held",
    "InviteLink",
    "JoinRequest",
    "MediaFile",
    "PendingUpdate",
    "StoredMessage",
    "UserActor",
    "UserState",
]
