"""/start greets the person: a first visit, a return, a return after a long absence, and
by role (an admin as a custodian; the creator as the lady of the house, never introduced
to Lucien), in Spanish and English, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

import pytest

from lucien.core.builtin.handlers import LONG_ABSENCE
from lucien.core.testing.harness import BotHarness

VOICE = pytest.mark.lucien(plugins=["voice", "admin"])
LOCALES = pytest.mark.parametrize("locale", ["es", "en"])
# How Lucien introduces himself in the general and role lines of a first visit.
INTRODUCTIONS = ("Soy Lucien", "Mi nombre es Lucien", "I am Lucien", "My name is Lucien")


def lines(locale: str, key: str, role: str | None = None) -> list[str]:
    """The catalogue's lines of `key` written for `role` (None: the general ones)."""
    path = files("lucien.core.builtin") / "catalogue" / f"{locale}.json"
    return [v["text"] for v in json.loads(path.read_text())[key] if v.get("role") == role]


def said(message: Any, locale: str, key: str, role: str | None = None) -> bool:
    """The message is one of those lines, with the user's name and the creator's."""
    name = message.chat["first_name"]
    return any(
        message.html == line.replace("{name}", name).replace("{creator}", "Diana")
        for line in lines(locale, key, role)
    )


@VOICE
@LOCALES
async def test_a_first_visit_a_return_and_a_return_after_a_long_absence(
    harness: BotHarness, locale: str
) -> None:
    ana = harness.user("Ana", language_code=locale)
    app = await harness.start_app()

    await ana.send("/start")
    assert said(ana.last, locale, "greeting.new")
    assert any(words in ana.last.text for words in INTRODUCTIONS)

    await ana.send("/start")  # the same user again: no introduction
    assert said(ana.last, locale, "greeting.returning")

    await app.ctx.users.drain()  # her visit is stored
    await harness.advance(days=40)
    await ana.send("/start")
    assert said(ana.last, locale, "greeting.long_absence")

    await ana.send("/menu")  # and that visit counts: back to a plain return
    assert said(ana.last, locale, "greeting.returning")


@VOICE
async def test_a_return_just_short_of_the_long_absence_is_a_return(harness: BotHarness) -> None:
    ana = harness.user("Ana", language_code="es")
    app = await harness.start_app()
    await ana.send("/start")
    await app.ctx.users.drain()
    await harness.advance(seconds=LONG_ABSENCE.total_seconds() - 60)
    await ana.send("/start")
    assert said(ana.last, "es", "greeting.returning")


@VOICE
async def test_a_user_seen_by_another_replica_is_greeted_as_returning(
    harness: BotHarness,
) -> None:
    ana = harness.user("Ana", language_code="en")
    first = await harness.start_app()
    await ana.send("/start")
    assert said(ana.last, "en", "greeting.new")
    await first.ctx.users.drain()

    await harness.start_app()  # the webhook moves to the new replica: it never saw her
    await ana.send("/start")
    assert said(ana.last, "en", "greeting.returning")


@VOICE
@LOCALES
async def test_an_admin_is_greeted_as_a_custodian_of_the_house(
    harness: BotHarness, locale: str
) -> None:
    clara = harness.admin("Clara", language_code=locale)
    app = await harness.start_app()
    await clara.send("/start")
    assert said(clara.last, locale, "greeting.new", role="admin")
    await clara.send("/start")
    assert said(clara.last, locale, "greeting.returning", role="admin")
    await app.ctx.users.drain()
    await harness.advance(days=40)
    await clara.send("/start")
    assert said(clara.last, locale, "greeting.long_absence", role="admin")


@VOICE
@LOCALES
async def test_the_creator_is_greeted_as_the_lady_of_the_house_never_introduced(
    harness: BotHarness, monkeypatch: pytest.MonkeyPatch, locale: str
) -> None:
    diana = harness.admin("Diana", language_code=locale)  # an admin too: her lines win
    ana = harness.user("Ana", language_code=locale)
    monkeypatch.setenv("VOICE_CREATOR_ID", str(diana.id))
    app = await harness.start_app()

    await diana.send("/start")
    assert said(diana.last, locale, "greeting.new", role="creator")
    assert not any(words in diana.last.text for words in INTRODUCTIONS)
    await diana.send("/start")
    assert said(diana.last, locale, "greeting.returning", role="creator")
    await app.ctx.users.drain()
    await harness.advance(days=40)
    await diana.send("/start")
    assert said(diana.last, locale, "greeting.long_absence", role="creator")

    await ana.send("/start")  # anyone else is still introduced
    assert said(ana.last, locale, "greeting.new")


@pytest.mark.lucien(plugins=["admin"])
async def test_without_the_voice_the_plain_greetings_know_a_return(harness: BotHarness) -> None:
    ana = harness.user("Ana", language_code="es")
    await harness.start_app()
    await ana.send("/start")
    assert ana.last.text == "Welcome, Ana. Choose an option from the menu below."
    await ana.send("/start")
    assert ana.last.text == "Welcome back, Ana. Choose an option below."
