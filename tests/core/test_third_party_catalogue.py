"""A third-party plugin speaks as Lucien: the greeter distribution ships its own catalogue
(catalogue/es.json, en.json) and the voice renders it like any built-in plugin's, with
variants, the user's language and escaping."""

from __future__ import annotations

import json
from importlib.metadata import EntryPoint
from importlib.resources import files
from itertools import pairwise

from lucien.core.testing.harness import BotHarness

NAME = "<b>Eve</b> & co"
ESCAPED = "&lt;b&gt;Eve&lt;/b&gt; &amp; co"


def greeter_lines(locale: str, name: str) -> set[str]:
    """The greeter's lines for /welcome, as the bot would send them (HTML) to `name`."""
    path = files("lucien_greeter") / "catalogue" / f"{locale}.json"
    variants = json.loads(path.read_text(encoding="utf-8"))["greeter.welcome"]
    return {v["text"].replace("{name}", name).replace("{creator}", "Diana") for v in variants}


async def test_the_greeter_speaks_in_the_persona_with_variants_and_escaping(
    harness: BotHarness, greeter_entry_points: list[EntryPoint]
) -> None:
    harness.entry_points = greeter_entry_points
    harness.plugins = ["voice", "greeter"]
    await harness.start_app()
    eve = harness.user(NAME, language_code="es")
    john = harness.user("John", language_code="en")

    sent = []
    for _ in range(8):
        await eve.send("/welcome")
        sent.append(eve.last)
    spanish = greeter_lines("es", ESCAPED)
    assert all(m.html in spanish for m in sent), [m.html for m in sent]
    assert len({m.html for m in sent}) >= 2  # variants, never the same twice in a row
    assert all(a.html != b.html for a, b in pairwise(sent))
    # The name is shown as the user wrote it, inside the line's own bold.
    assert all(NAME in m.text and "<b>" not in m.text.replace(NAME, "") for m in sent)

    await john.send("/welcome")
    assert john.last.html in greeter_lines("en", "John")
    assert "Welcome to the greeter" not in john.last.text  # not the plain default


async def test_without_the_voice_the_greeter_says_its_plain_default(
    harness: BotHarness, greeter_entry_points: list[EntryPoint]
) -> None:
    harness.entry_points = greeter_entry_points
    harness.plugins = ["greeter"]
    await harness.start_app()
    eve = harness.user(NAME, language_code="es")
    await eve.send("/welcome")
    assert eve.last.text == f"Welcome to the greeter, {NAME}."
    assert eve.last.html == f"Welcome to the greeter, {ESCAPED}."
