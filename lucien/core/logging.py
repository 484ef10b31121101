"""Structured logs: JSON lines in production, readable text in development.

Update id, user id, plugin and latency travel in context variables set by the webhook
and the dispatcher middlewares, so every line logged while handling an update names them.
The bot token is scrubbed from every line, whatever logged it.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

update_id_var: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "update_id", default=None
)
user_id_var: contextvars.ContextVar[int | None] = contextvars.ContextVar("user_id", default=None)
plugin_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("plugin", default=None)

_CONTEXT_FIELDS = ("update_id", "user_id", "plugin", "latency_ms")
# Any Telegram bot token shape, even one we were never told about (a plugin's own bot).
_TOKEN_RE = re.compile(r"\d{3,20}:[A-Za-z0-9_-]{30,100}")


class RedactingFilter(logging.Filter):
    """Replace bot tokens in the final message with a fixed marker."""

    def __init__(self, secrets: list[str] | None = None) -> None:
        super().__init__()
        self.secrets = [s for s in (secrets or []) if s]

    def _scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "<redacted>")
        return _TOKEN_RE.sub("<token>", text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = self._scrub(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = self._scrub(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = self._scrub(record.exc_text)
        return True


class ContextFilter(logging.Filter):
    """Copy the update's context variables onto every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "update_id", None) is None:
            record.update_id = update_id_var.get()
        if getattr(record, "user_id", None) is None:
            record.user_id = user_id_var.get()
        if getattr(record, "plugin", None) is None:
            record.plugin = plugin_var.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in _CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_text:
            entry["exception"] = record.exc_text
        elif record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        tags = [f"{n}={getattr(record, n)}" for n in _CONTEXT_FIELDS if getattr(record, n, None)]
        return f"{text} [{' '.join(tags)}]" if tags else text


def setup_logging(fmt: str = "text", level: str = "INFO", secrets: list[str] | None = None) -> None:
    """Configure the root logger once; calling it again replaces the handler."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(ContextFilter())
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_lucien", False)]:
        root.removeHandler(old)
    handler._lucien = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    # aiohttp's access log is one line per webhook call: noise at INFO.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
