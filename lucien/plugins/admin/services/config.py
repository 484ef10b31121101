"""The settings admins edit from chat: which they are, how each is named and asked for,
and saving a new value (reading what the admin typed is `config_parse.py`).

Editable settings are discovered from every enabled plugin's settings model (fields marked
`json_schema_extra={"lucien": {"editable": True, "kind": ...}}`), validated (channels
against Telegram) and saved with optimistic versioning. The admin plugin's own editable
settings (`AdminSettings`, the welcome texts per role and language) live here too.

A setting is named, asked for and confirmed through voice keys (`config_keys.py`: known,
conventional or generic); an admin never reads a setting's internal name
("free.show_wait"). Its prompt quotes the value in force; a refusal says what is wrong in
the admin's language, quoting what was sent short.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiogram.exceptions import TelegramAPIError
from annotated_types import Ge, Le, MaxLen
from pydantic import Field
from pydantic.json_schema import JsonDict
from pydantic_settings import BaseSettings, SettingsConfigDict

from lucien.core.config_store import SettingConflict, SettingError
from lucien.core.formatting import Markup
from lucien.plugins.admin.services.admins import admin_service
from lucien.plugins.admin.services.config_keys import (
    EMOJI_REFUSALS,
    GENERIC_KEYS,
    WELCOME_LOCALES,
    EditableField,
    keys_for,
    voice_keys,
)
from lucien.plugins.admin.services.config_parse import (
    EMOJI_MAX,
    Refusal,
    channel_reference,
    check_channel,
    model_refusal,
    parse_bool,
    parse_emoji,
    parse_int,
    parse_links,
    parse_text,
    quote,
)
from lucien.plugins.admin.services.users import UserDirectory

if TYPE_CHECKING:
    from lucien.core.context import AppContext

log = logging.getLogger("lucien.admin")

KINDS = frozenset({"channel", "int", "text", "links", "timezone", "emoji", "bool"})
_WELCOME: JsonDict = {"lucien": {"editable": True, "kind": "text"}}
#: The longest welcome, in characters as Telegram counts them. The welcome is the whole
#: text of the /start message: Telegram takes 4,096 once entities are parsed, and the
#: house style puts "🎩 Lucien:" and a line break before it (11); the rest is room for a
#: catalogue that frames `{text}` with a few words of its own.
WELCOME_MAX = 4000
#: How much of a value a prompt shows as the current one (a welcome may be 4,000 long).
CURRENT_MAX = 200


class AdminSettings(BaseSettings):
    """Settings of the admin plugin (environment prefix `ADMIN_`), editable from chat."""

    model_config = SettingsConfigDict(env_prefix="ADMIN_", extra="ignore")

    # Shown on /start instead of the persona's greeting when set, one per role, in
    # Spanish and in English (see WELCOME_LOCALES).
    welcome_free: str = Field("", max_length=WELCOME_MAX, json_schema_extra=_WELCOME)
    welcome_free_en: str = Field("", max_length=WELCOME_MAX, json_schema_extra=_WELCOME)
    welcome_vip: str = Field("", max_length=WELCOME_MAX, json_schema_extra=_WELCOME)
    welcome_vip_en: str = Field("", max_length=WELCOME_MAX, json_schema_extra=_WELCOME)


def welcome_for(settings: AdminSettings, role: str, locale: str) -> str:
    """The welcome an admin wrote for `role` in `locale`, else the Spanish one ("" for
    none)."""
    if locale in WELCOME_LOCALES:
        own = getattr(settings, f"welcome_{role}_{locale}", "")
        if own:
            return str(own)
    return str(getattr(settings, f"welcome_{role}", "") or "")


def editable_fields(ctx: AppContext) -> list[EditableField]:
    """Every editable field of every enabled plugin, in plugin order then field order
    (the admin plugin's own last)."""
    found: list[EditableField] = []
    declared: Mapping[str, Any] = getattr(getattr(ctx, "app", None), "messages", None) or {}
    # The admin plugin's own settings (welcome texts) come after the feature plugins'.
    records = sorted(ctx.registry.enabled(), key=lambda r: r.name == "admin")
    for record in records:
        if record.settings is None:
            continue
        unnamed = 0
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
            length: Any = next((m.max_length for m in info.metadata if isinstance(m, MaxLen)), None)
            if kind == "emoji":  # a set's size, not a number's bounds
                minimum, maximum = 1, meta.get("max_items", EMOJI_MAX)
            keys = keys_for(record.name, key, declared)
            if keys[0] == GENERIC_KEYS[0]:
                unnamed += 1
            found.append(
                EditableField(
                    record.name,
                    key,
                    kind,
                    tuple(meta.get("rights", ())),
                    int(minimum) if minimum is not None else None,
                    int(maximum) if maximum is not None else None,
                    int(length) if length is not None and kind == "text" else None,
                    kind == "text" and info.default == "",
                    keys,
                    unnamed if keys[0] == GENERIC_KEYS[0] else 0,
                )
            )
    return found


def find_field(ctx: AppContext, plugin: str, key: str) -> EditableField | None:
    """The editable field, or None when it is gone (plugin disabled, field unmarked)."""
    return next((f for f in editable_fields(ctx) if f.plugin == plugin and f.key == key), None)


def label_context(f: EditableField) -> dict[str, Any]:
    """What a field's button label may say: its plugin and its number there (the generic
    label: "Ajuste 1 de content")."""
    return {"plugin": f.plugin, "number": f.number}


async def field_label(ctx: AppContext, f: EditableField, user: Any) -> str:
    """The field's name as its button says it, in the admin's language."""
    return await ctx.voice.button(voice_keys(f)[0], user=user, **label_context(f))


async def current_value(ctx: AppContext, f: EditableField) -> tuple[Any, int]:
    """The value in force and the version an edit must present."""
    settings = await ctx.config.get(f.plugin)
    return getattr(settings, f.key), await ctx.config.version(f.plugin, f.key)


def describe(f: EditableField, value: Any) -> str:
    """A plain, unescaped rendering of a value for the admin (the voice escapes it)."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return str(value)


async def shown_value(ctx: AppContext, f: EditableField, value: Any, user: Any = None) -> str:
    """The current value as a prompt quotes it: one line, cut when long; a channel by its
    title when Telegram still knows it; a yes/no as its button says it."""
    if f.kind == "bool":
        return await ctx.voice.button(bool_key(bool(value)), user=user)
    if f.kind == "channel" and value not in (None, ""):
        try:
            chat = await ctx.bot.get_chat(value)
        except TelegramAPIError:
            return str(value)
        title = quote(chat.title or value, CURRENT_MAX)
        return f"{title} (@{chat.username})" if chat.username else title
    return quote(describe(f, value), CURRENT_MAX)


async def prompt_text(ctx: AppContext, f: EditableField, value: Any, user: Any) -> str:
    """The field's prompt, and the value in force quoted under it (when the prompt's own
    words do not already say it)."""
    say = ctx.voice.say
    key = voice_keys(f)[1]
    empty = value is None or value == "" or value == []
    shown = await shown_value(ctx, f, value, user)
    context: dict[str, Any] = {
        "current": shown,
        "current_minutes": value if isinstance(value, int) else 0,
        "setting": await field_label(ctx, f, user),
        "max": f.max_length or f.maximum or 0,
    }
    if key == GENERIC_KEYS[1]:
        expected, expected_context = _expected(f)
        context["expected"] = Markup(await say(expected, user=user, **expected_context))
    text = await say(key, user=user, **context)
    declared = getattr(getattr(ctx, "app", None), "messages", None) or {}
    names = set(getattr(declared.get(key), "context", ()) or ())
    if not names & {"current", "current_minutes"}:
        line = "config.current.empty" if empty else "config.current"
        text += "\n\n" + await say(line, user=user, current=shown)
    return text


def bool_key(value: bool) -> str:
    """The voiced label of a yes/no setting's answer (its buttons and its value shown)."""
    return "button.config.yes" if value else "button.config.no"


