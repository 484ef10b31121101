"""Lucien's voice: the renderer (`CatalogueVoice`) and the voice's settings.

The voice renders every enabled plugin's catalogue (see `catalogues`: one
`catalogue/<locale>.json` per plugin, a list of variants per key, gathered through the
`lucien_catalogue` hook). It picks a variant that fits the time of day (in the creator's
timezone) and the user's role (any role a plugin declares; lines written for the role
come before the general ones, and lines for role "creator" before any for the creator
herself, `VOICE_CREATOR_ID`), weighted and never the same twice in a row for a user, in
the user's locale (the configured default when the plugin has no lines in the user's
language).

It also gives the house style's header (`frame_header`, "🎩 <b>Lucien:</b>" and a line
break; `VOICE_HOUSE_STYLE=false` for none), which the core puts before every text to a
private chat: catalogue lines never write it. Narration and asides go in `<i>...</i>`.

Placeholders are the context the declaring plugin passes, plus `{name}` (the user's
display name), `{creator}` (the creator's name) and the house's names in their forms
(`{divan}`, `{del_divan}`, `{circle}`, `{Vestibule}`...: see `names`; never write "de
{divan}", which would read "de el Diván"). Values are formatted in the user's
locale through Babel, then HTML-escaped (user-provided text is never markup); the formats
are the core's (`lucien.core.formatting`), the same for the plain defaults:

- `{when}` / `{when:date}`: a date as the locale writes it ("5 de marzo de 2027",
  "March 5, 2027"); `{when:datetime}` adds the time of day, in the creator's timezone;
- `{n:number}`: a number as the locale writes it ("10.080", "10,080"); floats and
  Decimals always are; a plain `{n}` integer is written as is (it may be an id);
- `{n:days}`: "1 día" / "30 días"; `{n:minutes}`: "1 hora y 30 minutos" (CLDR units);
- `{price:money}` (or `{price}`): a `Money` (amount and ISO 4217 currency, from
  `lucien.core.formatting`) as the locale writes prices ("9,99 US$" / "$9.99");
  `{price:number}` is the amount alone. Buttons take it the same way;
- a `Markup` value (lines the voice already rendered, joined: a list built one catalogue
  line per item) is placed as is, not escaped twice;
- plurals, by CLDR's rules for the locale::

      {count:plural:one=# red guardada|other=# redes guardadas}
      {count:plural:0=ninguna red|one=# red guardada|other=# redes guardadas}

  `#` is the number as the locale writes it; categories are zero, one, two, few, many,
  other (required) or an exact number, which wins; a category missing for the locale
  (Spanish `many`, a million) reads as `other`. A form may carry markup, no braces nor
  `|`. Never write a plural by hand (`{n} día(s)`, `"s" if n != 1`): `lucien voice check`
  reports a placeholder counted in one line of a language and bare in another, and
  categories the language does not have.

A variant with a missing or unknown placeholder, a malformed template or a value that
cannot be formatted is never shown: the voice logs it and renders the plugin's plain
default instead. An undeclared key is logged and returned as is, like the core's voice.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, tzinfo
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from lucien.core.formatting import render, template_fields
from lucien.core.plugin import MessageKey
from lucien.core.voice import display_name, render_default
from lucien.plugins.voice.catalogues import Catalogue, Variant, load_catalogue
from lucien.plugins.voice.names import DEFAULTS, PLACEHOLDERS, name_forms, stems_in
from lucien.plugins.voice.variation import CacheGetter, Variation

log = logging.getLogger("lucien.voice")

# The locales every declared key needs lines in (a plugin may ship more).
LOCALES: tuple[str, ...] = ("es", "en")
# Placeholders the voice itself provides, on top of what the declaring plugin passes.
# The house's names come in four forms each ({divan}, {Divan}, {del_divan}, {al_divan}...:
# see `names`), the values admins set from chat.
VOICE_PLACEHOLDERS: frozenset[str] = frozenset({"name", "creator"}) | PLACEHOLDERS
LABEL_MEMO_SIZE = 10_000  # rendered button labels kept (cleared when full)

TimeOfDay = Literal["morning", "afternoon", "evening", "night"]

# The house style's header (`frame_header`): Lucien's emblem and name in bold, his words
# on the next line. The core puts it before every text to a private chat.
HOUSE_HEADER = "🎩 <b>Lucien:</b>\n"
# The role a variant names to be said to the creator herself (VOICE_CREATOR_ID), whatever
# her role: she is the lady of the house, not one of its visitors.
CREATOR_ROLE = "creator"
# The lady of the house is greeted as such only as a custodian (the admin plugin's role,
# the one catalogues write "role": "admin"): an account set by mistake, or not yet made an
# admin, would be greeted as the lady and then shown the visitor's menu and refusals.
CUSTODIAN_ROLE = "admin"


class VoiceSettings(BaseSettings):
    """Settings of the voice plugin (environment prefix `VOICE_`)."""

    model_config = SettingsConfigDict(env_prefix="VOICE_", extra="ignore")

    default_locale: Literal["es", "en"] = "es"
    # Editable from chat by admins (the admin plugin discovers fields marked this way).
    creator_name: str = Field(
        default="Diana",
        min_length=1,
        max_length=64,
        json_schema_extra={"lucien": {"editable": True, "kind": "text"}},
    )
    timezone: str = Field(
        default="America/Mexico_City",
        json_schema_extra={"lucien": {"editable": True, "kind": "timezone"}},
    )
    # The header before every private message (HOUSE_HEADER). Environment only (the
    # configuration screens edit no yes/no value); the test harness turns the frame off.
    house_style: bool = True
    # The creator's Telegram id: lines written for role "creator" are said to her. Unset,
    # nobody is greeted as the lady of the house. `VOICE_CREATOR_ID` is the default; admins
    # change it from chat, and every render reads the value in force (see `lucien_voice`).
    creator_id: int | None = Field(
        default=None, ge=1, json_schema_extra={"lucien": {"editable": True, "kind": "int"}}
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


# --------------------------------------------------------------------------- rendering


def time_of_day(moment: datetime, tz: tzinfo) -> TimeOfDay:
    """Morning (5-12), afternoon (12-19), evening (19-23) or night, in timezone `tz`."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    hour = moment.astimezone(tz).hour
    if 5 <= hour < 12:
        return "morning"
    if 12 <= hour < 19:
        return "afternoon"
    if 19 <= hour < 23:
        return "evening"
    return "night"


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
    return render(template, context, locale=locale, tz=tz, escape=escape, strict=True)


