"""Message templates in a locale: plurals, numbers, dates and durations through Babel.

Every text a user sees (a plugin's plain default, a line of the voice's catalogue) is a
`str.format` template. A placeholder may name one of these formats:

==============================================  =============================================
``{n}``                                         the value as is; a float or Decimal as the
                                                locale writes numbers, a date as a long date
``{n:number}``                                  a number as the locale writes it
                                                ("10.080" / "10,080")
``{when:date}``                                 a long date ("5 de marzo de 2027" /
                                                "March 5, 2027")
``{when:datetime}``                             a long date and the time of day
``{n:days}``                                    days with CLDR's unit ("1 día", "30 días")
``{n:minutes}``                                 a duration ("1 hora y 30 minutos",
                                                "1 day, 1 hour, and 1 minute")
``{price:money}``                               a `Money` (amount and ISO 4217 currency) as
                                                the locale writes prices ("9,99 US$" /
                                                "$9.99"); a plain ``{price}`` reads the same
``{n:plural:one=# red guardada|other=# redes    the form of n's CLDR plural category in the
guardadas}``                                    locale ("1 red guardada", "2 redes guardadas")
==============================================  =============================================

Plural forms: `category=text` separated by `|`. Categories are CLDR's (zero, one, two,
few, many, other) or an exact number (`0=ninguna red`), which wins over the category.
`other` is required: a category the locale has but the template omits (Spanish `many`,
for a million) reads as `other`. In the text, `#` is the number as the locale writes it;
the text may carry markup but no braces, `|` nor other placeholders. Integers are written
as they are unless formatted (`{user_id}` is an identifier, not a quantity).

Dates and times are shown in the timezone given (the creator's, in the voice) and the
locale's words. Naive datetimes are taken as UTC, like every time in the project.

Prices are `Money` values: the currency travels with the amount, so a template needs one
placeholder and the locale decides the symbol, its place and the decimals (CLDR's
currency digits). `{price:number}` writes the amount alone.

Lines the voice already rendered (a list built one catalogue line per item) are passed
as `Markup`: placed as they are, never escaped a second time. Only the voice's own
output is Markup; anything a user wrote is a plain `str`, and is escaped.
"""

from __future__ import annotations

import html
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from babel import lists as babel_lists
from babel import numbers as babel_numbers
from babel import units as babel_units

PLURAL_CATEGORIES: tuple[str, ...] = ("zero", "one", "two", "few", "many", "other")
# The formats a placeholder may name, besides `plural:...`.
FORMAT_SPECS: frozenset[str] = frozenset(
    {"", "number", "date", "datetime", "days", "minutes", "money"}
)
PLURAL_PREFIX = "plural:"
FALLBACK_LOCALE = "en"

Number = int | float | Decimal


class FormatError(ValueError):
    """A template or a value that cannot be formatted (unknown format, a count that is not
    a number, malformed plural forms)."""


@dataclass(frozen=True)
class Money:
    """An amount in a currency (ISO 4217 code: "USD", "EUR"), as templates receive prices.

    Frozen (hashable): button labels are remembered by their context.
    """

    amount: Decimal
    currency: str

    @classmethod
    def from_minor(cls, minor: int, currency: str, digits: int = 2) -> Money:
        """From an amount in minor units: `Money.from_minor(999, "USD")` is 9.99 USD."""
        return cls(Decimal(minor).scaleb(-digits), currency.upper())

    def __str__(self) -> str:
        # What a lenient default shows when formatting fails: still a readable price.
        return f"{self.amount} {self.currency}"


class Markup(str):
    """HTML the voice already rendered (values escaped, the catalogue's own markup):
    placed as is in another template, never escaped again. Never wrap user input."""

    __slots__ = ()


