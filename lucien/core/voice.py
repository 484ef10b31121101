"""How every text reaches a user: `ctx.voice.say(key, user=..., **context)`.

Plugins declare their message keys with plain defaults (`lucien_messages`). The voice
plugin provides a Voice that renders them in Lucien's persona; without it, `PlainVoice`
renders the defaults, so the bot still works in plain words.
"""

from __future__ import annotations

import html
import logging
import string
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

from lucien.core.plugin import MessageKey

log = logging.getLogger("lucien.voice")


@runtime_checkable
class Voice(Protocol):
    """Renders message keys to HTML-ready text."""

    async def say(
        self, key: str, *, user: Any = None, locale: str | None = None, **context: Any
    ) -> str:
        """Text for `key`, ready for HTML parse mode; user-provided values are escaped."""
        ...

    async def button(
        self, key: str, *, user: Any = None, locale: str | None = None, **context: Any
    ) -> str:
        """A button label for `key` (plain text: Telegram does not parse button markup)."""
        ...


class _SafeDict(dict[str, Any]):
    def __init__(self, data: Mapping[str, Any], key: str, missing: list[str]):
        super().__init__(data)
        self._key = key
        self._missing = missing

    def __missing__(self, name: str) -> str:
        self._missing.append(name)
        return "{" + name + "}"


_KEPT = (bool, int, float, Decimal, date)  # formatted by the template, never markup


def escape_context(context: Mapping[str, Any]) -> dict[str, Any]:
    """HTML-escape every value that is not a number or a date: user-provided text (a name,
    a list of links, an object's str()) is never read as markup."""
    return {
        k: v if v is None or isinstance(v, _KEPT) else html.escape(str(v), quote=False)
        for k, v in context.items()
    }


def display_name(user: Any) -> str:
    """The user's first name (or username), unescaped; callers escape."""
    if user is None:
        return ""
    return getattr(user, "first_name", None) or getattr(user, "username", None) or ""


def render_template(template: str, key: str, context: Mapping[str, Any]) -> tuple[str, list[str]]:
    """Format `template` with context; return the text and the placeholders it lacked."""
    missing: list[str] = []
    try:
        text = string.Formatter().vformat(template, (), _SafeDict(context, key, missing))
    except (ValueError, IndexError, KeyError, AttributeError) as exc:
        log.warning("message %s: bad template (%s)", key, exc)
        return template, ["<format error>"]
    return text, missing


class PlainVoice:
    """The declared defaults, formatted; used when no plugin provides a voice."""

    def __init__(self, messages: Mapping[str, MessageKey]):
        self.messages = dict(messages)

    def _render(self, key: str, user: Any, context: dict[str, Any], escape: bool) -> str:
        declared = self.messages.get(key)
        if declared is None:
            log.warning("message key %s was never declared", key)
            return key
        context.setdefault("name", display_name(user))
        values = escape_context(context) if escape else context
        text, missing = render_template(declared.default, key, values)
        if missing:
            log.warning("message %s: missing placeholders %s", key, ", ".join(missing))
        return text

    async def say(
        self, key: str, *, user: Any = None, locale: str | None = None, **context: Any
    ) -> str:
        return self._render(key, user, context, escape=True)

    async def button(
        self, key: str, *, user: Any = None, locale: str | None = None, **context: Any
    ) -> str:
        return self._render(key, user, context, escape=False)