def _expected(f: EditableField) -> tuple[str, dict[str, Any]]:
    """The voice key (and context) saying what kind of value a generic prompt expects."""
    if f.kind == "int":
        if f.minimum is not None and f.maximum is not None:
            return "config.expect.int_range", {"min": f.minimum, "max": f.maximum}
        return "config.expect.int", {}
    if f.kind == "emoji":
        return "config.expect.emoji", {"max": f.maximum or EMOJI_MAX}
    if f.kind == "text" and f.max_length is not None:
        return "config.expect.text_max", {"max": f.max_length}
    return f"config.expect.{f.kind}", {}


@dataclass
class SaveResult:
    """What happened to an edit: saved, refused (with reason) or lost to another admin."""

    outcome: str  # "saved" | "refused" | "conflict"
    key: str
    context: dict[str, Any]


async def parse_value(
    ctx: AppContext, f: EditableField, text: str | None, forwarded_chat_id: int | None, user: Any
) -> tuple[Any, dict[str, Any]]:
    """The raw value to save for what the admin sent, plus context for the reply, or
    Refusal; the settings model validates the rest on save."""
    text = (text or "").strip()
    if f.kind == "channel":
        info = await check_channel(ctx, channel_reference(text, forwarded_chat_id), f.rights)
        for other in editable_fields(ctx):  # one channel cannot be two places at once
            if other.kind != "channel" or (other.plugin, other.key) == (f.plugin, f.key):
                continue
            if getattr(await ctx.config.get(other.plugin), other.key, None) == info.chat_id:
                used_by = await field_label(ctx, other, user)
                raise Refusal(
                    "config.channel.refused.in_use", {"channel": info.label, "used_by": used_by}
                )
        return info.chat_id, {"channel": info.label}
    if f.kind == "int":
        number = parse_int(f, text)
        return number, {"minutes": number, "value": number}
    if f.kind == "bool":
        answer = parse_bool(f, text)
        return answer, {"value": answer}
    if f.kind == "links":
        links = parse_links(f, text)
        return links, {"count": len(links)}
    if f.kind == "emoji":
        found = parse_emoji(f, text, EMOJI_REFUSALS.get((f.plugin, f.key)))
        return found, {"value": " ".join(found), "count": len(found)}
    value = parse_text(f, text)
    return value, {"timezone": value, "new_name": quote(value), "value": quote(value)}


