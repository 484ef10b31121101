"""How every text reaches a user: `ctx.voice.say(key, user=..., **context)`.

Plugins declare their message keys with plain defaults (`lucien_messages`). The voice
plugin provides a Voice that renders them in Lucien's persona; without it, `PlainVoice`
renders the defaults, so the bot still works in plain words. Both format templates the
same way (`lucien.core.formatting`: plurals, numbers, dates, durations and prices
(`Money`) through Babel).

Pass raw values (a datetime, a number, a `Money`) and let the template format them; a
list is rendered one catalogue line per item and passed joined as `Markup`.

A voice may also frame what the bot says: its `frame_header` (optional; Lucien's emblem
and name) opens every text to a private chat, put there by the core (`lucien.core.framing`)
and never by plugins, which write their texts without it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, tzinfo
from typing import Any, Protocol, runtime_checkable

from lucien.core.formatting import render
from lucien.core.plugin import MessageKey
from lucien.core.users import printable_name

log = logging.getLogger("lucien.voice")

PLAIN_LOCALE = "en"  # the language plain defaults are written in


@runtime_checkable
class Voice(Protocol):
    """Renders message keys to HTML-ready text.

    Optionally, an attribute `frame_header: str`: the HTML the core puts before every text
    and caption the bot sends to a private chat ("" or absent: none). It is read once,
    when the dispatcher is built, so it costs the hot path nothing but a concatenation.
    """

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


def display_name(user: Any) -> str:
    """The user's first name (or username), unescaped, without control characters (NUL,
    escape sequences); callers escape."""
    if user is None:
        return ""
    name = getattr(user, "first_name", None) or getattr(user, "username", None) or ""
    return printable_name(name) or ""


class PlainVoice:
    """The declared defaults, formatted; used when no plugin provides a voice.

    Defaults are written in English, so they are formatted in English (plurals, numbers,
    dates in UTC: the creator's timezone is the voice plugin's setting), whatever the
    user's language. Values are escaped, the template's own markup is kept.
    """

    locale = PLAIN_LOCALE
    frame_header = ""  # plain words: no persona to announce

    def __init__(self, messages: Mapping[str, MessageKey]):
        self.messages = dict(messages)

    def _render(self, key: str, user: Any, context: dict[str, Any], escape: bool) -> str:
        declared = self.messages.get(key)
        if declared is None:
            log.warning("message key %s was never declared", key)
            return key
        context.setdefault("name", display_name(user))
        return render_default(declared, context, escape=escape)

    async def say(
        self, key: str, *, user: Any = None, locale: str | None = None, **context: Any
    ) -> str:
        return self._render(key, user, context, escape=True)

    async def button(
        self, key: str, *, user: Any = None, locale: str | None = None, **context: Any
    ) -> str:
        return self._render(key, user, context, escape=False)


def render_default(
    declared: MessageKey, context: Mapping[str, Any], *, escape: bool, tz: tzinfo = UTC
) -> str:
    """A key's plain default formatted in English; problems are logged, never raised."""
    text, problems = render(
        declared.default, context, locale=PLAIN_LOCALE, tz=tz, escape=escape, strict=False
    )
    if problems:
        log.warning("message %s: %s", declared.key, "; ".join(problems))
    return text


# -- the house's names ------------------------------------------------------------------
# A plugin may let admins rename what it stands for (the VIP channel "el Diván"); the
# voice says a name in its forms ("del Diván", "al Diván"; lucien.plugins.voice.names).

HOUSE_NAME_MAX = 64  # characters: a name is said inside lines and buttons


def house_name_field(stands_for: str, locale: str, default: str) -> Any:
    """A settings field holding a name of the house in `locale`, edited from chat."""
    from pydantic import Field

    return Field(
        default,
        min_length=1,
        max_length=HOUSE_NAME_MAX,
        json_schema_extra={
            "lucien": {"editable": True, "kind": "text", "house_name": stands_for, "locale": locale}
        },
    )


def house_name_keys(stems: tuple[str, ...]) -> list[MessageKey]:
    """How the configuration screens name and ask for the names (`<stem>` and
    `<stem>_en`: the Spanish and the English one), by the config screens' convention."""
    keys: list[MessageKey] = []
    for stem in stems:
        for key, language in ((stem, "Spanish"), (f"{stem}_en", "English")):
            keys += [
                MessageKey(f"button.config.{key}", f"{stem} ({language})", button=True),
                MessageKey(
                    f"config.{key}.prompt",
                    f"Send the {language} name, with its article (el Diván, the Divan).",
                ),
                MessageKey(f"config.{key}.set", "Name set to {value}.", ("value",)),
                MessageKey(
                    f"config.{key}.invalid", "'{value}' was refused: {reason}.", ("value", "reason")
                ),
            ]
    return keys
