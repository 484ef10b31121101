"""What one outbox call is: the method and its error rules (`OutboxCall`), how it is
stored (the API method name and its JSON params) and rebuilt (aiogram's own method
classes), and what `Outbox.on_failure` listeners are told (`OutboxFailure`).

Import these from `lucien.core.outbox`; they live here to keep that module short.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

import aiogram.methods
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNotFound,
)
from aiogram.methods import TelegramMethod
from pydantic_core import PydanticSerializationError

# 4xx answers: the call itself is wrong or refused, repeating it cannot help.
PERMANENT = (
    TelegramBadRequest,
    TelegramNotFound,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramEntityTooLarge,
)


@dataclass(frozen=True)
class OutboxCall:
    """One call of a row with how its errors count (a bare method means the defaults).

    `ok_errors`: 4xx descriptions (substrings, any case) that count as done, e.g. a user
    already gone. `optional`: a permanent failure of this call does not stop the later
    ones. `retry_errors`: 4xx descriptions that mean "not now" (the bot lacks a right an
    admin can give back): the row waits `NEEDS_ADMIN_RETRY_S` and tries again.
    """

    method: TelegramMethod[Any]
    ok_errors: tuple[str, ...] = ()
    optional: bool = False
    retry_errors: tuple[str, ...] = ()


@dataclass(frozen=True)
class OutboxFailure:
    """What `on_failure` listeners get: which call of which row failed, and what follows.

    `outcome`: "retry" (the row waits and tries this call again), "failed" (the row is
    given up, its later calls dropped) or "skipped" (an optional call given up; the row
    goes on). `refused`: Telegram answered with a 4xx (the call itself was refused, as
    opposed to a 5xx, a timeout or a 429).
    """

    key: str
    plugin: str
    step: int
    method: TelegramMethod[Any] | None
    error: str
    outcome: Literal["retry", "failed", "skipped"]
    refused: bool = False


FailureListener = Callable[[OutboxFailure], Awaitable[None]]


@cache
def _method_classes() -> dict[str, type[TelegramMethod[Any]]]:
    """Every aiogram method class by its Bot API name (`sendMessage` -> SendMessage)."""
    found: dict[str, type[TelegramMethod[Any]]] = {}
    for name in aiogram.methods.__all__:
        cls = getattr(aiogram.methods, name)
        api_name = getattr(cls, "__api_method__", None)
        if isinstance(cls, type) and issubclass(cls, TelegramMethod) and isinstance(api_name, str):
            found[api_name] = cls
    return found


def encode_call(call: TelegramMethod[Any] | OutboxCall) -> dict[str, Any]:
    """The JSON stored for one call: its API method name, params and error rules.

    Only the params the caller set are kept, so a parse mode left to the bot's default
    stays the default. Raises TypeError for params JSON cannot hold (a file upload).
    """
    spec = call if isinstance(call, OutboxCall) else OutboxCall(call)
    method = spec.method
    if not isinstance(method, TelegramMethod):
        raise TypeError(f"not an aiogram method: {method!r}")
    try:
        params = method.model_dump(mode="json", exclude_unset=True)
    except (PydanticSerializationError, TypeError, ValueError) as exc:
        raise TypeError(
            f"{method.__api_method__}: its params cannot be stored as JSON (upload files "
            f"elsewhere and pass their file_id or URL): {exc}"
        ) from exc
    encoded: dict[str, Any] = {"method": method.__api_method__, "params": params}
    if spec.ok_errors:
        encoded["ok_errors"] = list(spec.ok_errors)
    if spec.retry_errors:
        encoded["retry_errors"] = list(spec.retry_errors)
    if spec.optional:
        encoded["optional"] = True
    return encoded


def decode_method(encoded: dict[str, Any]) -> TelegramMethod[Any]:
    """The aiogram method a stored call describes (LookupError, ValidationError)."""
    cls = _method_classes().get(encoded["method"])
    if cls is None:
        raise LookupError(f"aiogram has no method {encoded['method']!r}")
    return cls.model_validate(encoded["params"])


def contains(description: str, needles: Sequence[str]) -> bool:
    text = description.lower()
    return any(needle.lower() in text for needle in needles)
