"""The settings admins edit from chat, and the plugins screen (its states said in the
admin's language through this plugin's catalogue).

Editable settings are discovered from every enabled plugin's settings model (fields marked
`json_schema_extra={"lucien": {"editable": True, "kind": ...}}`), parsed, validated
(channels against Telegram) and saved with optimistic versioning. The admin plugin's own
editable settings (`AdminSettings`, the welcome texts) live here too.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiogram.exceptions import TelegramAPIError
from annotated_types import Ge, Le
from pydantic import Field
from pydantic.json_schema import JsonDict
from pydantic_settings import BaseSettings, SettingsConfigDict

from lucien.core.config_store import SettingConflict, SettingError
from lucien.core.formatting import Markup
from lucien.plugins.admin.services.emoji import split_emoji

if TYPE_CHECKING:
    from lucien.core.context import AppContext

log = logging.getLogger("lucien.admin")

KINDS = frozenset({"channel", "int", "text", "links", "timezone", "emoji"})
_WELCOME: JsonDict = {"lucien": {"editable": True, "kind": "text"}}


class AdminSettings(BaseSettings):
    """Settings of the admin plugin (environment prefix `ADMIN_`), editable from chat."""

    model_config = SettingsConfigDict(env_prefix="ADMIN_", extra="ignore")

    # Shown on /start instead of the persona's greeting when set, one per role.
    welcome_free: str = Field("", max_length=2000, json_schema_extra=_WELCOME)
    welcome_vip: str = Field("", max_length=2000, json_schema_extra=_WELCOME)


@dataclass(frozen=True)
class EditableField:
    """A setting of some plugin that admins edit from chat, and how to talk about it."""

    plugin: str
    key: str
    kind: str
    rights: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None

    @property
    def ident(self) -> str:
        return f"{self.plugin}.{self.key}"


# Voice keys of the settings the bot ships with; any other field uses the generic keys.
# (button, prompt, done, invalid)
_KNOWN_KEYS: dict[tuple[str, str], tuple[str, str, str, str]] = {
    ("vip", "channel_id"): (
        "button.config.vip_channel",
        "config.channel.vip.prompt",
        "config.channel.vip.set",
        "config.setting.invalid",
    ),
    ("free", "channel_id"): (
        "button.config.free_channel",
        "config.channel.free.prompt",
        "config.channel.free.set",
        "config.setting.invalid",
    ),
    ("free", "wait_minutes"): (
        "button.config.wait_time",
        "config.wait_time.prompt",
        "config.wait_time.set",
        "config.wait_time.invalid",
    ),
    ("free", "social_links"): (
        "button.config.social",
        "config.social.prompt",
        "config.social.set",
        "config.social.invalid",
    ),
    ("voice", "timezone"): (
        "button.config.timezone",
        "config.timezone.prompt",
        "config.timezone.set",
        "config.timezone.invalid",
    ),
    ("voice", "creator_name"): (
        "button.config.creator_name",
        "config.creator_name.prompt",
        "config.creator_name.set",
        "config.setting.invalid",
    ),
    ("admin", "welcome_free"): (
        "button.config.welcome_free",
        "config.welcome.prompt",
        "config.welcome.set",
        "config.setting.invalid",
    ),
    ("admin", "welcome_vip"): (
        "button.config.welcome_vip",
        "config.welcome.prompt",
        "config.welcome.set",
        "config.setting.invalid",
    ),
    # The publish plugin's reaction sets: their lines are in its catalogue.
    ("publish", "reactions_vip"): (
        "button.config.reactions_vip",
        "config.reactions.prompt",
        "config.reactions.set",
        "config.reactions.invalid",
    ),
    ("publish", "reactions_free"): (
        "button.config.reactions_free",
        "config.reactions.prompt",
        "config.reactions.set",
        "config.reactions.invalid",
    ),
}
# An emoji set's refusals, one line each (`<prefix>.empty|not_emoji|repeated|too_many`), for
# the fields that have them; any other emoji field says the reason on its invalid line.
_EMOJI_REFUSALS: dict[tuple[str, str], str] = {
    ("publish", "reactions_vip"): "config.reactions",
    ("publish", "reactions_free"): "config.reactions",
}
#: An emoji set's size when its field does not say (`"max_items"` in its lucien metadata).
EMOJI_MAX = 8
_GENERIC_KEYS = (
    "button.config.setting",
    "config.setting.prompt",
    "config.setting.set",
    "config.setting.invalid",
)


def voice_keys(f: EditableField) -> tuple[str, str, str, str]:
    """(button, prompt, done, invalid) message keys for the field."""
    return _KNOWN_KEYS.get((f.plugin, f.key), _GENERIC_KEYS)


def editable_fields(ctx: AppContext) -> list[EditableField]:
    """Every editable field of every enabled plugin, in plugin order then field order
    (the admin plugin's own last)."""
    found: list[EditableField] = []
    # The admin plugin's own settings (welcome texts) come after the feature plugins'.
    records = sorted(ctx.registry.enabled(), key=lambda r: r.name == "admin")
    for record in records:
        if record.settings is None:
            continue
        for key, info in type(record.settings).model_fields.items():
            extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
            meta = extra.get("lucien") if isinstance(extra, dict) else None
            if not isinstance(meta, dict) or not meta.get("editable"):
                continue
            kind = str(meta.get("kind", "text"))
            if kind not in KINDS:
                log.warning(
                    "setting %s.%s: unknown kind %r, edited as text", record.name, key, kind
                )
                kind = "text"
            # Bounds are whatever the model declared (int here); int() below normalises them.
            minimum: Any = next((m.ge for m in info.metadata if isinstance(m, Ge)), None)
            maximum: Any = next((m.le for m in info.metadata if isinstance(m, Le)), None)
            if kind == "emoji":  # a set's size, not a number's bounds
                minimum, maximum = 1, meta.get("max_items", EMOJI_MAX)
            found.append(
                EditableField(
                    record.name,
                    key,
                    kind,
                    tuple(meta.get("rights", ())),
                    int(minimum) if minimum is not None else None,
                    int(maximum) if maximum is not None else None,
                )
            )
    return found


def find_field(ctx: AppContext, plugin: str, key: str) -> EditableField | None:
    """The editable field, or None when it is gone (plugin disabled, field unmarked)."""
    return next((f for f in editable_fields(ctx) if f.plugin == plugin and f.key == key), None)


async def current_value(ctx: AppContext, f: EditableField) -> tuple[Any, int]:
    """The value in force and the version an edit must present."""
    settings = await ctx.config.get(f.plugin)
    return getattr(settings, f.key), await ctx.config.version(f.plugin, f.key)


def describe(f: EditableField, value: Any) -> str:
    """A plain, unescaped rendering of a value for the admin (the voice escapes it)."""
    if value is None or value == "" or value == []:
        return "—"
    if f.kind == "links" and isinstance(value, list):
        return "\n".join(str(v) for v in value)
    if f.kind == "emoji" and isinstance(value, list):
        return " ".join(str(v) for v in value)
    return str(value)


@dataclass
class Refusal(Exception):
    """A value refused before saving: the voice key to show and its context."""

    key: str
    context: dict[str, Any] = field(default_factory=dict)


@dataclass
class ChannelInfo:
    chat_id: int
    label: str


# One link per line: an http(s) URL or an @handle (what the free plugin's model accepts).
_LINK = re.compile(r"^(?:https?://\S+|@[A-Za-z0-9_]{3,64})$", re.IGNORECASE)
_USERNAME = re.compile(r"^@?[A-Za-z][A-Za-z0-9_]{3,31}$")


async def check_channel(
    ctx: AppContext, reference: int | str, rights: tuple[str, ...]
) -> ChannelInfo:
    """Resolve a channel and check the bot administers it with `rights`, or Refusal."""
    shown = str(reference)
    try:
        chat = await ctx.bot.get_chat(reference)
    except TelegramAPIError:
        raise Refusal("config.channel.refused.not_found", {"channel": shown}) from None
    label = chat.title or shown
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
        raise Refusal(
            "config.channel.refused.missing_rights",
            {"channel": label, "rights": ", ".join(missing)},
        )
    return ChannelInfo(chat.id, label)


async def parse_value(
    ctx: AppContext, f: EditableField, text: str | None, forwarded_chat_id: int | None
) -> tuple[Any, dict[str, Any]]:
    """The raw value to save for what the admin sent, plus context for the reply.

    Raises Refusal (with the voice key and context) when it cannot be a value at all; the
    settings model validates the rest on save.
    """
    text = (text or "").strip()
    if f.kind == "channel":
        if forwarded_chat_id is not None:
            reference: int | str = forwarded_chat_id
        elif re.fullmatch(r"-?\d+", text):
            reference = int(text)
        elif _USERNAME.fullmatch(text):
            reference = "@" + text.lstrip("@")
        else:
            raise Refusal("config.channel.refused.not_found", {"channel": text or "?"})
        info = await check_channel(ctx, reference, f.rights)
        return info.chat_id, {"channel": info.label}
    if f.kind == "int":
        if not re.fullmatch(r"-?\d{1,12}", text):
            raise Refusal(voice_keys(f)[3], _invalid_context(f, text, "not a whole number"))
        number = int(text)
        return number, {"minutes": number, "value": number}
    if f.kind == "links":
        if text == "-":
            return [], {"count": 0}
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        for line in lines:
            if not _LINK.match(line):
                raise Refusal(
                    voice_keys(f)[3], {**_invalid_context(f, line, "bad link"), "line": line}
                )
        return lines, {"count": len(lines)}
    if f.kind == "emoji":
        found = parse_emoji(f, text)
        return found, {"value": " ".join(found), "count": len(found)}
    if not text:
        raise Refusal(voice_keys(f)[3], _invalid_context(f, text, "empty"))
    return text, {"timezone": text, "new_name": text, "value": text}


def parse_emoji(f: EditableField, text: str) -> list[str]:
    """The emoji of `text` in order, or a Refusal saying what is wrong (in the admin's
    language: each problem has its line)."""
    prefix = _EMOJI_REFUSALS.get((f.plugin, f.key))

    def refuse(problem: str, reason: str, **context: Any) -> Refusal:
        if prefix is not None:
            return Refusal(f"{prefix}.{problem}", context)
        return Refusal(voice_keys(f)[3], _invalid_context(f, text, reason))

    found, stray = split_emoji(text)
    if stray is not None:
        raise refuse("not_emoji", f"{stray!r} is not an emoji", value=stray)
    if not found:
        raise refuse("empty", "no emoji")
    repeated = next((e for i, e in enumerate(found) if e in found[:i]), None)
    if repeated is not None:
        raise refuse("repeated", f"{repeated} twice", value=repeated)
    most = f.maximum if f.maximum is not None else EMOJI_MAX
    if len(found) > most:
        raise refuse("too_many", f"more than {most} emoji", max=most, count=len(found))
    return found


def _invalid_context(f: EditableField, value: Any, reason: str) -> dict[str, Any]:
    return {
        "value": str(value),
        "reason": reason,
        "setting": f.ident,
        "max_minutes": f.maximum if f.maximum is not None else "",
        "line": str(value),
    }


@dataclass
class SaveResult:
    """What happened to an edit: saved, refused (with reason) or lost to another admin."""

    outcome: str  # "saved" | "refused" | "conflict"
    key: str
    context: dict[str, Any]


async def save_setting(
    ctx: AppContext,
    f: EditableField,
    text: str | None,
    forwarded_chat_id: int | None,
    *,
    expected_version: int,
    by: int,
) -> SaveResult:
    """Parse, validate and save; never raises for a bad value or a conflict."""
    _button, _prompt, done, invalid = voice_keys(f)
    try:
        raw, context = await parse_value(ctx, f, text, forwarded_chat_id)
    except Refusal as refusal:
        return SaveResult("refused", refusal.key, refusal.context)
    try:
        stored = await ctx.config.update(
            f.plugin, f.key, raw, expected_version=expected_version, by=by
        )
    except SettingError as exc:
        ctx_ = _invalid_context(f, text, exc.reason)
        return SaveResult("refused", invalid, ctx_)
    except SettingConflict as exc:
        return SaveResult(
            "conflict",
            "config.conflict.current",
            {"setting": f.ident, "current": describe(f, exc.current)},
        )
    context.setdefault("value", describe(f, stored.value))
    context.setdefault("setting", f.ident)
    if f.kind == "links" and not stored.value:
        done = "config.social.cleared" if done == "config.social.set" else done
    if f.kind == "timezone":
        context["timezone"] = stored.value
    return SaveResult("saved", done, context)


def prompt_context(f: EditableField, value: Any) -> dict[str, Any]:
    """Context for a field's prompt: every name the known prompts use."""
    shown = describe(f, value)
    return {"current": shown, "current_minutes": shown, "setting": f.ident}


# ----------------------------------------------------------------------------- plugins


# The states the core gives a plugin, each said through a key of this plugin's catalogue.
PLUGIN_STATES = frozenset({"enabled", "disabled", "failed"})


async def plugin_lines(ctx: AppContext, user: Any) -> Markup:
    """One line per installed plugin: name, version, state in the admin's language (and
    why, when not enabled), rendered by the voice and joined for `config.plugins.list`."""
    lines = []
    for record in sorted(ctx.registry.records.values(), key=lambda r: r.name):
        if record.state in PLUGIN_STATES:
            state: str = Markup(
                await ctx.voice.say(f"config.plugins.state.{record.state}", user=user)
            )
        else:  # a state a newer core adds: shown as it is rather than not at all
            state = str(record.state)
        values = {"plugin": record.name, "version": record.version, "state": state}
        if record.reason and not record.enabled:
            key = "config.plugins.line_reason"
            values["reason"] = record.reason
        else:
            key = "config.plugins.line"
        lines.append(await ctx.voice.say(key, user=user, **values))
    return Markup("\n".join(lines))