async def save_setting(
    ctx: AppContext,
    f: EditableField,
    text: str | None,
    forwarded_chat_id: int | None,
    *,
    expected_version: int,
    by: int,
    user: Any = None,
) -> SaveResult:
    """Parse, validate and save; never raises for a bad value or a conflict. The
    context's texts are ready for the voice (quotes short, reasons said for `user`)."""
    done = voice_keys(f)[2]
    label = await field_label(ctx, f, user)
    raw: Any = None
    try:
        raw, context = await parse_value(ctx, f, text, forwarded_chat_id, user)
        stored = await ctx.config.update(
            f.plugin, f.key, raw, expected_version=expected_version, by=by
        )
    except Refusal as refusal:
        return await _refused(ctx, refusal, label, user)
    except SettingError:
        settings = await ctx.config.get(f.plugin)
        return await _refused(ctx, model_refusal(f, settings, raw), label, user)
    except SettingConflict as exc:
        current = quote(describe(f, exc.current), CURRENT_MAX)
        if f.kind == "bool":  # in words, as its prompt says it
            current = await ctx.voice.button(bool_key(bool(exc.current)), user=user)
        return SaveResult(
            "conflict", "config.conflict.current", {"setting": label, "current": current}
        )
    context.setdefault("value", quote(describe(f, stored.value)))
    context["setting"] = label
    if f.kind in ("text", "links") and not stored.value:
        done = "config.social.cleared" if done == "config.social.set" else "config.text.cleared"
    if f.kind == "timezone":
        context["timezone"] = stored.value
    if f.kind == "int" and stored.value is not None:
        done = await _account_caveat(ctx, done, stored.value)
    return SaveResult("saved", done, context)


async def _account_caveat(ctx: AppContext, done: str, value: int) -> str:
    """The confirmation for a setting that names someone's account (its catalogue
    declares `<stem>.unseen` and `<stem>.not_admin` beside `<stem>.set`): saved all the
    same, but said when the bot has never seen that account or it is no admin's."""
    stem = done.rpartition(".")[0]
    declared = getattr(getattr(ctx, "app", None), "messages", None) or {}
    if f"{stem}.unseen" not in declared or f"{stem}.not_admin" not in declared:
        return done
    if await UserDirectory(ctx).get(value) is None:
        return f"{stem}.unseen"
    if not await admin_service(ctx).is_admin(value):
        return f"{stem}.not_admin"
    return done


async def _refused(ctx: AppContext, refusal: Refusal, label: str, user: Any) -> SaveResult:
    context = {"setting": label, "value": "", "line": "", "reason": "", **refusal.context}
    if isinstance(context.get("rights"), tuple):  # Telegram's rights, each in words
        declared = getattr(getattr(ctx, "app", None), "messages", None) or {}
        said = [
            await ctx.voice.say(f"config.right.{r}", user=user)
            if f"config.right.{r}" in declared
            else quote(r, 40)
            for r in context["rights"]
        ]
        context["rights"] = Markup(", ".join(said))
    if refusal.reason is not None:
        key, reason_context = refusal.reason
        context["reason"] = Markup(await ctx.voice.say(key, user=user, **reason_context))
    return SaveResult("refused", refusal.key, context)
