"""Every declared key renders in both locales, cleanly, in valid Telegram HTML."""

from __future__ import annotations

import logging
import re
from datetime import UTC, date, datetime, timedelta

import pytest

from lucien.core.formatting import Money
from lucien.plugins.voice.catalogues import TIMES_OF_DAY
from lucien.plugins.voice.check import check_catalogue, collect_messages, telegram_html_problems
from lucien.plugins.voice.names import DEFAULTS, STEMS, name_forms
from lucien.plugins.voice.services import LOCALES, render_variant

from .conftest import FakeUser

DATES = {"end_date", "expires", "when"}
NUMBERS = {
    "days", "days_left", "count", "sent", "total", "failed", "passed", "warned",
    "minutes", "current_minutes", "wait_minutes", "minutes_left", "max_minutes",
    "max_days", "user_id", "duration", "pending", "skipped", "done", "max", "hits",
    "lookups", "uptime",
}  # fmt: skip
# One moment in each part of the day in Mexico City (UTC-6).
MOMENTS = {
    "morning": datetime(2027, 3, 5, 15, 0, tzinfo=UTC),
    "afternoon": datetime(2027, 3, 5, 21, 0, tzinfo=UTC),
    "evening": datetime(2027, 3, 6, 2, 0, tzinfo=UTC),
    "night": datetime(2027, 3, 6, 7, 0, tzinfo=UTC),
}


# How a placeholder is formatted in a line says what it holds: {due:datetime}, {n:plural...}.
_FORMATTED = re.compile(r"\{(\w+):(\w+)")
_DATE_FORMATS = {"date", "datetime", "time"}
_NUMBER_FORMATS = {"number", "plural", "days", "minutes", "hours"}


def formats_in(catalogue, key: str) -> dict[str, str]:
    """Placeholder -> the format a line of `key` gives it, in any locale."""
    found: dict[str, str] = {}
    for locale in LOCALES:
        for variant in catalogue.variants(locale, key):
            for name, spec in _FORMATTED.findall(variant.text):
                found.setdefault(name, spec)
    return found


def sample_context(
    names: tuple[str, ...], formats: dict[str, str] | None = None
) -> dict[str, object]:
    """Plausible values for a key's declared context (typed by the lines' formats, else
    by the usual names)."""
    formats = formats or {}
    context: dict[str, object] = {}
    for name in names:
        spec = formats.get(name)
        if name in DATES or spec in _DATE_FORMATS:
            context[name] = datetime(2027, 3, 5, 18, 30, tzinfo=UTC)
        elif name in NUMBERS or spec in _NUMBER_FORMATS:
            context[name] = 30
        elif name == "price" or spec == "money":
            context[name] = Money.from_minor(999, "USD")
        elif name == "link":
            context[name] = "https://t.me/+AbCdEf123"
        else:
            context[name] = f"{name} <i>&</i>"  # user-ish text must come out escaped
    context.pop("name", None)  # the voice takes it from the user
    return context


def assert_clean(text: str, where: str, button: bool = False) -> None:
    """No unresolved placeholder; valid Telegram HTML (button labels are plain text)."""
    assert "{" not in text and "}" not in text, f"{where}: stray braces in {text!r}"
    if button:
        return
    problems = telegram_html_problems(text)
    assert not problems, f"{where}: {problems} in {text!r}"


def test_catalogue_agrees_with_declared_keys(declared, catalogue):
    assert check_catalogue(declared, catalogue) == []


def test_check_through_entry_points_finds_the_same_keys(declared):
    collected = collect_messages()
    assert set(declared) <= set(collected)


