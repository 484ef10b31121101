"""What an admin typed for a setting, read into the value to save, or refused with what
is wrong, in words the voice says in the admin's language.

A refusal never repeats what the admin sent at length: it quotes a short, one-line part
of it (`quote`), which the voice escapes. It never names a setting by its internal key
either: the caller passes the setting's label.

Kinds read here: channel (a forwarded post, an @username or an id, checked against
Telegram, and not already another plugin's channel), int (bounds from the model), text
(its length counted as Telegram counts it), links, timezone, emoji and yes/no (bool).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from aiogram.exceptions import TelegramAPIError
from pydantic import ValidationError

from lucien.plugins.admin.services.emoji import split_emoji

if TYPE_CHECKING:
    from lucien.core.context import AppContext
    from lucien.plugins.admin.services.config import EditableField

#: A quote of the admin's input in a reply: enough to recognise it, never a wall of text
#: (a refused 5,000-character welcome must not come back as a 5,000-character refusal).
QUOTE_MAX = 60
#: An emoji set's size when its field does not say (`"max_items"` in its lucien metadata).
EMOJI_MAX = 8
#: What separates links in one value: new lines, commas, semicolons, spaces (none is ever
#: part of a link an admin would paste; a space in a URL is written %20).
LINK_SEPARATORS = re.compile(r"[\s,;]+")
#: A Telegram username (@handle): what Telegram turns into a t.me link.
HANDLE = re.compile(r"^@[A-Za-z0-9_]{3,64}$")
_HOST = re.compile(r"^[A-Za-z0-9\-._~%\u00a1-\uffff]+\.[A-Za-z\u00a1-\uffff0-9\-]{2,}$")
_USERNAME = re.compile(r"^@?[A-Za-z][A-Za-z0-9_]{3,31}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e]+")
#: A text field's "-" clears it, when the field's default is empty (a welcome text).
CLEAR = "-"
#: A yes/no setting typed rather than pressed, in Spanish or English (case ignored).
YES = frozenset({"sí", "si", "yes", "true", "1"})
NO = frozenset({"no", "false", "0"})


def quote(text: Any, limit: int = QUOTE_MAX) -> str:
    """`text` on one line, control characters gone, cut to `limit` characters with "…"
    (unescaped: the voice escapes it)."""
    shown = _CONTROL.sub(" ", str(text)).strip()
    shown = re.sub(r"\s{2,}", " ", shown)
    return shown if len(shown) <= limit else shown[: limit - 1].rstrip() + "…"


def telegram_length(text: str) -> int:
    """How long Telegram counts `text` (UTF-16 code units: an emoji may count two)."""
    return len(text.encode("utf-16-le")) // 2


@dataclass
class Refusal(Exception):
    """A value refused before saving: the voice key to show and its context.

    `reason` is a voice key (and its context) saying what is wrong, rendered into the
    refusal's `{reason}` by the caller, in the admin's language.
    """

    key: str
    context: dict[str, Any] = field(default_factory=dict)
    reason: tuple[str, dict[str, Any]] | None = None


@dataclass
class ChannelInfo:
    chat_id: int
    label: str


def _invalid(f: EditableField, value: Any, reason: str, **reason_context: Any) -> Refusal:
    """The field's own refusal line, with a reason the voice says (`config.reason.*`)."""
    shown = quote(" ".join(map(str, value)) if isinstance(value, list) else value) or "…"
    context = {
        "value": shown,
        "line": shown,
        "max_minutes": f.maximum if f.maximum is not None else "",
    }
    key = f.keys[3] or "config.setting.invalid"
    return Refusal(key, context, (f"config.reason.{reason}", reason_context))


async def check_channel(
    ctx: AppContext, reference: int | str, rights: tuple[str, ...]
) -> ChannelInfo:
    """Resolve a channel and check the bot administers it with `rights`, or Refusal."""
    shown = quote(reference)
    try:
        chat = await ctx.bot.get_chat(reference)
    except TelegramAPIError:
        raise Refusal("config.channel.refused.not_found", {"channel": shown}) from None
    label = quote(chat.title or shown)
    if chat.username:
        label = f"{label} (@{chat.username})"
    try:
        member = await ctx.bot.get_chat_member(chat.id, ctx.bot.id)
    except TelegramAPIError:
        raise Refusal("config.channel.refused.not_admin", {"channel": label}) from None
    if member.status == "creator":
        return ChannelInfo(chat.id, label)
    if member.status != "administrator":
        raise Refusal("config.channel.refused.not_admin", {"channel": label})
    missing = [r for r in rights if not getattr(member, r, False)]
    if missing:
        # The rights by name: the caller says each in the admin's language.
        raise Refusal(
            "config.channel.refused.missing_rights", {"channel": label, "rights": tuple(missing)}
        )
    return ChannelInfo(chat.id, label)


