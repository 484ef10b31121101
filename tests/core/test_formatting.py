"""The core's template formats: plurals, numbers, dates and durations through Babel, the
same for the plain defaults (PlainVoice) as for the voice's catalogue lines."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from lucien.core.formatting import (
    format_date,
    format_datetime,
    format_days,
    format_minutes,
    render,
    spec_problem,
)
from lucien.core.plugin import MessageKey
from lucien.core.voice import PlainVoice

NETWORKS = "{n:plural:one=# red guardada|other=# redes guardadas}"
MEXICO = ZoneInfo("America/Mexico_City")


@pytest.mark.parametrize(
    ("n", "es", "en"),
    [
        (0, "0 redes guardadas", "0 networks"),
        (1, "1 red guardada", "1 network"),
        (2, "2 redes guardadas", "2 networks"),
        (5, "5 redes guardadas", "5 networks"),
        (1000000, "1.000.000 redes guardadas", "1,000,000 networks"),  # es: CLDR "many"
    ],
)
def test_plurals_follow_cldr_and_numbers_the_locale(n: int, es: str, en: str) -> None:
    assert render(NETWORKS, {"n": n}, locale="es") == (es, [])
    assert render("{n:plural:one=# network|other=# networks}", {"n": n}, locale="en") == (en, [])


def test_an_exact_number_wins_over_the_category() -> None:
    template = "{n:plural:0=ninguna red|one=# red|other=# redes}"
    assert render(template, {"n": 0}, locale="es")[0] == "ninguna red"
    assert render(template, {"n": 1}, locale="es")[0] == "1 red"


def test_forms_keep_their_markup_and_values_are_escaped() -> None:
    template = "{who}: {n:plural:one=<b>#</b> día|other=<b>#</b> días}"
    text, problems = render(template, {"who": "<i>Ana</i>", "n": 3}, locale="es")
    assert (text, problems) == ("&lt;i&gt;Ana&lt;/i&gt;: <b>3</b> días", [])


def test_units_durations_dates_and_decimals() -> None:
    assert [format_days(n, "es") for n in (0, 1, 2)] == ["0 días", "1 día", "2 días"]
    assert format_minutes(90, "es") == "1 hora y 30 minutos"
    assert format_minutes(1501, "en") == "1 day, 1 hour, and 1 minute"
    moment = datetime(2027, 3, 6, 2, 30, tzinfo=UTC)  # still the 5th in Mexico City
    assert format_date(moment, "es", MEXICO) == "5 de marzo de 2027"
    assert format_date(moment, "en") == "March 6, 2027"
    assert format_datetime(moment, "es", MEXICO) == "5 de marzo de 2027, 20:30"
    values = {"x": 3.5, "n": 10080, "id": 123456789}
    # An integer alone may be an id: written as is; `:number` and decimals per locale.
    assert render("{x} {n:number} {id}", values, locale="es")[0] == "3,5 10.080 123456789"
    assert render("{x}", {"x": Decimal("9.99")}, locale="en")[0] == "9.99"


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ("plural:one=# red", "plural forms need an 'other' form"),
        ("plural:uno=#|other=#", "unknown plural category 'uno'"),
        ("plural:one|other=#", "plural form 'one' needs category=text"),
        ("dias", "unknown format :dias"),
    ],
)
def test_malformed_formats_are_reported(spec: str, problem: str) -> None:
    assert spec_problem(spec) == problem
    text, problems = render("{n:" + spec + "}", {"n": 1}, locale="es")
    assert problems == [problem] and text == "{n:" + spec + "}"


def test_a_count_that_is_not_a_number_is_a_problem_for_a_line() -> None:
    assert render(NETWORKS, {"n": "many"}, locale="es")[1] == ["expected a number, got 'many'"]
    assert render(NETWORKS, {"n": "3"}, locale="es") == ("3 redes guardadas", [])


async def test_the_plain_voice_speaks_the_same_syntax_in_english() -> None:
    voice = PlainVoice(
        {
            "k.saved": MessageKey("k.saved", "{n:plural:one=# link saved|other=# links saved}"),
            "k.until": MessageKey(
                "k.until", "{name}: {days:days} left, until {end}.", ("days", "end")
            ),
            "k.old": MessageKey("k.old", "{links} {n} {when:%Y}"),
        }
    )
    spanish = SimpleNamespace(first_name="<b>Ana</b>", language_code="es")
    assert await voice.say("k.saved", user=spanish, n=1) == "1 link saved"
    assert await voice.say("k.saved", user=spanish, n=2) == "2 links saved"
    assert (
        await voice.say("k.until", user=spanish, days=1, end=date(2027, 3, 5))
        == "&lt;b&gt;Ana&lt;/b&gt;: 1 day left, until March 5, 2027."
    )
    # A format plain Python knows still works in a default; values are escaped.
    assert (
        await voice.say("k.old", links=["<b>x</b>"], n=3, when=datetime(2027, 1, 1, tzinfo=UTC))
        == "['&lt;b&gt;x&lt;/b&gt;'] 3 2027"
    )
    # A count that is not a number still reads (the `other` form), never the raw template.
    assert await voice.say("k.saved", n="-") == "- links saved"