def test_check_reports_both_directions(declared, catalogue):
    extra = dict(declared)
    from lucien.core.plugin import MessageKey

    extra["vip.new_thing"] = MessageKey("vip.new_thing", "A new thing.")
    del extra["greeting.new"]
    problems = check_catalogue(extra, catalogue)
    assert "es: vip.new_thing is declared but has no catalogue entry" in problems
    assert "en: vip.new_thing is declared but has no catalogue entry" in problems
    assert any("greeting.new is in the catalogue but nobody declares it" in p for p in problems)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_variant_renders_cleanly(declared, catalogue, locale):
    for key, message in declared.items():
        context = sample_context(message.context, formats_in(catalogue, key)) | {
            "name": "Ana",
            "creator": "Diana",
        }
        for stem in STEMS:  # the house's names, in their forms, as the voice gives them
            context |= name_forms(stem, DEFAULTS[locale][stem], locale)
        variants = catalogue.variants(locale, key)
        assert variants, f"{locale}: no variants for {key}"
        for variant in variants:
            text, problems = render_variant(
                variant.text, context, locale=locale, escape=not message.button
            )
            where = f"{locale}:{key}#{variant.index}"
            assert problems == [], f"{where}: {problems}"
            assert_clean(text, where, message.button)
            if message.button:
                assert "\n" not in text and len(text) <= 40, f"{where}: label too long"


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("moment", list(MOMENTS))
async def test_every_key_says_something_at_every_hour(
    make_voice, declared, catalogue, locale, moment, caplog
):
    voice = make_voice(now=MOMENTS[moment])
    assert voice.time_of_day() == moment
    user = FakeUser(first_name="Ana", language_code=locale)
    with caplog.at_level(logging.WARNING, logger="lucien.voice"):
        for key, message in declared.items():
            context = sample_context(message.context, formats_in(catalogue, key))
            render = voice.button if message.button else voice.say
            text = await render(key, user=user, **context)
            assert text and text != key
            assert_clean(text, f"{locale}:{key}@{moment}", message.button)
    assert caplog.records == [], [r.getMessage() for r in caplog.records]


@pytest.mark.parametrize("locale", LOCALES)
def test_voice_lines_follow_the_house_style(catalogue, declared, locale):
    for key in declared:
        for variant in catalogue.variants(locale, key):
            assert variant.text.count("🎩") <= 1, f"{key}: one emoji at most"
            assert not re.search(r"[\U0001F300-\U0001FAFF]", variant.text.replace("🎩", "")), key
            if locale == "es":
                lowered = variant.text.lower()
                assert not re.search(r"\b(tú|tu|te|ti|contigo|eres|quieres|puedes)\b", lowered), (
                    f"{key}: Lucien always says usted: {variant.text!r}"
                )


def test_frequent_keys_have_at_least_three_variants(catalogue):
    frequent = [
        "greeting.new", "greeting.returning", "menu.header.admin", "menu.header.vip",
        "menu.header.free", "error.generic", "error.state_unavailable",
        "error.unknown_command", "vip.redeemed", "vip.menu",
    ]  # fmt: skip
    for locale in LOCALES:
        for key in frequent:
            untimed = [v for v in catalogue.variants(locale, key) if v.time_of_day is None]
            assert len(untimed) >= 3, f"{locale}:{key}"


def test_time_of_day_lines_exist_for_greetings(catalogue):
    for locale in LOCALES:
        for key in ("greeting.new", "greeting.returning"):
            times = {v.time_of_day for v in catalogue.variants(locale, key)}
            assert set(TIMES_OF_DAY) <= times


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("es", "5 de marzo de 2027"), ("en", "March 5, 2027")],
)
async def test_dates_are_written_for_the_locale(make_voice, locale, expected):
    voice = make_voice()
    user = FakeUser(language_code=locale)
    end = datetime(2027, 3, 5, 23, 0, tzinfo=UTC) - timedelta(hours=5)  # 12:00 in Mexico
    text = await voice.say("vip.redeemed", user=user, plan="Oro", days=30, end_date=end)
    assert expected in text
    assert "30 días" in text if locale == "es" else "30 days" in text
    text = await voice.say("vip.reminder", user=user, days_left=1, end_date=date(2027, 3, 5))
    assert expected in text
    assert "1 día" in text if locale == "es" else "1 day" in text


def test_no_line_carries_a_literal_backslash(catalogue):
    """A doubly escaped newline would show users a literal "\\n"."""
    offenders = [
        f"{locale}/{key}: {variant.text[:60]!r}"
        for locale, entries in catalogue.entries.items()
        for key, variants in entries.items()
        for variant in variants
        if "\\" in variant.text
    ]
    assert offenders == []