@lru_cache(maxsize=64)
def babel_locale(code: str) -> Locale:
    """Babel's locale for a language code ("es", "en", "pt_BR"); unknown ones read as English."""
    try:
        return Locale.parse(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse(FALLBACK_LOCALE)


def as_number(value: Any) -> Number:
    """`value` as a number (numeric strings accepted); FormatError for anything else."""
    if isinstance(value, bool):
        raise FormatError(f"expected a number, got {value!r}")
    if isinstance(value, int | float | Decimal):
        return value
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise FormatError(f"expected a number, got {value!r}") from exc
    return int(number) if number == number.to_integral_value() else number


def format_number(value: Any, locale: str) -> str:
    """A number as the locale writes it: "10.080" / "10,080", "3,25" / "3.25"."""
    return _format_number(as_number(value), locale)


# Babel takes tens of microseconds per call; the same few counts, days and dates are
# formatted on every update, so the results are kept (all are pure functions).
@lru_cache(maxsize=4096)
def _format_number(number: Number, locale: str) -> str:
    return str(babel_numbers.format_decimal(number, locale=babel_locale(locale)))


def format_money(value: Money, locale: str) -> str:
    """A price as the locale writes it: "9,99 US$" / "$9.99", "1,50 €" / "€1.50"."""
    return _format_money(value.amount, value.currency, locale)


@lru_cache(maxsize=1024)
def _format_money(amount: Decimal, currency: str, locale: str) -> str:
    return str(babel_numbers.format_currency(amount, currency, locale=babel_locale(locale)))


def _local(value: datetime, tz: tzinfo) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # the project's times are UTC
    return value.astimezone(tz)


def format_date(value: date | datetime, locale: str, tz: tzinfo = UTC) -> str:
    """A long date in the locale: "5 de marzo de 2027" / "March 5, 2027" (the day in `tz`)."""
    if isinstance(value, datetime):
        value = _local(value, tz).date()
    return _long_date(value, locale)


@lru_cache(maxsize=1024)
def _long_date(day: date, locale: str) -> str:
    return str(babel_dates.format_date(day, "long", locale=babel_locale(locale)))


def format_datetime(value: date | datetime, locale: str, tz: tzinfo = UTC) -> str:
    """A long date and the time of day in `tz`: "5 de marzo de 2027, 12:30" /
    "March 5, 2027, 12:30 PM" (the locale's own way of joining them)."""
    if not isinstance(value, datetime):
        return format_date(value, locale, tz)
    loc = babel_locale(locale)
    local = _local(value, tz)
    time = babel_dates.format_time(local, "short", locale=loc)
    day = babel_dates.format_date(local.date(), "long", locale=loc)
    pattern = str(babel_dates.get_datetime_format("long", locale=loc))
    return pattern.replace("{1}", str(day)).replace("{0}", str(time))


@lru_cache(maxsize=4096)
def _unit(value: Number, unit: str, locale: str) -> str:
    text = babel_units.format_unit(value, unit, length="long", locale=babel_locale(locale))
    return str(text)


def format_days(value: Any, locale: str) -> str:
    """A number of days with its unit: "1 día", "30 días" / "1 day", "30 days"."""
    return _unit(as_number(value), "duration-day", locale)


def format_minutes(value: Any, locale: str) -> str:
    """A duration in minutes, read naturally: "45 minutos", "1 hora y 30 minutos"."""
    total = max(0, int(as_number(value)))
    days, rest = divmod(total, 1440)
    hours, minutes = divmod(rest, 60)
    units = (("duration-day", days), ("duration-hour", hours), ("duration-minute", minutes))
    parts = [_unit(n, unit, locale) for unit, n in units if n]
    if not parts:
        return _unit(0, "duration-minute", locale)
    return str(babel_lists.format_list(parts, locale=babel_locale(locale)))


@lru_cache(maxsize=2048)
def parse_plural(forms: str) -> dict[str, str]:
    """The forms of a `plural:` format (without the prefix), by category or exact number."""
    parsed: dict[str, str] = {}
    for part in forms.split("|"):
        category, sep, text = part.partition("=")
        category = category.strip()
        if not sep:
            raise FormatError(f"plural form {part!r} needs category=text")
        if category not in PLURAL_CATEGORIES and not _is_exact(category):
            raise FormatError(f"unknown plural category {category!r}")
        if category in parsed:
            raise FormatError(f"plural category {category!r} given twice")
        parsed[category] = text
    if "other" not in parsed:
        raise FormatError("plural forms need an 'other' form")
    return parsed


def _is_exact(category: str) -> bool:
    try:
        Decimal(category)
    except InvalidOperation:
        return False
    return True


def plural_category(value: Any, locale: str) -> str:
    """CLDR's plural category of `value` in the locale ("one", "other", "many", ...)."""
    return _plural_category(as_number(value), locale)


@lru_cache(maxsize=4096)
def _plural_category(number: Number, locale: str) -> str:
    return str(babel_locale(locale).plural_form(number))


def format_plural(value: Any, forms: str, locale: str) -> str:
    """The form of `forms` for `value` in the locale, `#` replaced by the number."""
    number = as_number(value)
    parsed = parse_plural(forms)
    chosen = next((t for c, t in parsed.items() if _is_exact(c) and Decimal(c) == number), None)
    if chosen is None:
        chosen = parsed.get(plural_category(number, locale), parsed["other"])
    return chosen.replace("#", format_number(number, locale))


def format_value(value: Any, spec: str, locale: str, tz: tzinfo = UTC) -> tuple[str, bool]:
    """`value` formatted by `spec`; the flag says the text is the template's own markup
    (a plural form), not a value to escape. FormatError for an unknown spec."""
    if spec.startswith(PLURAL_PREFIX):
        return format_plural(value, spec[len(PLURAL_PREFIX) :], locale), True
    if spec not in FORMAT_SPECS:
        raise FormatError(f"unknown format :{spec}")
    if isinstance(value, Money):
        if spec in ("", "money"):
            return format_money(value, locale), False
        if spec == "number":
            return format_number(value.amount, locale), False
        raise FormatError(f"a price cannot be formatted as :{spec}")
    if spec == "money":
        raise FormatError(f"expected Money, got {value!r}")
    if spec == "days":
        return format_days(value, locale), False
    if spec == "minutes":
        return format_minutes(value, locale), False
    if spec == "number":
        return format_number(value, locale), False
    if isinstance(value, date):
        if spec == "datetime":
            return format_datetime(value, locale, tz), False
        return format_date(value, locale, tz), False
    if spec in ("date", "datetime"):
        raise FormatError(f"expected a date, got {value!r}")
    if value is None:
        return "", False
    if isinstance(value, float | Decimal):
        return format_number(value, locale), False
    return str(value), False


def template_fields(template: str) -> list[tuple[str, str]]:
    """The (placeholder, format) pairs of a template; ValueError if malformed."""
    return [
        (name, spec or "")
        for _, name, spec, _ in string.Formatter().parse(template)
        if name is not None
    ]


def spec_problem(spec: str) -> str | None:
    """What is wrong with a placeholder's format, or None when it is one of the above."""
    if spec.startswith(PLURAL_PREFIX):
        forms = spec[len(PLURAL_PREFIX) :]
        try:
            parse_plural(forms)
        except FormatError as exc:
            return str(exc)
        if "{" in forms or "}" in forms:
            return "plural forms cannot hold placeholders"
        return None
    return None if spec in FORMAT_SPECS else f"unknown format :{spec}"


class TemplateFormatter(string.Formatter):
    """Formats a template in a locale; values (never the template's markup) are escaped.

    Strict (the catalogue's lines): an unknown format, a conversion or an attribute access
    is a FormatError. Lenient (plain defaults written before this syntax, `{when:%Y}`):
    an unknown format is handed to Python's `format`. Missing placeholders are collected
    in `missing` and left as `{name}`.
    """

    def __init__(self, locale: str, tz: tzinfo = UTC, *, escape: bool = True, strict: bool = True):
        super().__init__()
        self.locale = locale
        self.tz = tz
        self.escape = escape
        self.strict = strict
        self.missing: list[str] = []

    def get_field(self, field_name: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Any:
        if field_name in kwargs:  # the usual case, without the generic lookup
            return kwargs[field_name], field_name
        if self.strict and not field_name.isidentifier():
            # No attribute or index access from a template.
            raise FormatError(f"unsupported placeholder {{{field_name}}}")
        if not field_name.isidentifier():
            return super().get_field(field_name, args, kwargs)  # lenient: `{user.name}`
        self.missing.append(field_name)
        return _Missing(field_name), field_name

    def convert_field(self, value: Any, conversion: str | None) -> Any:
        if conversion is None:
            return value
        if self.strict:
            raise FormatError(f"unsupported conversion !{conversion}")
        return super().convert_field(value, conversion)

    def format_field(self, value: Any, format_spec: str) -> str:
        if not format_spec and type(value) is str:  # the usual case: a name, a title
            return html.escape(value, quote=False) if self.escape else value
        if not format_spec and isinstance(value, Markup):  # already rendered: as is
            return str(value)
        if isinstance(value, _Missing):
            return "{" + value.name + "}"
        try:
            text, markup = format_value(value, format_spec, self.locale, self.tz)
        except FormatError:
            if self.strict:
                raise
            text, markup = self._lenient(value, format_spec)
        return html.escape(text, quote=False) if self.escape and not markup else text

    def _lenient(self, value: Any, spec: str) -> tuple[str, bool]:
        """A plain default's value the formats refuse: said as well as it can be, never
        the raw template (a count that is not a number takes the `other` form)."""
        shown = str(value)
        if self.escape:
            shown = html.escape(shown, quote=False)
        if spec.startswith(PLURAL_PREFIX):
            forms = parse_plural(spec[len(PLURAL_PREFIX) :])  # malformed forms do raise
            return forms["other"].replace("#", shown), True
        if spec in FORMAT_SPECS:
            return shown, True
        return format(value, spec), False


class _Missing:
    """A placeholder the context lacks: written back as `{name}` (and reported)."""

    def __init__(self, name: str):
        self.name = name


def render(
    template: str,
    context: Mapping[str, Any],
    *,
    locale: str,
    tz: tzinfo = UTC,
    escape: bool = True,
    strict: bool = True,
) -> tuple[str, list[str]]:
    """Format `template`; return the text and what went wrong (empty when nothing did).

    Raises nothing: a malformed template or a value that cannot be formatted is reported
    and the template itself is returned.
    """
    formatter = TemplateFormatter(locale, tz, escape=escape, strict=strict)
    try:
        text = formatter.vformat(template, (), context)
    except FormatError as exc:
        return template, [str(exc)]
    except (ValueError, TypeError, IndexError, KeyError, AttributeError) as exc:
        return template, [f"bad template ({exc})"]
    if formatter.missing:
        return text, [f"missing placeholders {', '.join(formatter.missing)}"]
    return text, []
