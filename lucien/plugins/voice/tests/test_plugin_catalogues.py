"""Catalogues from many plugins: merged with one owner per key, roles of any plugin, a
plugin that ships fewer locales than the voice speaks."""

from __future__ import annotations

import json
from pathlib import Path

from lucien.core.plugin import MessageKey
from lucien.plugins.voice.catalogues import load_catalogue

from .conftest import FakeUser


def ship(folder: Path, **locales: dict[str, list[object]]) -> Path:
    """Write a plugin's catalogue folder: one `<locale>.json` per keyword argument."""
    folder.mkdir(parents=True)
    for locale, entries in locales.items():
        (folder / f"{locale}.json").write_text(json.dumps(entries), encoding="utf-8")
    return folder


def test_a_key_has_one_owner_and_problems_name_the_plugins(tmp_path: Path) -> None:
    first = ship(tmp_path / "first", es={"shared.key": ["Uno."], "first.key": ["Primero."]})
    second = ship(
        tmp_path / "second",
        es={"shared.key": ["Dos."], "second.key": [{"text": "x", "role": ""}]},
    )
    (second / "fr.json").write_text("{not json", encoding="utf-8")
    catalogue = load_catalogue([("first", first), ("second", second), ("gone", tmp_path / "no")])
    assert [v.text for v in catalogue.variants("es", "shared.key")] == ["Uno."]
    assert catalogue.provider("es", "shared.key") == "first"
    assert catalogue.provider("es", "first.key") == "first"
    problems = "\n".join(catalogue.problems)
    assert "second/es:shared.key: also in the catalogue of first" in problems
    assert "second/es:second.key: variant 0 needs a role name" in problems
    assert "second/fr: unreadable" in problems
    assert "gone: catalogue folder" in problems


async def test_a_variant_may_name_any_role_a_plugin_declares(make_voice, tmp_path: Path) -> None:
    folder = ship(
        tmp_path / "mods",
        es={
            "mods.header": [
                {"text": "Bienvenido, moderador {name}.", "role": "moderator"},
                {"text": "Bienvenido, {name}."},
            ]
        },
    )
    catalogue = load_catalogue([("mods", folder)])
    assert catalogue.problems == []
    messages = {"mods.header": MessageKey("mods.header", "Hello.", ("name", "role"))}
    voice = make_voice(messages=messages, cat=catalogue)
    user = FakeUser(first_name="Ana")
    said = await voice.say("mods.header", user=user, role="moderator")
    assert said == "Bienvenido, moderador Ana."
    assert await voice.say("mods.header", user=user, role="free") == "Bienvenido, Ana."


async def test_a_plugin_without_the_users_locale_speaks_the_default_one(
    make_voice, tmp_path: Path
) -> None:
    folder = ship(
        tmp_path / "tiny",
        es={"tiny.hello": ["Hola, {name}: {n:plural:one=# día|other=# días}."]},
        en={"tiny.other": ["Other."]},
    )
    messages = {
        "tiny.hello": MessageKey("tiny.hello", "Hello, {name}.", ("name", "n")),
        "tiny.other": MessageKey("tiny.other", "Other."),
    }
    voice = make_voice(messages=messages, cat=load_catalogue([("tiny", folder)]))
    english = FakeUser(first_name="John", language_code="en")
    # No English line: the configured default locale's, formatted in that locale.
    assert await voice.say("tiny.hello", user=english, n=1) == "Hola, John: 1 día."
    assert await voice.say("tiny.other", user=english) == "Other."
