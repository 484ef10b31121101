"""The voice end to end: Lucien's lines in the user's language, the plain defaults
without the voice plugin, user text never read as markup."""

from __future__ import annotations

import json
from importlib.resources import files
from itertools import pairwise

import pytest

from lucien.core.testing.harness import BotHarness

PLAIN = "Welcome, {name}. Choose an option from the menu below."


def _catalogue(locale: str, key: str) -> list[str]:
    # The greetings are the built-in plugin's: its catalogue holds their lines.
    path = files("lucien.core.builtin") / "catalogue" / f"{locale}.json"
    return [v["text"] for v in json.loads(path.read_text())[key]]


def _matches_a_variant(text: str, variants: list[str], name: str) -> bool:
    return any(text == v.replace("{name}", name).replace("{creator}", "Diana") for v in variants)


@pytest.mark.lucien(plugins=["admin"])
async def test_without_the_voice_plugin_start_answers_the_plain_default(
    harness: BotHarness,
) -> None:
    ana = harness.user("Ana", language_code="es")
    await harness.start_app()
    await ana.send("/start")
    assert ana.last.text == PLAIN.format(name="Ana")


@pytest.mark.lucien(plugins=["voice", "admin"])
async def test_lucien_greets_in_spanish_and_english(harness: BotHarness) -> None:
    ana = harness.user("Ana", language_code="es-MX")
    john = harness.user("John", language_code="en")
    await harness.start_app()
    await ana.send("/start")
    await john.send("/start")
    assert _matches_a_variant(ana.last.html, _catalogue("es", "greeting.new"), "Ana")
    assert _matches_a_variant(john.last.html, _catalogue("en", "greeting.new"), "John")


@pytest.mark.lucien(plugins=["voice", "admin"])
async def test_an_unknown_locale_falls_back_to_spanish(harness: BotHarness) -> None:
    kim = harness.user("Kim", language_code="ko")
    await harness.start_app()
    await kim.send("/start")
    assert _matches_a_variant(kim.last.html, _catalogue("es", "greeting.new"), "Kim")


@pytest.mark.lucien(plugins=["voice", "admin"])
async def test_a_first_name_with_markup_is_shown_literally(harness: BotHarness) -> None:
    name = "<b>x</b> & <script>"
    eve = harness.user(name, language_code="en")
    await harness.start_app()
    await eve.send("/start")
    assert name in eve.last.text  # the plain text Telegram shows
    assert "&lt;b&gt;x&lt;/b&gt; &amp; &lt;script&gt;" in eve.last.html
    assert "<script>" not in eve.last.html


@pytest.mark.lucien(plugins=["voice", "admin"])
async def test_the_same_line_never_twice_in_a_row(harness: BotHarness) -> None:
    ana = harness.user("Ana", language_code="es")
    await harness.start_app()
    texts = []
    for _ in range(8):
        await ana.send("/start")
        texts.append(ana.last.text)
    assert all(a != b for a, b in pairwise(texts))


def test_the_plain_voice_escapes_every_value_that_is_not_a_number_or_date() -> None:
    import asyncio
    from datetime import UTC, datetime

    from lucien.core.plugin import MessageKey
    from lucien.core.voice import PlainVoice

    voice = PlainVoice({"k": MessageKey("k", "{links} {n} {when:%Y}")})
    text = asyncio.run(
        voice.say("k", links=["<b>x</b>"], n=3, when=datetime(2027, 1, 1, tzinfo=UTC))
    )
    assert text == "['&lt;b&gt;x&lt;/b&gt;'] 3 2027"
