"""Admin alerts: one service every plugin uses to tell every admin something went wrong.

`await ctx.alerts.send("vip.admin.rights_missing", once="rights:-100", channel="...")`
renders the message key in each admin's language through the voice and queues it in the
outbox, one row per admin, then delivers those rows at once (the outbox job retries what
Telegram refused for now; one admin unreachable does not stop the others). Who the
admins are is the plugins' answer to the `lucien_alert_recipients` hook (the admin
plugin: ADMIN_IDS and the admins added from chat); without an answer, ADMIN_IDS. The
core names no role.

`once` names the cause: the same cause alerts at most once per `window` seconds, across
replicas through Redis when it is up (one script: the deadline is the app clock's, so a
test moving the clock moves it too), in this process otherwise. The
outbox key (cause, admin, the window's number) also keeps two replicas that each think
they are first (Redis down) from telling an admin twice in one window. An alert without
`once` is an event of its own (a member removed) and always goes out.

`buttons` puts inline buttons under the alert, each label a message key rendered in the
admin's language (the error alerts' "Silence 1 h": lucien/core/error_alerts.py). When the
database is away (nothing can be queued), `send_direct` still tells the ADMIN_IDS.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from aiogram.methods import SendMessage
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from sqlalchemy import select

from lucien.core.cache import REDIS_FAULTS
from lucien.core.db.models import User

if TYPE_CHECKING:
    from lucien.core.context import AppContext

log = logging.getLogger("lucien.alerts")

# Ten minutes: an outage that lasts keeps reminding the admins, not every job tick.
ALERT_WINDOW_S = 600.0

# Claims `cause` until ARGV[2] unless a claim runs past now (ARGV[1]), both in the app's
# clock; PX (ARGV[3]) only lets Redis forget the key once it is of no use.
_CLAIM_LUA = """
local held = redis.call('GET', KEYS[1])
if held and tonumber(held) > tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
"""

# (label's message key, callback data): a button under an alert.
AlertButton = tuple[str, str]


class AlertService:
    """Sends an alert to every admin, once per cause and window."""

    def __init__(self, ctx: AppContext, window: float = ALERT_WINDOW_S) -> None:
        self.ctx = ctx
        self.window = window
        # cause -> monotonic-ish deadline (the app clock, so tests can move time)
        self._local: dict[str, float] = {}

    async def recipients(self) -> list[int]:
        """Every admin's Telegram id, deduplicated, in the order the plugins gave them."""
        answers = await self.ctx.registry.acall_each("lucien_alert_recipients", ctx=self.ctx)
        ids: list[int] = []
        if not answers:
            ids = list(self.ctx.settings.admin_ids or ())
        for _record, found in answers:
            ids.extend(found)
        return list(dict.fromkeys(int(i) for i in ids))

    async def claim(self, cause: str, seconds: float | None = None) -> bool:
        """True for the first caller of `cause` in the window (`seconds`, by default the
        service's): this call claims it, on every replica when Redis is up."""
        seconds = self.window if seconds is None else seconds
        now = self.ctx.clock.now().timestamp()
        state = self.ctx.state
        redis = getattr(state, "redis", None)
        if redis is not None and state.connected:
            key = f"{state.prefix}:alert:{cause}"
            try:
                return bool(
                    await redis.eval(
                        _CLAIM_LUA, 1, key, repr(now), repr(now + seconds), int(seconds * 1000)
                    )
                )
            except REDIS_FAULTS as exc:
                state.availability.mark_down(exc)
        if self._local.get(cause, 0.0) > now:
            return False
        self._local = {c: d for c, d in self._local.items() if d > now}
        self._local[cause] = now + seconds
        return True

    def _outbox_key(self, key: str, once: str | None, admin_id: int) -> str:
        """The alert's outbox key: its cause, the admin and the window's number; an alert
        without a cause is an event of its own."""
        if once is None:
            return f"alert:{key}:{admin_id}:{uuid.uuid4().hex}"
        cause = once if len(once) <= 120 else hashlib.sha256(once.encode()).hexdigest()
        window = int(self.ctx.clock.now().timestamp() // self.window)
        return f"alert:{cause}:{admin_id}:{window}"

    async def send(
        self,
        key: str,
        *,
        once: str | None = None,
        buttons: Sequence[AlertButton] = (),
        **context: Any,
    ) -> int:
        """Tell every admin `key` (rendered with `context`); the number of admins it was
        queued for (and sent to at once, unless Telegram refused for now).

        With `once`, a repeat of the same cause within the window sends nothing. A
        failure to reach one admin is logged and the others still get it.
        """
        if once is not None and not await self.claim(once):
            return 0
        return await self.deliver(key, once=once, buttons=buttons, **context)

    async def deliver(
        self,
        key: str,
        *,
        once: str | None = None,
        buttons: Sequence[AlertButton] = (),
        **context: Any,
    ) -> int:
        """`send` once the window of `once` is claimed (by `claim`): queue and send."""
        try:
            queued = await self._queue(key, once, buttons, context)
        except BaseException:
            # Not queued (the database away): the window must not silence the next try.
            if once is not None:
                await self._forget_window(once)
            raise
        try:
            await self.ctx.outbox.send_now(*queued)
        except Exception as exc:  # the database went away meanwhile: the outbox job retries
            log.warning("alert %s queued, not sent yet: %r", key, exc)
        return len(queued)

    async def send_direct(
        self, key: str, *, buttons: Sequence[AlertButton] = (), **context: Any
    ) -> int:
        """Tell ADMIN_IDS `key` straight through the Bot API, in the voice's default
        language: for when the database (the outbox, the admins added from chat, their
        languages) is away. The number of admins reached."""
        sent = 0
        for admin_id in dict.fromkeys(int(i) for i in self.ctx.settings.admin_ids or ()):
            try:
                text = await self.ctx.voice.say(key, user=None, **context)
                markup = await self._markup(buttons, None)
                await self.ctx.bot.send_message(admin_id, text, reply_markup=markup)
                sent += 1
            except Exception as exc:  # one admin unreachable does not stop the others
                log.warning("alert %s not sent to %s: %r", key, admin_id, exc)
        return sent

    async def _markup(
        self, buttons: Sequence[AlertButton], user: Any
    ) -> InlineKeyboardMarkup | None:
        if not buttons:
            return None
        row = [
            InlineKeyboardButton(
                text=await self.ctx.voice.button(label, user=user), callback_data=data
            )
            for label, data in buttons
        ]
        return InlineKeyboardMarkup(inline_keyboard=[row])

    async def _forget_window(self, cause: str) -> None:
        state = self.ctx.state
        redis = getattr(state, "redis", None)
        if redis is not None and state.connected:
            try:
                await redis.delete(f"{state.prefix}:alert:{cause}")
            except REDIS_FAULTS as exc:
                state.availability.mark_down(exc)
        self._local.pop(cause, None)

    async def _queue(
        self,
        key: str,
        once: str | None,
        buttons: Sequence[AlertButton],
        context: dict[str, Any],
    ) -> list[str]:
        """Write one outbox row per admin; the keys written."""
        ids = await self.recipients()
        if not ids:
            log.warning("alert %s: no admin to tell (set ADMIN_IDS)", key)
            return []
        async with self.ctx.db.session(readonly=True) as s:
            # Speak each admin's language, as the core recorded it when they wrote to us.
            users = {u.id: u for u in await s.scalars(select(User).where(User.id.in_(ids)))}
        messages = {
            admin_id: SendMessage(
                chat_id=admin_id,
                text=await self.ctx.voice.say(key, user=users.get(admin_id), **context),
                reply_markup=await self._markup(buttons, users.get(admin_id)),
            )
            for admin_id in ids
        }
        queued: list[str] = []
        async with self.ctx.db.session() as s:
            for admin_id, message in messages.items():
                row_key = self._outbox_key(key, once, admin_id)
                if await self.ctx.outbox.add(s, message, key=row_key, plugin="core"):
                    queued.append(row_key)
        return queued
