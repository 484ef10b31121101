"""Count the Bot API calls that fail, by method and code (`lucien_telegram_api_errors`).

A request middleware on the bot's session: every call a plugin, the sender or the outbox
makes goes through it (replies returned in the webhook's answer do not: Telegram reports
nothing back for those). It only looks at the exception on the way out, so a call that
succeeds costs one `await` more.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import (
    RestartingTelegram,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramConflictError,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.methods import TelegramMethod
    from prometheus_client import Counter

    from lucien.core.metrics import Metrics

# aiogram raises one class per HTTP status and keeps no status on the exception.
_CODES: tuple[tuple[type[Exception], str], ...] = (
    (TelegramRetryAfter, "429"),
    (TelegramBadRequest, "400"),
    (TelegramUnauthorizedError, "401"),
    (TelegramForbiddenError, "403"),
    (TelegramNotFound, "404"),
    (TelegramConflictError, "409"),
    (TelegramEntityTooLarge, "413"),
    (RestartingTelegram, "5xx"),
    (TelegramServerError, "5xx"),
    (TelegramNetworkError, "network"),
)


def error_code(exc: Exception) -> str:
    """The status an API exception stands for ("429", "400", "5xx", "network", "other")."""
    for kind, code in _CODES:
        if isinstance(exc, kind):
            return code
    return "other"


class ApiErrorCounter(BaseRequestMiddleware):
    """Counts each failed call once per attempt (a 429 retried by the sender counts twice:
    Telegram refused twice)."""

    def __init__(self, counter: Counter) -> None:
        self.counter = counter

    async def __call__(
        self, make_request: NextRequestMiddlewareType[Any], bot: Bot, method: TelegramMethod[Any]
    ) -> Any:
        try:
            return await make_request(bot, method)
        except TelegramAPIError as exc:
            self.counter.labels(method.__api_method__, error_code(exc)).inc()
            raise


def count_api_errors(bot: Bot, metrics: Metrics) -> None:
    """Put the counter on `bot`'s session (once per bot: the application's startup)."""
    bot.session.middleware(ApiErrorCounter(metrics.api_errors))
