"""What an update's handling has done so far, so that a failure is answered right.

An update that failed on a passing fault (the database unreachable, the Bot API's 5xx,
429 or a timeout) before it changed anything can simply be handled again: the webhook
answers Telegram with a retryable status and Telegram redelivers it. Once something
happened (a row committed, a message sent), handling it again could do it twice, so the
user gets the apology and the update is acknowledged as before.

The outcome travels in a contextvar set by the webhook for the update's task; the
database's unit of work and the bot's session note their effects in it.
"""

from __future__ import annotations

import asyncio
import re
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from aiogram.client.session.middlewares.base import BaseRequestMiddleware
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.client.session.middlewares.base import NextRequestMiddlewareType
    from aiogram.methods import Response, TelegramMethod
    from aiogram.methods.base import TelegramType


class UpdateOutcome:
    """Filled while an update is handled, read by the webhook after.

    `failed`: a handler raised. `effects`: something was committed or sent.
    `uncertain`: a Bot API call got no answer (it may have been done). `may_retry`: the
    webhook may still ask for a redelivery (within the bound). `retry`: the error handler
    chose to, instead of apologising.
    """

    __slots__ = ("effects", "failed", "may_retry", "retry", "uncertain")

    def __init__(self, *, may_retry: bool = False) -> None:
        self.failed = False
        self.effects = False
        self.uncertain = False
        self.may_retry = may_retry
        self.retry = False

    @property
    def retryable(self) -> bool:
        """Handled again without doubling anything: nothing happened (or may have
        happened) yet, and the bound is not reached."""
        return self.may_retry and not self.effects and not self.uncertain


OUTCOME: ContextVar[UpdateOutcome | None] = ContextVar("lucien_update_outcome", default=None)


def note_effect() -> None:
    """Record that the update being handled (if any) changed something."""
    outcome = OUTCOME.get()
    if outcome is not None:
        outcome.effects = True


def _note_uncertain() -> None:
    outcome = OUTCOME.get()
    if outcome is not None:
        outcome.uncertain = True


_TRANSIENT: tuple[type[BaseException], ...] = (
    TelegramServerError,  # 5xx, including "restarting"
    TelegramNetworkError,
    TelegramRetryAfter,  # a 429 the sender's retries did not outlast
    OperationalError,  # the database refused or dropped the connection
    InterfaceError,
    DisconnectionError,
    PoolTimeout,
    ConnectionError,
    asyncio.TimeoutError,
)


_SCHEMA_ERROR = re.compile(r"no such (table|column)|syntax error|does not exist", re.IGNORECASE)


def is_transient(exc: BaseException) -> bool:
    """A fault that may pass by itself (an outage), rather than a bug or a refusal."""
    seen = 0
    current: BaseException | None = exc
    while current is not None and seen < 5:  # the driver's error is often the cause
        if isinstance(current, OperationalError) and _SCHEMA_ERROR.search(str(current)):
            return False  # a missing table or column: a bug or a migration, not an outage
        if isinstance(current, _TRANSIENT):
            return True
        if isinstance(current, DBAPIError) and current.connection_invalidated:
            return True
        current = current.__cause__
        seen += 1
    return False


class EffectTracker(BaseRequestMiddleware):
    """Notes every Bot API call that changes something (anything but get*) as an effect
    of the update being handled: once it succeeded, or when its answer never came."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if method.__api_method__.startswith("get"):
            return await make_request(bot, method)
        try:
            response = await make_request(bot, method)
        except TelegramAPIError as exc:
            if isinstance(exc, TelegramNetworkError):  # no answer came: it may be done
                _note_uncertain()
            raise  # otherwise Telegram answered with an error: it did not do it
        except BaseException:
            # No answer (a timeout, a cancellation): it may have been done, so handling
            # the update again after a passing fault could do it twice.
            _note_uncertain()
            raise
        note_effect()
        return response


def track_effects(bot: Any) -> None:
    """Register the effect tracker on `bot`'s session."""
    bot.session.middleware(EffectTracker())
