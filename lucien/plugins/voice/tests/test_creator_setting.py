"""The creator's account is a setting admins change from chat (`VOICE_CREATOR_ID` is only
its default): the change takes effect at once, without a restart, and a bad value is
refused with nothing changed. Spanish and English, SQLite and PostgreSQL."""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

import pytest

pytestmark = pytest.mark.lucien(plugins=["voice", "admin"])

LABEL = {"es": "La cuenta de Diana", "en": "Diana's account"}
CANCEL = {"es": "Cancelar", "en": "Cancel"}


def lines(locale: str, key: str, role: str | None = None) -> list[str]:
    """The built-in catalogue's lines of `key` written for `role` (None: general)."""
    path = files("lucien.core.builtin") / "catalogue" / f"{locale}.json"
    return [v["text"] for v in json.loads(path.read_text())[key] if v.get("role") == role]


def greeted_as(message: Any, locale: str, key: str, role: str | None) -> bool:
    name = message.chat["first_name"]
    return any(
        message.html == line.replace("{name}", name).replace("{creator}", "Diana")
        for line in lines(locale, key, role)
    )


@pytest.mark.parametrize("locale", ["es", "en"])
async def test_the_creator_changed_from_chat_is_greeted_as_the_lady_of_the_house(
    harness: Any, monkeypatch: pytest.MonkeyPatch, locale: str
) -> None:
    ada = harness.admin("Ada", language_code=locale)
    clara = harness.user("Clara", language_code=locale)
    bea = harness.admin("Bea", language_code=locale)
    monkeypatch.setenv("VOICE_CREATOR_ID", str(ada.id))  # the default, from the environment
    await harness.start_app()

    await clara.send("/start")
    assert greeted_as(clara.last, locale, "greeting.new", None)  # a guest, introduced

    await ada.send("/config")
    await ada.click(LABEL[locale])
    assert str(ada.id) in ada.last.text  # the value in force is shown
    assert ada.last.buttons == [[CANCEL[locale]]]
    await ada.send("Clara")  # not a number: refused, nothing changed
    assert "Clara" in ada.last.text and str(clara.id) not in ada.last.text
    assert (await harness.ctx.config.get("voice")).creator_id == ada.id
    await ada.send(str(clara.id))
    assert str(clara.id) in ada.last.text and "Diana" in ada.last.text
    assert (await harness.ctx.config.get("voice")).creator_id == clara.id
    # Saved, but Clara is no custodian: the confirmation says so...
    assert said(ada.last, locale, "config.voice_creator_id.not_admin", ada.id, clara.id)

    # ... and she is greeted by her role, as anyone else, not as the lady of the house.
    await clara.send("/start")
    assert greeted_as(clara.last, locale, "greeting.returning", None)

    # A custodian set as the creator, the same process and no restart: she is the lady of
    # the house; Ada is a custodian again.
    await bea.send("/start")
    await ada.send("/config")
    await ada.click(LABEL[locale])
    await ada.send(str(bea.id))
    assert said(ada.last, locale, "config.voice_creator_id.set", ada.id, bea.id), ada.last.html
    await bea.send("/start")
    assert greeted_as(bea.last, locale, "greeting.returning", "creator")
    await ada.send("/start")
    assert greeted_as(ada.last, locale, "greeting.returning", "admin")

    # An account the bot has never seen: saved, and said.
    await ada.send("/config")
    await ada.click(LABEL[locale])
    await ada.send("777000111")
    assert said(ada.last, locale, "config.voice_creator_id.unseen", ada.id, 777000111)
    assert (await harness.ctx.config.get("voice")).creator_id == 777000111


def said(message: Any, locale: str, key: str, admin_id: int, value: int) -> bool:
    """Whether `message` is one of the voice catalogue's lines of `key`."""
    path = files("lucien.plugins.voice") / "catalogue" / f"{locale}.json"
    return any(
        message.html == v["text"].replace("{value}", str(value)).replace("{creator}", "Diana")
        for v in json.loads(path.read_text())[key]
    )