def channel_reference(text: str, forwarded_chat_id: int | None) -> int | str:
    """The channel an admin means: a forwarded post's, an id, an @username; or Refusal."""
    if forwarded_chat_id is not None:
        return forwarded_chat_id
    if re.fullmatch(r"-?\d{1,20}", text):
        return int(text)
    if _USERNAME.fullmatch(text):
        return "@" + text.lstrip("@")
    raise Refusal("config.channel.refused.not_found", {"channel": quote(text) or "?"})


def parse_int(f: EditableField, text: str) -> int:
    """A whole number within the field's bounds, or its refusal."""
    if not re.fullmatch(r"-?\d{1,12}", text):
        raise _invalid(f, text, "not_number")
    number = int(text)
    low, high = f.minimum, f.maximum
    if (low is not None and number < low) or (high is not None and number > high):
        if low is not None and high is not None:
            raise _invalid(f, text, "range", min=low, max=high)
        if low is not None:
            raise _invalid(f, text, "at_least", min=low)
        raise _invalid(f, text, "at_most", max=high)
    return number


def parse_bool(f: EditableField, text: str) -> int:
    """1 for yes, 0 for no (sí/si/yes/true/1, no/false/0, any case, a final period or
    exclamation mark forgiven), or the field's refusal. An int, which a bool field and a
    0/1 int field both take."""
    word = text.strip().rstrip(".!").strip().lower()
    if word in YES:
        return 1
    if word in NO:
        return 0
    raise _invalid(f, text, "not_yes_no")


def parse_text(f: EditableField, text: str) -> str:
    """A text within the field's length (counted as Telegram counts), or its refusal;
    "-" clears a field whose default is empty."""
    if text == CLEAR and f.clearable:
        return ""
    if not text:
        raise _invalid(f, text, "empty")
    length = telegram_length(text)
    if f.max_length is not None and length > f.max_length:
        raise Refusal("config.text.too_long", {"count": length, "max": f.max_length})
    return text


def parse_links(f: EditableField, text: str) -> list[str]:
    """Links separated by new lines, commas, semicolons or spaces: each an https://
    address or an @handle (a Telegram username); repeats kept once. "-" clears them."""
    if text == CLEAR:
        return []
    found: list[str] = []
    for link in LINK_SEPARATORS.split(text):
        if not link or link in found:
            continue
        if HANDLE.match(link):
            found.append(link)
            continue
        lowered = link.lower()
        if lowered.startswith("http://"):
            raise Refusal("config.links.insecure", {"link": quote(link)})
        try:
            host = urlsplit(link).hostname if lowered.startswith("https://") else None
        except ValueError:
            host = None
        if not host or not _HOST.match(host):
            raise _invalid(f, link, "not_link")
        found.append(link)
    if not found:
        raise _invalid(f, text, "empty")
    return found


def parse_emoji(f: EditableField, text: str, prefix: str | None) -> list[str]:
    """The emoji of `text` in order, or a Refusal saying what is wrong: with `prefix`,
    each problem has its own line (`<prefix>.empty|not_emoji|repeated|too_many`), else the
    field's refusal line with the reason."""

    def refuse(problem: str, **context: Any) -> Refusal:
        if prefix is not None:
            return Refusal(f"{prefix}.{problem}", context)
        return _invalid(f, text, f"emoji_{problem}", **context)

    found, stray = split_emoji(text)
    if stray is not None:
        raise refuse("not_emoji", value=quote(stray))
    if not found:
        raise refuse("empty")
    repeated = next((e for i, e in enumerate(found) if e in found[:i]), None)
    if repeated is not None:
        raise refuse("repeated", value=repeated)
    most = f.maximum if f.maximum is not None else EMOJI_MAX
    if len(found) > most:
        raise refuse("too_many", max=most, count=len(found))
    return found


def model_refusal(f: EditableField, settings: Any, raw: Any) -> Refusal:
    """What the plugin's settings model finds wrong with `raw`, said in the admin's
    language (the model's own reason is English: a known kind of error has its line,
    any other the field's refusal with a general reason)."""
    model = type(settings)
    try:
        model.model_validate({**settings.model_dump(), f.key: raw})
    except ValidationError as exc:
        errors = [e for e in exc.errors() if e["loc"][:1] == (f.key,)]
    else:
        errors = []
    kind: str = str(errors[0]["type"]) if errors else ""
    bounds: dict[str, Any] = dict(errors[0].get("ctx") or {}) if errors else {}
    if kind == "string_too_long" and isinstance(raw, str):
        return Refusal(
            "config.text.too_long", {"count": telegram_length(raw), "max": bounds["max_length"]}
        )
    if kind == "string_too_short":
        return _invalid(f, raw, "empty")
    if kind in ("greater_than_equal", "greater_than"):
        return _invalid(f, raw, "at_least", min=bounds.get("ge", bounds.get("gt")))
    if kind in ("less_than_equal", "less_than"):
        return _invalid(f, raw, "at_most", max=bounds.get("le", bounds.get("lt")))
    if kind.startswith("int_"):
        return _invalid(f, raw, "not_number")
    return _invalid(f, raw, "other")
