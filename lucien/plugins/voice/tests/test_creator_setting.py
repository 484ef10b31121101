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

    # The same process, no restart: Clara is now the lady of the house; Ada a custodian.
    await clara.send("/start")
    assert greeted_as(clara.last, locale, "greeting.returning", "creator")
    await ada.send("/start")
    assert greeted_as(ada.last, locale, "greeting.returning", "admin")
