"""Users that act on the emulator like people in a Telegram client.

Every action queues the update(s) Telegram would send and returns only once the
bot has finished with them (see ``delivery.py`` for what "finished" means per
mode) and with anything its handling caused (``Emulator.wait_idle``). The read
side (``messages``, ``last``, ``callback_answers``) is what the user's screen shows.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from . import membership
from .actors_media import MediaSending, command_entities, formatted
from .errors import ActorError
from .state import (
    BotAccount,
    CallbackQueryState,
    ChatState,
    InviteLink,
    PrivateChat,
    StoredMessage,
    UserState,
    timestamp,
)

if TYPE_CHECKING:
    from .server import Emulator

_PUBLIC_LINK = re.compile(r"^(?:https?://)?(?:t\.me/|telegram\.me/|@)([A-Za-z0-9_]{4,32})$")

#: What ``UserActor.join`` may answer besides "joined" and "requested".
JOIN_REFUSALS = (
    "banned",
    "already_member",
    "revoked",
    "expired",
    "limit_reached",
    "already_requested",
    "invalid_link",
)


__all__ = ["JOIN_REFUSALS", "ActorError", "UserActor"]


def _callback_data(message: StoredMessage, label: str) -> str:
    """The callback data of the button ``label`` on ``message`` (ActorError otherwise)."""
    button = next((b for b in message.inline_buttons if b.get("text") == label), None)
    if button is None:
        available = [b.get("text") for b in message.inline_buttons]
        raise ActorError(f"no inline button {label!r}; available: {available}")
    if "callback_data" not in button:
        kind = next((k for k in button if k != "text"), "unknown")
        raise ActorError(f"button {label!r} is a {kind} button, not a callback button")
    return str(button["callback_data"])


class UserActor(MediaSending):
    """A person using Telegram: talks to bots, sends media (``actors_media.py``), clicks
    buttons in private chats and on channel posts, joins and leaves chats."""

    def __init__(self, emulator: Emulator, user: UserState) -> None:
        self._emu = emulator
        self.user = user

    def __repr__(self) -> str:
        return f"UserActor({self.user.first_name!r}, id={self.user.id})"

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def first_name(self) -> str:
        return self.user.first_name

    @property
    def username(self) -> str | None:
        return self.user.username

    # -- helpers -----------------------------------------------------------------------------

    def _bot(self, bot: BotAccount | None) -> BotAccount:
        return bot if bot is not None else self._emu.bot

    def chat_with(self, bot: BotAccount | None = None) -> PrivateChat:
        """The private chat with ``bot`` (the emulator's only/first bot by default)."""
        account = self._bot(bot)
        chat = account.private_chats.get(self.id)
        if chat is None:
            chat = account.private_chats[self.id] = PrivateChat(user_id=self.id)
        return chat

    def _message(self, bot: BotAccount, text: str | None, **extra: Any) -> StoredMessage:
        chat = self.chat_with(bot)
        if chat.blocked:
            raise ActorError(f"{self.first_name} blocked the bot; call unblock_bot() first")
        chat.started = True
        message = StoredMessage(
            message_id=chat.next_message_id(),
            chat=self.user.private_chat(),
            date=self._emu.clock.now(),
            sender=self.user.to_api(),
            text=text,
            **extra,
        )
        chat.messages[message.message_id] = message
        return message

    # -- read side ---------------------------------------------------------------------------

    def messages_from(self, bot: BotAccount | None = None) -> list[StoredMessage]:
        """Messages ``bot`` sent to this user, oldest first (deleted ones flagged)."""
        return [m for m in self.chat_with(bot).messages.values() if m.from_bot]

    @property
    def messages(self) -> list[StoredMessage]:
        """Messages the (first) bot sent to this user; edits applied, deleted ones flagged."""
        return self.messages_from()

    @property
    def visible_messages(self) -> list[StoredMessage]:
        return [m for m in self.messages if not m.deleted]

    @property
    def last(self) -> StoredMessage | None:
        """The latest message from the bot that is still visible."""
        visible = self.visible_messages
        return visible[-1] if visible else None

    @property
    def last_text(self) -> str | None:
        last = self.last
        return last.text if last else None

    @property
    def callback_answers(self) -> list[CallbackQueryState]:
        """This user's clicks that the bot answered, oldest first."""
        return [
            q for q in self._emu.callback_queries.values() if q.user_id == self.id and q.answered
        ]

    # -- actions -----------------------------------------------------------------------------

    async def send(
        self,
        text: str,
        *,
        entities: Sequence[Any] | None = None,
        parse_mode: str | None = None,
        bot: BotAccount | None = None,
    ) -> StoredMessage:
        """Write ``text`` to the bot; ``/commands`` get bot_command entities.

        Formatting as a client sends it: ``parse_mode="HTML"`` (``"<b>hola</b>"`` arrives as
        "hola" with a bold entity) or explicit ``entities``.
        """
        account = self._bot(bot)
        plain, marked = formatted(text, parse_mode, entities)
        all_entities = sorted(
            [*marked, *command_entities(plain)], key=lambda e: (e["offset"], -e["length"])
        )
        message = self._message(
            account, plain, entities=all_entities, html=text if parse_mode else None
        )
        await self._emu.wait_handled([account.queue.push("message", message.to_api())])
        return message

    async def click(
        self,
        label: str,
        *,
        message: StoredMessage | int | None = None,
        bot: BotAccount | None = None,
    ) -> CallbackQueryState:
        """Press the inline button labelled ``label`` (on ``message``, or the latest that has it).

        Returns the callback query, with the bot's answer filled in once handled.
        """
        account = self._bot(bot)
        candidates = [m for m in self.messages_from(account) if not m.deleted and m.inline_buttons]
        if message is not None:
            wanted = message if isinstance(message, int) else message.message_id
            candidates = [m for m in candidates if m.message_id == wanted]
        target = next(
            (
                m
                for m in reversed(candidates)
                if any(b.get("text") == label for b in m.inline_buttons)
            ),
            None,
        )
        if target is None:
            available = [b.get("text") for m in candidates for b in m.inline_buttons]
            raise ActorError(f"no inline button {label!r}; available: {available}")
        return await self.press(target, _callback_data(target, label), bot=account)

    async def click_in(
        self,
        chat: ChatState | int,
        message: StoredMessage | int,
        label: str,
        *,
        bot: BotAccount | None = None,
    ) -> CallbackQueryState:
        """Press the callback button ``label`` on a post in a channel (or group) ``chat``.

        Anyone who sees the post can press it, member or not (the bot checks membership
        itself if it cares). The bot gets a callback_query whose ``message`` is the post
        (chat type channel) and whose ``from`` is this user; the answer is on the returned
        query and in :attr:`callback_answers`.
        """
        target_chat = chat if isinstance(chat, ChatState) else self._emu.chat(chat)
        wanted = message if isinstance(message, int) else message.message_id
        post = target_chat.messages.get(wanted)
        if post is None or post.deleted:
            raise ActorError(f"no message {wanted} in {target_chat.title!r}")
        return await self.press(post, _callback_data(post, label), bot=bot)

    async def press(
        self, message: StoredMessage, data: str, *, bot: BotAccount | None = None
    ) -> CallbackQueryState:
        """Send the callback `data` from ``message`` as a client showing it would, even
        if the bot has since taken that button away (the client was not refreshed).
        ``message`` may be in the private chat or a channel post."""
        account = self._bot(bot)
        chat_id = int(message.chat["id"])
        query = CallbackQueryState(
            secrets.token_hex(8), self.id, account.id, message.message_id, data, chat_id
        )
        self._emu.callback_queries[query.id] = query
        body = {
            "id": query.id,
            "from": self.user.to_api(),
            "message": message.to_api(),
            # Telegram's chat_instance is per user and chat; any stable number will do.
            "chat_instance": str(abs(hash((account.id, self.id, chat_id)))),
            "data": data,
        }
        await self._emu.wait_handled([account.queue.push("callback_query", body)])
        return query

    async def forward_from(
        self,
        chat_id: int,
        text: str = "...",
        *,
        message_id: int | None = None,
        bot: BotAccount | None = None,
    ) -> StoredMessage:
        """Forward a post of channel ``chat_id`` to the bot (forward_origin of type channel).

        Without ``message_id`` a new post saying ``text`` is made in the channel first;
        with it, that existing post is forwarded as it stands (text, entities, media), and
        a protected post is refused as a client refuses it."""
        account = self._bot(bot)
        channel = self._emu.chat(chat_id)
        if message_id is None:
            post = StoredMessage(
                message_id=channel.next_message_id(),
                chat=channel.to_api(),
                date=self._emu.clock.now(),
                sender=None,
                sender_chat=channel.to_api(),
                text=text,
            )
            channel.messages[post.message_id] = post
        else:
            found = channel.messages.get(message_id)
            if found is None or found.deleted:
                raise ActorError(f"no message {message_id} in {channel.title!r}")
            if found.protect_content:
                raise ActorError("this post is protected: it cannot be forwarded")
            post = found
        origin = {
            "type": "channel",
            "chat": channel.to_api(),
            "message_id": post.message_id,
            "date": timestamp(post.date),
        }
        message = self._message(
            account,
            post.text,
            entities=list(post.entities),
            forward_origin=origin,
            **post.media_fields(),
        )
        await self._emu.wait_handled([account.queue.push("message", message.to_api())])
        return message

    def _find_link(self, invite_link: str) -> tuple[ChatState | None, InviteLink | None]:
        for chat in self._emu.chats.values():
            if invite_link in chat.invite_links:
                return chat, chat.invite_links[invite_link]
        public = _PUBLIC_LINK.match(invite_link.strip())
        if public:
            name = public.group(1).lower()
            for chat in self._emu.chats.values():
                if chat.username and chat.username.lower() == name:
                    return chat, None
        return None, None

    async def join(self, invite_link: str) -> str:
        """Open an invite link (or a public ``t.me/name``) and press Join.

        Returns ``"joined"``, ``"requested"`` (a join request went to the admins), or the
        refusal: one of :data:`JOIN_REFUSALS`.
        """
        chat, link = self._find_link(invite_link)
        if chat is None:
            return "invalid_link"
        refusal = membership.join_refusal(self._emu, chat, self.id, link)
        if refusal:
            return refusal
        if link is not None and link.creates_join_request:
            await self._emu.wait_handled(membership.request_to_join(self._emu, chat, self.id, link))
            return "requested"
        updates = membership.change_status(
            self._emu, chat, self.id, "member", actor_id=self.id, invite_link=link
        )
        await self._emu.wait_handled(updates)
        return "joined"

    async def leave(self, chat_id: int) -> None:
        """Leave a channel or group (frees the invite link slot the user held)."""
        chat = self._emu.chat(chat_id)
        if chat.status_of(self.id) == "creator":
            raise ActorError("the owner cannot leave their own chat here")
        if chat.status_of(self.id) not in ("member", "administrator", "restricted"):
            return
        updates = membership.change_status(self._emu, chat, self.id, "left", actor_id=self.id)
        await self._emu.wait_handled(updates)

    async def _set_blocked(self, blocked: bool, bot: BotAccount | None) -> None:
        account = self._bot(bot)
        chat = self.chat_with(account)
        if chat.blocked == blocked:
            return
        chat.blocked = blocked
        old, new = ("member", "kicked") if blocked else ("kicked", "member")
        bot_user = account.to_api()

        def member(status: str) -> dict[str, Any]:
            data: dict[str, Any] = {"status": status, "user": bot_user}
            if status == "kicked":
                data["until_date"] = 0
            return data

        body = {
            "chat": self.user.private_chat(),
            "from": self.user.to_api(),
            "date": timestamp(self._emu.clock.now()),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }
        await self._emu.wait_handled([account.queue.push("my_chat_member", body)])

    async def block_bot(self, *, bot: BotAccount | None = None) -> None:
        """Block the bot: its messages now fail with 403; the bot gets my_chat_member."""
        await self._set_blocked(True, bot)

    async def unblock_bot(self, *, bot: BotAccount | None = None) -> None:
        await self._set_blocked(False, bot)
