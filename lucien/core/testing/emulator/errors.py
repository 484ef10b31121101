"""Bot API failures with Telegram's own status codes and wording.

aiogram maps failures by HTTP status (400, 401, 403, 404, 409, 429...) and by
``parameters.retry_after``, so every refusal the emulator makes goes through
:class:`ApiError` and is rendered exactly as Telegram renders it.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A Bot API failure: HTTP status, Telegram's description and optional parameters."""

    def __init__(self, status: int, description: str, **parameters: Any) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def to_json(self) -> dict[str, Any]:
        """The envelope Telegram answers with; the HTTP status is the same as ``error_code``."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


class ActorError(Exception):
    """A user tried something their client would not let them do (no such button...)."""


def bad_request(reason: str) -> ApiError:
    """400 with Telegram's ``Bad Request:`` prefix."""
    return ApiError(400, f"Bad Request: {reason}")


def forbidden(reason: str) -> ApiError:
    """403 with Telegram's ``Forbidden:`` prefix."""
    return ApiError(403, f"Forbidden: {reason}")


def too_many_requests(retry_after: int) -> ApiError:
    """429 carrying ``parameters.retry_after`` so aiogram raises TelegramRetryAfter."""
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)


def unauthorized() -> ApiError:
    return ApiError(401, "Unauthorized")


def not_found() -> ApiError:
    return ApiError(404, "Not Found")


def conflict(reason: str) -> ApiError:
    return ApiError(409, f"Conflict: {reason}")


CHAT_NOT_FOUND = "chat not found"
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
