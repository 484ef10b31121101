"""Lucien's voice: the catalogue, the renderer (`CatalogueVoice`) and the voice settings.

The catalogue lives in `catalogue/<locale>/<provider>.json`. Each file maps message keys to
a list of variants::

    {"greeting.returning": [
        {"text": "Ah, ha regresado, {name}...", "weight": 2},
        {"text": "Buenos días, {name}.", "weight": 1, "time_of_day": "morning"}
    ]}

A variant may be filtered by `time_of_day` (morning, afternoon, evening, night, in the
configured timezone) and by `role` (admin, vip, free; matched against the `role` context
value). Placeholders are the context the declaring plugin passes, plus `{name}` (the user's
display name) and `{creator}` (the creator's name). Values are formatted, then escaped:

- strings are HTML-escaped, so user-provided text is never markup;
- dates and datetimes read as dates of the locale ("5 de marzo de 2027", "March 5, 2027");
  `{x:datetime}` adds the time of day in the configured timezone;
- `{n:days}` reads as "1 día" / "30 días" ("1 day" / "30 days"), `{n:minutes}` as a
  duration ("1 hora y 30 minutos", "1 hour and 30 minutes").

A variant with a missing or unknown placeholder, or a malformed template, is never shown:
the voice logs it and renders the plugin's plain default instead. An undeclared key is
logged and returned as is, like the core's plain voice.
"""

from __future__ import annotations

import html
import json
import logging
import math
import random
import string
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from lucien.core.plugin import MessageKey
from lucien.core.voice import display_name, render_template

log = logging.getLogger("lucien.voice")

CATALOGUE_DIR = Path(__file__).parent / "catalogue"
CACHE_NAMESPACE = "voice"
LOCALES: tuple[str, ...] = ("es", "en")
TIMES_OF_DAY: tuple[str, ...] = ("morning", "afternoon", "evening", "night")
ROLES: tuple[str, ...] = ("admin", "vip", "free")
# Placeholders the voice itself provides, on top of what the declaring plugin passes.
VOICE_PLACEHOLDERS: frozenset[str] = frozenset({"name", "creator"})
FORMAT_SPECS: frozenset[str] = frozenset({"", "days", "minutes", "datetime"})
LABEL_MEMO_SIZE = 10_000  # rendered button labels kept (cleared when full)

TimeOfDay = Literal["morning", "afternoon", "evening", "night"]


class VoiceSettings(BaseSettings):
    """Settings of the voice plugin (environment prefix `VOICE_`)."""

    model_config = SettingsConfigDict(env_prefix="VOICE_", extra="ignore")

    default_locale: Literal["es", "en"] = "es"
    # Editable from chat by admins (the admin plugin discovers fields marked this way).
    creator_name: str = Field(
        "Diana",
        min_length=1,
        max_length=64,
        json_schema_extra={"lucien": {"editable": True, "kind": "text"}},
    )
    timezone: str = Field(
        "America/Mexico_City", json_schema_extra={"lucien": {"editable": True, "kind": "timezone"}}
    )
    seed: int | None = None

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {value!r}") from exc
        return value


# --------------------------------------------------------------------------- catalogue


@dataclass(frozen=True)
class Variant:
    """One way of saying a key: its template, weight and optional filters."""

    text: str
    weight: float = 1.0
    time_of_day: str | None = None
    role: str | None = None
    index: int = 0

    def fits(self, time_of_day: str, role: str | None) -> bool:
        """Whether this variant may be used at this time of day and for this role."""
        if self.time_of_day is not None and self.time_of_day != time_of_day:
            return False
        return not (self.role is not None and self.role != role)