def fitting_variants(variants: list[Variant], moment: str, roles: tuple[Any, ...]) -> list[Variant]:
    """The variants to draw from at `moment` for someone of `roles` (most specific first).

    Lines written for a role are said to that role alone and, when one fits, instead of
    the general ones: an admin is greeted as a custodian every time, not one time in
    four. Then the general lines that fit the time of day; then the untimed general ones;
    then anything (a key written only for roles nobody has).
    """
    general: list[Variant] = []
    own: dict[str, list[Variant]] = {}
    for v in variants:
        if v.time_of_day is not None and v.time_of_day != moment:
            continue
        if v.role is None:
            general.append(v)
        elif v.role in roles:
            own.setdefault(v.role, []).append(v)
    for role in roles:
        if role in own:
            return own[role]
    return general or [v for v in variants if v.time_of_day is None and v.role is None] or variants


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
        self.creator_id = self.settings.creator_id
        # Read by the core once, when the bot is built (`lucien.core.framing`).
        self.frame_header = HOUSE_HEADER if self.settings.house_style else ""
        self.creator_source: Callable[[], Awaitable[str | None]] | None = None
        # The house's names in force for a locale (stem -> name, as stored): the plugins'
        # settings, read on every render that uses one; None: the defaults.
        self.names_source: Callable[[str, frozenset[str]], Awaitable[Mapping[str, str]]] | None = (
            None
        )
        self._key_stems: dict[tuple[str, str], frozenset[str]] = {}  # see _stems_of
        self._now = now or (lambda: datetime.now(UTC))
        self.variation = Variation(rng or random.Random(self.settings.seed), cache)
        self._labels: dict[tuple[Any, ...], str] = {}  # rendered button labels
        self._fixed_keys: dict[tuple[str, str], bool] = {}  # (locale, key) -> see _fixed

    @property
    def rng(self) -> random.Random:
        """The draw's random source (seeded by `VOICE_SEED` for reproducible lines)."""
        return self.variation.rng

    @rng.setter
    def rng(self, value: random.Random) -> None:
        self.variation.rng = value

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
            _, variants = self._lines(loc, key)
            try:
                fixed = bool(variants) and all(
                    v.time_of_day is None
                    and v.role is None
                    and not ({"name", "creator"} | PLACEHOLDERS)
                    & {f for f, _ in template_fields(v.text)}
                    for v in variants
                )
            except ValueError:  # a malformed template: the full path reports it
                fixed = False
            self._fixed_keys[(loc, key)] = fixed
        return fixed

    def _stems_of(self, loc: str, key: str, variants: list[Variant]) -> frozenset[str]:
        """The house's names some variant of `key` says (so that they are read only for
        the lines that need them)."""
        stems = self._key_stems.get((loc, key))
        if stems is None:
            used: set[str] = set()
            for v in variants:
                try:
                    used |= stems_in(f for f, _ in template_fields(v.text))
                except ValueError:  # a malformed template: the render reports it
                    continue
            stems = self._key_stems[(loc, key)] = frozenset(used)
        return stems

    async def _names(self, loc: str, stems: frozenset[str]) -> dict[str, str]:
        """The forms of the names `stems` in force for `loc` (the defaults on failure)."""
        lang = loc if loc in DEFAULTS else "en"
        names: Mapping[str, str] = {}
        if self.names_source is not None:
            try:
                names = await self.names_source(loc, stems)
            except Exception:  # a hook point: never let it break a reply
                log.exception("voice: the house's names could not be read")
        forms: dict[str, str] = {}
        for stem in stems:
            forms.update(name_forms(stem, names.get(stem) or DEFAULTS[lang][stem], loc))
        return forms

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

    def _lines(self, loc: str, key: str) -> tuple[str, list[Variant]]:
        """The variants of `key` to speak in `loc`, and their locale: the default locale's
        when a plugin has no lines in the user's (a third-party plugin may ship fewer)."""
        variants = self.catalogue.variants(loc, key)
        if variants or loc == self.settings.default_locale:
            return loc, variants
        return self.settings.default_locale, self.catalogue.variants(
            self.settings.default_locale, key
        )

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
        loc, variants = self._lines(loc, key)
        if not variants:
            log.warning("message %s has no catalogue entry for locale %s", key, loc)
            return self._plain(declared, values, escape=not button), False
        stems = self._stems_of(loc, key, variants)
        if stems:  # before the label memo below: its key holds the names in force
            for form, said in (await self._names(loc, stems)).items():
                values.setdefault(form, said)
        moment = self.time_of_day()
        role = values.get("role")
        if (
            self.creator_id is not None
            and getattr(user, "id", None) == self.creator_id
            and role == CUSTODIAN_ROLE
        ):
            roles: tuple[Any, ...] = (CREATOR_ROLE, role)
        else:
            roles = (role,)
        memo_key: tuple[Any, ...] | None = None
        if button:
            # A label depends only on these, and menus render the same few on every
            # update: remember the text (never stale: everything it depends on is the key).
            memo_key = (key, loc, moment, self.tz, roles, tuple(values.items()))
            try:
                memoised = self._labels.get(memo_key)
            except TypeError:  # an unhashable context value: render every time
                memo_key, memoised = None, None
            if memoised is not None:
                return memoised, True
        fitting = fitting_variants(variants, moment, roles)
        if button:
            variant = fitting[0]
        else:
            user_id = getattr(user, "id", None)
            memory = None if user_id is None else f"{user_id}:{loc}:{key}"
            variant = await self.variation.choose(memory, fitting)
        text, problems = render_variant(
            variant.text, values, locale=loc, tz=self.tz, escape=not button
        )
        if problems:
            log.warning(
                "message %s (%s, variant %d): %s; using the plain default",
                key, loc, variant.index, "; ".join(problems),
            )  # fmt: skip
            return self._plain(declared, values, escape=not button), False
        if memo_key is not None:
            self._memo_label(memo_key, text)
        return text, True

    def _plain(self, declared: MessageKey, values: Mapping[str, Any], escape: bool) -> str:
        """The declared default, formatted like the core's plain voice (in English, the
        language defaults are written in), dates in the creator's timezone."""
        return render_default(declared, values, escape=escape, tz=self.tz)
