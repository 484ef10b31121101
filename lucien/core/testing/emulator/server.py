"""The emulator: Telegram's state plus an aiohttp server speaking the Bot API.

Point a real aiogram Bot at it::

    async with Emulator() as emu:
        account = emu.create_bot()
        bot = Bot(account.token, session=AiohttpSession(
            api=TelegramAPIServer.from_base(emu.base_url)))
        user = emu.add_user("Ana")
        await user.send("/start")   # returns once the bot has handled it
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import secrets
import string
from collections.abc import Iterable
from typing import Any, NamedTuple, Self

import aiohttp
from aiohttp import web

from lucien.core.clock import Clock

from . import membership, reading
from .actors import UserActor
from .delivery import DeliveryAttempt, PendingUpdate, UpdateQueue
from .errors import ApiError, bad_request, not_found, unauthorized
from .faults import Faults
from .limits import RateLimiter
from .media import MediaFile
from .methods import REGISTRY, MethodContext
from .params import Params, read_request
from .state import (
    ALL_ADMIN_RIGHTS,
    BotAccount,
    ChatState,
    InviteLink,
    MemberRecord,
    UserState,
)

logger = logging.getLogger(__name__)
_TOKEN_ALPHABET = string.ascii_letters + string.digits + "_-"


class Call(NamedTuple):
    """One Bot API call the bot made: canonical method name, decoded params, HTTP status."""

    method: str
    params: dict[str, Any]
    status: int


class Emulator:
    """A Telegram Bot API server with users, chats and limits, for tests and the sandbox."""

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        limits: str = "off",
        limit_scale: float = 1.0,
        webhook_retries: int = 3,
        webhook_backoff: float = 0.05,
        handle_timeout: float = 10.0,
    ) -> None:
        if limits not in ("on", "off"):
            raise ValueError('limits must be "on" or "off"')
        self.clock = clock or Clock()
        self.limiter = RateLimiter(limits == "on", limit_scale)
        self.webhook_retries = webhook_retries
        self.webhook_backoff = webhook_backoff
        #: Upper bound for a user action to wait for the bot (a safety net, not a sleep).
        self.handle_timeout = handle_timeout
        self.bots_by_id: dict[int, BotAccount] = {}
        self.bots_by_token: dict[str, BotAccount] = {}
        self.users: dict[int, UserState] = {}
        self.chats: dict[int, ChatState] = {}
        self.calls: list[Call] = []
        self.deliveries: list[DeliveryAttempt] = []
        self.callback_queries: dict[str, Any] = {}
        self.files: dict[str, tuple[str, bytes]] = {}
        #: What is known of a file id beyond its name and bytes: kind and API object.
        self.file_meta: dict[str, MediaFile] = {}
        #: Injected failures, delays and hangs (``faults.add``; HTTP: /_emulator/faults).
        self.faults = Faults()
        self._user_ids = itertools.count(5_000_000_001)
        self._chat_ids = itertools.count(1_000_000_001)
        self._app = self._build_app()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.base_url = ""

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def app(self) -> web.Application:
        """The aiohttp application (``/bot<token>/<method>``), mountable in another server."""
        return self._app

    def _build_app(self) -> web.Application:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self.faults.register(app)
        reading.register(self, app)  # GET /_emulator/chats/{chat_id}/messages
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Serve on ``host:port`` (0 picks a free port); ``base_url`` tells where."""
        self._runner = web.AppRunner(self._app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        bound = self._runner.addresses[0][1]
        self.base_url = f"http://{host}:{bound}"

    async def stop(self) -> None:
        """Close deliveries, end held calls (faults), close the server."""
        self.faults.close()
        for bot in self.bots_by_id.values():
            await bot.queue.close()
        for bot in self.bots_by_id.values():
            bot.queue.drop_pending()
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def http_session(self) -> aiohttp.ClientSession:
        """The client session used for webhook delivery."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))
        return self._session

    # -- world building ----------------------------------------------------------------------

    def create_bot(
        self, token: str | None = None, username: str = "lucien_bot", first_name: str = "Lucien"
    ) -> BotAccount:
        """Register a bot; its id is the number before the colon of its token."""
        if token is None:
            bot_id = 7_000_000_000 + len(self.bots_by_id) + secrets.randbelow(999_999_999)
            token = f"{bot_id}:" + "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(35))
        head, _, tail = token.partition(":")
        if not head.isdigit() or not tail:
            raise ValueError("a bot token looks like '<digits>:<secret>'")
        bot = BotAccount(int(head), token, username, first_name)
        bot.queue = UpdateQueue(self, bot)
        self.bots_by_id[bot.id] = bot
        self.bots_by_token[token] = bot
        return bot

    @property
    def bot(self) -> BotAccount:
        """The only (or first) bot."""
        if not self.bots_by_id:
            raise LookupError("no bot yet: call emu.create_bot() first")
        return next(iter(self.bots_by_id.values()))

    def add_user(
        self,
        first_name: str,
        *,
        username: str | None = None,
        language_code: str | None = "es",
        user_id: int | None = None,
        last_name: str | None = None,
    ) -> UserActor:
        """A person who can talk to the bot and join chats."""
        uid = user_id if user_id is not None else next(self._user_ids)
        self.users[uid] = UserState(uid, first_name, username, last_name, language_code)
        return UserActor(self, self.users[uid])

    def create_channel(
        self,
        title: str,
        *,
        username: str | None = None,
        chat_type: str = "channel",
        bot_rights: dict[str, bool] | None = None,
        bot_is_admin: bool = True,
        chat_id: int | None = None,
        owner: UserState | None = None,
    ) -> ChatState:
        """A channel (or supergroup/group) owned by a user, with every bot in it.

        The bots are administrators holding ``bot_rights`` (all rights by default) when
        ``bot_is_admin``, plain members otherwise.
        """
        if chat_type not in ("channel", "supergroup", "group"):
            raise ValueError("chat_type is channel, supergroup or group")
        if chat_id is None:
            number = next(self._chat_ids)
            chat_id = -number if chat_type == "group" else -(1_000_000_000_000 + number)
        chat = ChatState(
            id=chat_id,
            type=chat_type,
            title=title,
            username=username.lstrip("@") if username else None,
        )
        if owner is None:
            owner = self.add_user(f"{title} owner", language_code=None).user
        chat.records[owner.id] = MemberRecord(owner.id, "creator")
        rights = dict(ALL_ADMIN_RIGHTS if bot_rights is None else bot_rights)
        for bot_id in self.bots_by_id:
            chat.records[bot_id] = MemberRecord(
                bot_id,
                "administrator" if bot_is_admin else "member",
                is_bot=True,
                rights=rights if bot_is_admin else {},
            )
        self.chats[chat_id] = chat
        return chat

    def chat(self, chat_id: int) -> ChatState:
        """A channel or group by id (``KeyError`` when unknown)."""
        return self.chats[chat_id]

    def _bot_arg(self, bot: BotAccount | None) -> BotAccount:
        return bot if bot is not None else self.bot

    def set_bot_rights(
        self, chat_id: int, *, bot: BotAccount | None = None, **rights: bool
    ) -> list[PendingUpdate]:
        """Change the bot's admin rights (it becomes an admin); emits ``my_chat_member``."""
        account = self._bot_arg(bot)
        chat = self.chat(chat_id)
        record = chat.records.get(account.id)
        merged = dict(record.rights) if record and record.status == "administrator" else {}
        merged.update(rights)
        return membership.change_status(
            self, chat, account.id, "administrator", actor_id=self._owner_id(chat), rights=merged
        )

    def set_bot_status(
        self,
        chat_id: int,
        status: str,
        *,
        bot: BotAccount | None = None,
        rights: dict[str, bool] | None = None,
    ) -> list[PendingUpdate]:
        """Make the bot a ``member``, ``administrator`` (all rights unless given) or ``left``."""
        if status not in ("member", "administrator", "left", "kicked"):
            raise ValueError("status is member, administrator, left or kicked")
        account = self._bot_arg(bot)
        chat = self.chat(chat_id)
        if status == "administrator" and rights is None:
            rights = dict(ALL_ADMIN_RIGHTS)
        return membership.change_status(
            self,
            chat,
            account.id,
            status,
            actor_id=self._owner_id(chat),
            rights=rights if status == "administrator" else {},
        )

    def _owner_id(self, chat: ChatState) -> int:
        return next(
            (uid for uid, r in chat.records.items() if r.status == "creator"),
            next(iter(self.users)),
        )

    # -- rendering ---------------------------------------------------------------------------

    def user_api(self, user_id: int) -> dict[str, Any]:
        """The User object of a person or a bot."""
        if user_id in self.bots_by_id:
            return self.bots_by_id[user_id].to_api()
        if user_id in self.users:
            return self.users[user_id].to_api()
        return {"id": user_id, "is_bot": False, "first_name": "Deleted Account"}

    def link_api(self, chat: ChatState, link: InviteLink) -> dict[str, Any]:
        pending = sum(1 for r in chat.join_requests.values() if r.invite_link == link.invite_link)
        return link.to_api(self.user_api(link.creator_id), pending)

    # -- reading the record ------------------------------------------------------------------

    def calls_of(self, method: str) -> list[Call]:
        """The calls of one method (any capitalisation), in order."""
        return [call for call in self.calls if call.method.lower() == method.lower()]

    async def wait_idle(self, within: float | None = None) -> None:
        """Wait until every queued update of every bot was delivered and handled.

        Raises TimeoutError naming the stuck bots after ``within`` seconds (default
        ``handle_timeout``), e.g. when no webhook is set and nobody polls.
        """
        limit = self.handle_timeout if within is None else within
        try:
            async with asyncio.timeout(limit):
                while not all(bot.queue.idle for bot in self.bots_by_id.values()):
                    for bot in self.bots_by_id.values():
                        await bot.queue.wait_idle()
        except TimeoutError:
            raise TimeoutError(self._stuck_report(limit)) from None

    async def wait_connected(
        self, bot: BotAccount | None = None, within: float | None = None
    ) -> None:
        """Wait until ``bot`` has set a webhook or called getUpdates (e.g. polling started)."""
        account = self._bot_arg(bot)
        limit = self.handle_timeout if within is None else within
        try:
            async with asyncio.timeout(limit):
                await account.queue.wait_connected()
        except TimeoutError:
            raise TimeoutError(
                f"bot {account.username} did not connect within {limit}s: "
                "no setWebhook and no getUpdates"
            ) from None

    def _stuck_report(self, limit: float) -> str:
        stuck = [
            f"bot {b.username}: {len(b.queue.pending)} pending, "
            f"{'webhook ' + b.queue.webhook.url if b.queue.webhook else 'no webhook (polling?)'}"
            for b in self.bots_by_id.values()
            if not b.queue.idle
        ]
        return f"updates not handled within {limit}s: " + "; ".join(stuck)

    async def wait_handled(self, updates: Iterable[PendingUpdate | None]) -> None:
        """Wait for these updates, then for anything the bot's handling caused."""
        futures = [
            u.done for u in updates if u is not None and self.bots_by_id[u.bot_id].queue.connected
        ]
        try:
            async with asyncio.timeout(self.handle_timeout):
                for future in futures:
                    await asyncio.shield(future)
        except TimeoutError:
            raise TimeoutError(self._stuck_report(self.handle_timeout)) from None
        await self.wait_idle()

    def inject_update(self, bot: BotAccount, update: dict[str, Any]) -> PendingUpdate | None:
        """Queue an arbitrary update (``{"message": {...}}``; ``update_id`` is assigned)."""
        kinds = [key for key in update if key != "update_id"]
        if len(kinds) != 1:
            raise ValueError("an update has exactly one field besides update_id")
        return bot.queue.push(kinds[0], update[kinds[0]])

    # -- the HTTP side -----------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        bot = self.bots_by_token.get(request.match_info["token"])
        if bot is None:
            error = unauthorized()
            return web.json_response(error.to_json(), status=error.status)
        try:
            raw = await read_request(request)
        except (ValueError, json.JSONDecodeError):
            error = bad_request("can't parse request body")
            return web.json_response(error.to_json(), status=error.status)
        status, body = await self.execute(bot, request.match_info["method"], raw)
        return web.json_response(body, status=status)

    async def execute(
        self, bot: BotAccount, method: str, raw: dict[str, Any], via: str = "http"
    ) -> tuple[int, dict[str, Any]]:
        """Run one Bot API method for ``bot``; returns (HTTP status, envelope) and records it."""
        entry = REGISTRY.get(method.lower())
        params = Params(raw)
        if entry is None:
            error = not_found()
            self.calls.append(Call(method, params.for_log(), error.status))
            return error.status, error.to_json()
        name, handler = entry
        try:
            fault = self.faults.pick(name, params.for_log()) if self.faults else None
            if fault is not None:
                await self.faults.apply(fault, name, params.for_log())
            result = await handler(MethodContext(self, bot, params, name, via))
        except ApiError as error:
            self.calls.append(Call(name, params.for_log(), error.status))
            return error.status, error.to_json()
        except Exception as exc:  # an emulator bug must look like a Telegram 500, not hang
            logger.exception("emulator failed in %s", name)
            failure = ApiError(500, f"Internal Server Error: {exc!r}")
            self.calls.append(Call(name, params.for_log(), failure.status))
            return failure.status, failure.to_json()
        self.calls.append(Call(name, params.for_log(), 200))
        return 200, {"ok": True, "result": result}