@dataclass
class Catalogue:
    """Variants per locale and key, with the provider file each key came from."""

    entries: dict[str, dict[str, list[Variant]]] = field(default_factory=dict)
    providers: dict[str, dict[str, str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def locales(self) -> tuple[str, ...]:
        """The locales the catalogue has lines for."""
        return tuple(sorted(self.entries))

    def variants(self, locale: str, key: str) -> list[Variant]:
        """The variants of `key` in `locale` (empty when the catalogue has none)."""
        return self.entries.get(locale, {}).get(key, [])

    def keys(self, locale: str) -> set[str]:
        """Every key the catalogue has in `locale`."""
        return set(self.entries.get(locale, {}))


def _parse_variant(raw: Any, index: int, where: str, problems: list[str]) -> Variant | None:
    if isinstance(raw, str):
        return Variant(text=raw, index=index)
    if not isinstance(raw, dict) or not isinstance(raw.get("text"), str):
        problems.append(f"{where}: variant {index} needs a 'text' string")
        return None
    unknown = set(raw) - {"text", "weight", "time_of_day", "role"}
    if unknown:
        problems.append(f"{where}: variant {index} has unknown fields {sorted(unknown)}")
    weight = raw.get("weight", 1)
    if not isinstance(weight, int | float) or isinstance(weight, bool) or weight <= 0:
        problems.append(f"{where}: variant {index} needs a positive weight")
        return None
    time_of_day = raw.get("time_of_day")
    if time_of_day is not None and time_of_day not in TIMES_OF_DAY:
        problems.append(f"{where}: variant {index} has unknown time_of_day {time_of_day!r}")
        return None
    role = raw.get("role")
    if role is not None and role not in ROLES:
        problems.append(f"{where}: variant {index} has unknown role {role!r}")
        return None
    return Variant(raw["text"], float(weight), time_of_day, role, index)


def load_catalogue(root: Path | str = CATALOGUE_DIR) -> Catalogue:
    """Read every `<locale>/<provider>.json` under `root`; problems are collected, not raised."""
    catalogue = Catalogue()
    root = Path(root)
    for locale_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        locale = locale_dir.name
        entries = catalogue.entries.setdefault(locale, {})
        providers = catalogue.providers.setdefault(locale, {})
        for path in sorted(locale_dir.glob("*.json")):
            provider = path.stem
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                catalogue.problems.append(f"{locale}/{provider}: unreadable ({exc})")
                continue
            if not isinstance(data, dict):
                catalogue.problems.append(f"{locale}/{provider}: expected an object of keys")
                continue
            for key, raw_variants in data.items():
                where = f"{locale}/{provider}:{key}"
                if key in providers:
                    catalogue.problems.append(f"{where}: also defined in {locale}/{providers[key]}")
                    continue
                if not isinstance(raw_variants, list) or not raw_variants:
                    catalogue.problems.append(f"{where}: expected a non-empty list of variants")
                    continue
                variants = [
                    v
                    for i, raw in enumerate(raw_variants)
                    if (v := _parse_variant(raw, i, where, catalogue.problems)) is not None
                ]
                if variants:
                    entries[key] = variants
                    providers[key] = provider
    return catalogue


# --------------------------------------------------------------------------- formatting

_MONTHS: dict[str, tuple[str, ...]] = {
    "es": (
        "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio",
        "agosto", "septiembre", "octubre", "noviembre", "diciembre",
    ),
    "en": (
        "January", "February", "March", "April", "May", "June", "July",
        "August", "September", "October", "November", "December",
    ),
}  # fmt: skip

_UNITS: dict[str, dict[str, tuple[str, str]]] = {
    "es": {"day": ("día", "días"), "hour": ("hora", "horas"), "minute": ("minuto", "minutos")},
    "en": {"day": ("day", "days"), "hour": ("hour", "hours"), "minute": ("minute", "minutes")},
}
_AND = {"es": "y", "en": "and"}


def _local(value: datetime, tz: tzinfo) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # the project's times are UTC
    return value.astimezone(tz)


def format_date(value: date | datetime, locale: str, tz: tzinfo = UTC) -> str:
    """A date as the locale writes it: "5 de marzo de 2027" / "March 5, 2027"."""
    if isinstance(value, datetime):
        value = _local(value, tz).date()
    months = _MONTHS.get(locale, _MONTHS["en"])
    if locale == "es":
        return f"{value.day} de {months[value.month - 1]} de {value.year}"
    return f"{months[value.month - 1]} {value.day}, {value.year}"


def format_datetime(value: date | datetime, locale: str, tz: tzinfo = UTC) -> str:
    """A date and time of day: "5 de marzo de 2027, 14:30" / "March 5, 2027, 14:30"."""
    if not isinstance(value, datetime):
        return format_date(value, locale, tz)
    local = _local(value, tz)
    return f"{format_date(local, locale, tz)}, {local:%H:%M}"


def _count(n: int, unit: str, locale: str) -> str:
    singular, plural = _UNITS.get(locale, _UNITS["en"])[unit]
    return f"{n} {singular if n == 1 else plural}"


def format_days(value: Any, locale: str) -> str:
    """A number of days with its unit: "1 día", "30 días" / "1 day", "30 days"."""
    return _count(int(value), "day", locale)


def format_minutes(value: Any, locale: str) -> str:
    """A duration in minutes, read naturally: "45 minutos", "1 hora y 30 minutos", "2 días"."""
    total = max(0, int(value))
    days, rest = divmod(total, 1440)
    hours, minutes = divmod(rest, 60)
    parts = [
        _count(n, unit, locale)
        for n, unit in ((days, "day"), (hours, "hour"), (minutes, "minute"))
        if n
    ]
    if not parts:
        return _count(0, "minute", locale)
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + f" {_AND.get(locale, 'and')} " + parts[-1]


def time_of_day(moment: datetime, tz: tzinfo) -> TimeOfDay:
    """Morning (5-12), afternoon (12-19), evening (19-23) or night, in timezone `tz`."""
    hour = _local(moment, tz).hour
    if 5 <= hour < 12:
        return "morning"
    if 12 <= hour < 19:
        return "afternoon"
    if 19 <= hour < 23:
        return "evening"
    return "night"


class _TemplateError(Exception):
    """A variant that cannot be rendered with the context at hand."""


class _VoiceFormatter(string.Formatter):
    """Formats a catalogue template: locale-aware values, every value escaped for HTML."""

    def __init__(self, locale: str, tz: tzinfo, escape: bool):
        self.locale = locale
        self.tz = tz
        self.escape = escape
        self.missing: list[str] = []

    def get_field(self, field_name: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Any:
        if not field_name.isidentifier():  # no attribute or index access from a template
            raise _TemplateError(f"unsupported placeholder {{{field_name}}}")
        if field_name not in kwargs:
            self.missing.append(field_name)
            return "", field_name
        return kwargs[field_name], field_name

    def convert_field(self, value: Any, conversion: str | None) -> Any:
        if conversion is not None:
            raise _TemplateError(f"unsupported conversion !{conversion}")
        return value

    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec not in FORMAT_SPECS:
            raise _TemplateError(f"unknown format :{format_spec}")
        if format_spec == "days":
            text = format_days(value, self.locale)
        elif format_spec == "minutes":
            text = format_minutes(value, self.locale)
        elif format_spec == "datetime" and isinstance(value, date):
            text = format_datetime(value, self.locale, self.tz)
        elif isinstance(value, date):
            text = format_date(value, self.locale, self.tz)
        elif value is None:
            text = ""
        else:
            text = str(value)
        return html.escape(text, quote=False) if self.escape else text


def render_variant(
    template: str,
    context: Mapping[str, Any],
    *,
    locale: str,
    tz: tzinfo = UTC,
    escape: bool = True,
) -> tuple[str, list[str]]:
    """Render one catalogue template; return the text and what went wrong (empty if nothing).

    Raises nothing: a malformed template or a bad value is reported as a problem.
    """
    formatter = _VoiceFormatter(locale, tz, escape)
    try:
        text = formatter.vformat(template, (), context)
    except _TemplateError as exc:
        return template, [str(exc)]
    except (ValueError, TypeError, IndexError, KeyError, AttributeError) as exc:
        return template, [f"bad template ({exc})"]
    if formatter.missing:
        return text, [f"missing placeholders {', '.join(formatter.missing)}"]
    return text, []


def template_fields(template: str) -> list[tuple[str, str]]:
    """The (placeholder, format spec) pairs of a template; raises ValueError if malformed."""
    return [
        (name, spec or "")
        for _, name, spec, _ in string.Formatter().parse(template)
        if name is not None
    ]


# --------------------------------------------------------------------------- variation


def balanced_weights(weights: Sequence[float]) -> list[float]:
    """Weights for the next draw when the previous variant is excluded.

    Drawing among the *other* variants with weights `x` makes a chain whose long-run share
    of each variant is exactly its weight, provided `x_i * (sum(x) - x_i)` is proportional
    to weight `w_i` (the flow between two variants is then symmetric). That `x` exists when
    no weight is more than half of the total; it is found by symmetric scaling. A variant
    weighing half or more is made to follow every other draw: its share is then exactly
    one half (as close to its weight as never repeating allows), the others' exactly theirs.
    """
    total = float(sum(weights))
    if len(weights) < 2 or total <= 0:
        return list(weights)
    w = [x / total for x in weights]
    heaviest = max(range(len(w)), key=w.__getitem__)
    if w[heaviest] >= 0.5 - 1e-9:
        return [1e9 if i == heaviest else wi for i, wi in enumerate(w)]
    x = [math.sqrt(v) for v in w]
    for _ in range(500):
        s = sum(x)
        x = [math.sqrt(xi * wi / (s - xi)) for xi, wi in zip(x, w, strict=True)]
        s = sum(x)
        flows = [xi * (s - xi) for xi in x]
        norm = sum(flows)
        if max(abs(f / norm - wi) for f, wi in zip(flows, w, strict=True)) < 1e-9:
            break
    return x


CacheGetter = Callable[[], Any]


class CatalogueVoice:
    """The voice of Lucien: renders declared keys from the catalogue, varied per user.

    `messages` are the declared keys (with their plain defaults); `cache` returns the
    context's cache (namespace `voice`) or raises when there is none, in which case the last
    variant per user and key is remembered in this process only; `now` gives the current
    time (the context's clock); `rng` makes the choice reproducible (`VOICE_SEED`).
    """

    def __init__(
        self,
        messages: Mapping[str, MessageKey],
        catalogue: Catalogue | None = None,
        *,
        settings: VoiceSettings | None = None,
        cache: CacheGetter | None = None,
        now: Callable[[], datetime] | None = None,
        rng: random.Random | None = None,
    ):
        self.messages = dict(messages)
        self.catalogue = catalogue if catalogue is not None else load_catalogue()
        self.settings = settings or VoiceSettings()
        self.tz: tzinfo = ZoneInfo(self.settings.timezone)
        self.creator_name = self.settings.creator_name
        self.creator_source: Callable[[], Awaitable[str | None]] | None = None
        self._cache = cache
        self._now = now or (lambda: datetime.now(UTC))
        self.rng = rng or random.Random(self.settings.seed)
        self._local_memory: dict[str, int] = {}
        self._balanced: dict[tuple[float, ...], list[float]] = {}
        self._labels: dict[tuple[Any, ...], str] = {}  # rendered button labels
        self._fixed_keys: dict[tuple[str, str], bool] = {}  # (locale, key) -> see _fixed

    # ---------------------------------------------------------------- public API

    async def say(
        self, key: str, *, user: Any = None, locale: str | None = None, **context: Any
    ) -> str:
        """Text for `key` in Lucien's voice, ready for HTML parse mode."""
        return (await self._render(key, user, locale, context, button=False))[0]

    async def button(
        self, key: str, *, user: Any = None, locale: str | None = None, **context: Any
    ) -> str:
        """A button label for `key`: plain text, stable (the first fitting variant)."""
        loc = self.locale_for(user, locale)
        memo_key: tuple[Any, ...] | None = None
        if self._fixed(loc, key):
            # Menus render the same few labels on every update. One that depends on
            # neither the user, the creator, the time nor the role is a function of its
            # context: looked up before any of those is worked out.
            memo_key = (key, loc, self.tz, *context.items())
            try:
                label = self._labels.get(memo_key)
            except TypeError:  # an unhashable context value: render every time
                memo_key, label = None, None
            if label is not None:
                return label
        text, rendered = await self._render(key, user, loc, context, button=True)
        if memo_key is not None and rendered:
            # Only a clean render: the plain fallback may say the user's name.
            self._memo_label(memo_key, text)
        return text

    def _fixed(self, loc: str, key: str) -> bool:
        """Whether every variant of `key` reads the same for every user, time and role."""
        fixed = self._fixed_keys.get((loc, key))
        if fixed is None:
            variants = self.catalogue.variants(loc, key)
            try:
                fixed = bool(variants) and all(
                    v.time_of_day is None
                    and v.role is None
                    and not {"name", "creator"} & {f for f, _ in template_fields(v.text)}
                    for v in variants
                )
            except ValueError:  # a malformed template: the full path reports it
                fixed = False
            self._fixed_keys[(loc, key)] = fixed
        return fixed

    def _memo_label(self, memo_key: tuple[Any, ...], text: str) -> None:
        if len(self._labels) >= LABEL_MEMO_SIZE:
            self._labels.clear()
        self._labels[memo_key] = text

    def locale_for(self, user: Any = None, locale: str | None = None) -> str:
        """The locale to speak: `locale` if given, else the user's Telegram language_code,
        reduced to its language ("es-MX" -> "es"); anything unknown falls back to the
        configured default."""
        raw = locale or getattr(user, "language_code", None) or ""
        lang = str(raw).strip().lower().replace("_", "-").split("-")[0]
        if lang in self.catalogue.entries:
            return lang
        return self.settings.default_locale

    def time_of_day(self) -> TimeOfDay:
        """The current part of the day in the configured timezone."""
        return time_of_day(self._now(), self.tz)

    # ---------------------------------------------------------------- rendering

    async def _creator(self) -> str:
        if self.creator_source is not None:
            try:
                name = await self.creator_source()
            except Exception:  # a hook point: never let it break a reply
                log.exception("voice: creator name source failed")
            else:
                if name:
                    return name
        return self.creator_name

    async def _render(
        self, key: str, user: Any, locale: str | None, context: dict[str, Any], *, button: bool
    ) -> tuple[str, bool]:
        """The text, and whether it came from the catalogue (not the plain fallback)."""
        declared = self.messages.get(key)
        if declared is None:
            log.warning("message key %s was never declared", key)
            return key, False
        loc = self.locale_for(user, locale)
        values = dict(context)
        values.setdefault("name", display_name(user))
        values.setdefault("creator", await self._creator())
        variants = self.catalogue.variants(loc, key)
        if not variants:
            log.warning("message %s has no catalogue entry for locale %s", key, loc)
            return self._plain(declared, values, loc, escape=not button), False
        moment = self.time_of_day()
        role = values.get("role")
        memo_key: tuple[Any, ...] | None = None
        if button:
            # A label depends only on these, and menus render the same few on every
            # update: remember the text (never stale: everything it depends on is the key).
            memo_key = (key, loc, moment, self.tz, tuple(values.items()))
            try:
                memoised = self._labels.get(memo_key)
            except TypeError:  # an unhashable context value: render every time
                memo_key, memoised = None, None
            if memoised is not None:
                return memoised, True
        fitting = [v for v in variants if v.fits(moment, role)] or [
            v for v in variants if v.time_of_day is None and v.role is None
        ]
        if not fitting:
            fitting = variants
        if button:
            variant = fitting[0]
        else:
            variant = await self._choose(key, loc, user, fitting)
        text, problems = render_variant(
            variant.text, values, locale=loc, tz=self.tz, escape=not button
        )
        if problems:
            log.warning(
                "message %s (%s, variant %d): %s; using the plain default",
                key, loc, variant.index, "; ".join(problems),
            )  # fmt: skip
            return self._plain(declared, values, loc, escape=not button), False
        if memo_key is not None:
            self._memo_label(memo_key, text)
        return text, True

    def _plain(
        self, declared: MessageKey, values: Mapping[str, Any], loc: str, escape: bool
    ) -> str:
        """The declared default, formatted like the core's plain voice (dates localised)."""
        plain: dict[str, Any] = {}
        for k, v in values.items():
            if isinstance(v, date):
                v = format_date(v, loc, self.tz)
            if isinstance(v, str) and escape:
                v = html.escape(v, quote=False)
            plain[k] = v
        text, missing = render_template(declared.default, declared.key, plain)
        if missing:
            log.warning("message %s: missing placeholders %s", declared.key, ", ".join(missing))
        return text

    # ---------------------------------------------------------------- variation

    async def _choose(self, key: str, loc: str, user: Any, variants: list[Variant]) -> Variant:
        if len(variants) == 1:
            return variants[0]
        user_id = getattr(user, "id", None)
        if user_id is None:
            return self.rng.choices(variants, weights=[v.weight for v in variants])[0]
        memory_key = f"{user_id}:{loc}:{key}"
        last = await self._recall(memory_key)
        pool = [v for v in variants if v.index != last]
        if len(pool) == len(variants):
            weights = [v.weight for v in pool]
        else:
            balanced = self._balanced_for(tuple(v.weight for v in variants))
            weights = [b for v, b in zip(variants, balanced, strict=True) if v.index != last]
        choice = self.rng.choices(pool, weights=weights)[0]
        await self._remember(memory_key, choice.index)
        return choice

    def _balanced_for(self, weights: tuple[float, ...]) -> list[float]:
        try:
            return self._balanced[weights]
        except KeyError:
            result = self._balanced[weights] = balanced_weights(weights)
            return result

    def _cache_or_none(self) -> Any:
        if self._cache is None:
            return None
        try:
            return self._cache()
        except Exception:  # no state yet (tests, early startup): remember locally
            return None

    async def _recall(self, memory_key: str) -> int | None:
        cache = self._cache_or_none()
        if cache is not None:
            try:
                value = await cache.get(CACHE_NAMESPACE, memory_key)
            except Exception:
                log.debug("voice: cache read failed; using local memory", exc_info=True)
            else:
                if value is not None:
                    try:
                        return int(value)
                    except (TypeError, ValueError):
                        return None
        return self._local_memory.get(memory_key)

    async def _remember(self, memory_key: str, index: int) -> None:
        self._local_memory[memory_key] = index
        if len(self._local_memory) > 100_000:  # bound the in-process fallback
            self._local_memory.clear()
            self._local_memory[memory_key] = index
        cache = self._cache_or_none()
        if cache is not None:
            try:
                # Write-behind: the memory need not be broadcast nor cost a round trip
                # per message; other replicas see it a moment later through Redis.
                cache.remember(CACHE_NAMESPACE, memory_key, index)
            except Exception:
                log.debug("voice: cache write failed; kept in local memory", exc_info=True)


def declared_messages(sources: Iterable[Iterable[MessageKey]]) -> dict[str, MessageKey]:
    """Merge message lists into one mapping by key (later duplicates are ignored, logged)."""
    merged: dict[str, MessageKey] = {}
    for source in sources:
        for message in source:
            if message.key in merged:
                log.warning("message key %s declared twice", message.key)
                continue
            merged[message.key] = message
    return merged
