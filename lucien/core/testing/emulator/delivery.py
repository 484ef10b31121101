"""Getting updates to a bot: webhook POSTs or getUpdates long polling, and knowing when
the bot has finished with them.

Each bot has one :class:`UpdateQueue`. Every queued update carries a future that
resolves when the bot is done with it, which is what user actions await:

* webhook mode: when the webhook POST returned 2xx and the method in its body
  (if any) was executed; redelivered on a non-2xx answer a few times, then dropped.
  aiogram's ``SimpleRequestHandler`` answers before handling unless it is built
  with ``handle_in_background=False``, which tests should use;
* polling mode: when a later ``getUpdates`` acknowledges it with ``offset`` past
  its ``update_id``. aiogram's ``start_polling`` runs handlers as tasks by
  default and asks for the next batch before they finish, so tests that need
  "handled" to mean "the handler returned" should poll with
  ``handle_as_tasks=False``.

A bot that has never set a webhook nor called getUpdates is not *connected*: its
updates queue up as on Telegram, but nobody waits for them (so a second, idle
bot in a test does not hold every user action until the timeout).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import aiohttp

from .errors import conflict
from .params import read_response
from .state import BotAccount, WebhookConfig, timestamp

if TYPE_CHECKING:
    from .server import Emulator

#: Every update type the emulator produces.
ALL_UPDATE_TYPES = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "callback_query",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "message_reaction",
    "message_reaction_count",
)
#: Telegram's default when allowed_updates is unset or empty.
DEFAULT_UPDATE_TYPES = frozenset(ALL_UPDATE_TYPES) - {
    "chat_member",
    "message_reaction",
    "message_reaction_count",
}
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass
class PendingUpdate:
    """An update waiting for the bot; ``done`` becomes True when handled, False if dropped."""

    update_id: int
    kind: str
    payload: dict[str, Any]
    done: asyncio.Future[bool]
    bot_id: int = 0
    attempts: int = 0


@dataclass
class DeliveryAttempt:
    """One webhook POST, as recorded in ``Emulator.deliveries``."""

    bot_id: int
    update_id: int
    attempt: int
    status: int | None  # None when the connection failed
    error: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


class UpdateQueue:
    """Pending updates of one bot and the machinery that hands them over."""

    def __init__(self, emulator: Emulator, bot: BotAccount) -> None:
        self._emu = emulator
        self.bot = bot
        self.pending: deque[PendingUpdate] = deque()
        self.in_flight: set[int] = set()
        self.webhook: WebhookConfig | None = None
        self.last_error: tuple[int, str] | None = None
        self._ids = itertools.count(100_000_001)
        self._wakeup = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._workers: list[asyncio.Task[None]] = []
        self._generation = 0
        self._poll_generation = 0
        self._closed = False
        self._connected = asyncio.Event()

    # -- producing ---------------------------------------------------------------------------

    def accepts(self, kind: str) -> bool:
        allowed = self.bot.allowed_updates
        return kind in (frozenset(allowed) if allowed else DEFAULT_UPDATE_TYPES)

    def push(self, kind: str, body: dict[str, Any]) -> PendingUpdate | None:
        """Queue an update unless the bot's allowed_updates exclude it (Telegram drops those)."""
        if not self.accepts(kind):
            return None
        update_id = next(self._ids)
        update = PendingUpdate(
            update_id,
            kind,
            {"update_id": update_id, kind: body},
            asyncio.get_running_loop().create_future(),
            self.bot.id,
        )
        self.pending.append(update)
        self._idle.clear()
        self._wakeup.set()
        return update

    # -- bookkeeping -------------------------------------------------------------------------

    def _finish(self, update: PendingUpdate, handled: bool) -> None:
        if not update.done.done():
            update.done.set_result(handled)
        self._check_idle()

    def _check_idle(self) -> None:
        if not self.pending and not self.in_flight:
            self._idle.set()

    @property
    def connected(self) -> bool:
        """True once the bot set a webhook or called getUpdates (see the module docstring)."""
        return self._connected.is_set()

    async def wait_connected(self) -> None:
        await self._connected.wait()

    @property
    def idle(self) -> bool:
        """Nothing left to hand over (or nobody to hand it to: not connected)."""
        return self._idle.is_set() or not self.connected

    async def wait_idle(self) -> None:
        if self.connected:
            await self._idle.wait()

    def drop_pending(self) -> None:
        while self.pending:
            self._finish(self.pending.popleft(), False)

    # -- polling -----------------------------------------------------------------------------

    async def get_updates(
        self, offset: int | None, limit: int, poll_seconds: float, allowed_updates: list[str] | None
    ) -> list[dict[str, Any]]:
        """getUpdates: acknowledge below ``offset``, then return or long-poll for updates."""
        self._connected.set()
        if self.webhook is not None:
            raise conflict(
                "can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first"
            )
        if allowed_updates is not None:
            self.bot.allowed_updates = list(allowed_updates) or None
        if offset is not None and offset < 0:
            while len(self.pending) > -offset:
                self._finish(self.pending.popleft(), True)
        elif offset is not None:
            while self.pending and self.pending[0].update_id < offset:
                self._finish(self.pending.popleft(), True)
        self._check_idle()
        # A newer getUpdates ends an older one, as on Telegram.
        self._poll_generation += 1
        generation = self._poll_generation
        self._wakeup.set()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0.0, poll_seconds)
        while True:
            if generation != self._poll_generation:
                raise conflict(
                    "terminated by other getUpdates request; make sure that only "
                    "one bot instance is running"
                )
            if self._closed:
                return []  # the emulator is stopping: end long polls now
            if self.pending:
                return [update.payload for update in itertools.islice(self.pending, limit)]
            remaining = deadline - loop.time()
            if remaining <= 0 or self.webhook is not None:
                return []
            self._wakeup.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), remaining)

    # -- webhook -----------------------------------------------------------------------------

    def set_webhook(self, config: WebhookConfig, drop_pending: bool) -> None:
        self._stop_workers()
        self._connected.set()
        self.webhook = config
        self.last_error = None
        if drop_pending:
            self.drop_pending()
        self._wakeup.set()  # wake a long poll so it returns (and the next one gets 409)
        self._generation += 1
        workers = max(1, config.max_connections or 1)
        self._workers = [
            asyncio.create_task(self._worker(self._generation), name=f"webhook-{self.bot.id}")
            for _ in range(workers)
        ]

    def delete_webhook(self, drop_pending: bool) -> None:
        self._stop_workers()
        self._connected.set()
        self.webhook = None
        self._generation += 1
        if drop_pending:
            self.drop_pending()

    def _stop_workers(self) -> None:
        current = asyncio.current_task()
        for task in self._workers:
            if task is not current:
                task.cancel()
        self._workers = []

    async def close(self) -> None:
        """Stop webhook workers and end long polls (the emulator is stopping)."""
        self._closed = True
        self._wakeup.set()
        tasks = list(self._workers)
        self._stop_workers()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _worker(self, generation: int) -> None:
        while generation == self._generation:
            if not self.pending:
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            update = self.pending.popleft()
            self.in_flight.add(update.update_id)
            handled = False
            try:
                handled = await self._deliver(update)
            except asyncio.CancelledError:
                # The webhook changed mid-delivery: Telegram would send it again.
                self.pending.appendleft(update)
                self.in_flight.discard(update.update_id)
                raise
            self.in_flight.discard(update.update_id)
            self._finish(update, handled)

    async def _deliver(self, update: PendingUpdate) -> bool:
        config = self.webhook
        assert config is not None
        headers = {"Content-Type": "application/json"}
        if config.secret_token:
            headers[SECRET_HEADER] = config.secret_token
        session = await self._emu.http_session()
        for attempt in range(1 + self._emu.webhook_retries):
            if attempt:
                # Short, growing pauses between redeliveries (Telegram's are longer).
                await asyncio.sleep(self._emu.webhook_backoff * 2 ** (attempt - 1))
            update.attempts += 1
            record = DeliveryAttempt(
                self.bot.id, update.update_id, update.attempts, None, headers=dict(headers)
            )
            self._emu.deliveries.append(record)
            try:
                async with session.post(
                    config.url, json=update.payload, headers=headers
                ) as response:
                    record.status = response.status
                    if 200 <= response.status < 300:
                        await self._run_answer(await read_response(response))
                        return True
                    record.error = (
                        f"Wrong response from the webhook: {response.status} {response.reason}"
                    )
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                record.error = f"Connection failed: {exc!r}"
            self.last_error = (timestamp(self._emu.clock.now()), record.error or "")
        return False

    async def _run_answer(self, params: dict[str, Any]) -> None:
        """Execute a method the bot put in its webhook answer; its result goes nowhere."""
        method = params.pop("method", None)
        if method:
            await self._emu.execute(self.bot, str(method), params, via="webhook")
