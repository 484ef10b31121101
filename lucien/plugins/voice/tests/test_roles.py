"""Lines written for a role: said to that role instead of the general ones; the creator's
(role "creator", VOICE_CREATOR_ID) before her own role's; the house style's header."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

from lucien.core.plugin import MessageKey
from lucien.plugins.voice.catalogues import load_catalogue
from lucien.plugins.voice.names import DEFAULTS, STEMS, name_forms
from lucien.plugins.voice.services import HOUSE_HEADER, VoiceSettings
from lucien.plugins.voice.tests.conftest import FakeUser


def _lines(locale: str, key: str, role: str | None) -> set[str]:
    path = files("lucien.core.builtin") / "catalogue" / f"{locale}.json"
    return {v["text"] for v in json.loads(path.read_text())[key] if v.get("role") == role}


def _filled(texts: set[str], name: str, locale: str = "es") -> set[str]:
    """`texts` as said to `name`, the house's names at their defaults."""
    forms = {"name": name, "creator": "Diana"}
    for stem in STEMS:
        forms.update(name_forms(stem, DEFAULTS[locale][stem], locale))
    filled = set()
    for t in texts:
        for field, value in forms.items():
            t = t.replace(f"{{{field}}}", value)
        filled.add(t)
    return filled


async def test_a_vip_is_always_greeted_as_a_member_of_the_circle(make_voice) -> None:
    voice = make_voice()
    user = FakeUser(id=5, first_name="Vera")
    for key in ("greeting.new", "greeting.returning", "greeting.long_absence"):
        for locale in ("es", "en"):
            said = {await voice.say(key, user=user, locale=locale, role="vip") for _ in range(20)}
            assert said == _filled(_lines(locale, key, "vip"), "Vera", locale), key


async def test_a_role_without_lines_of_its_own_hears_the_general_ones(make_voice) -> None:
    voice = make_voice()
    user = FakeUser(id=6, first_name="Fede")
    said = {await voice.say("greeting.returning", user=user, role="free") for _ in range(30)}
    general = _filled(_lines("es", "greeting.returning", None), "Fede")
    assert said and said <= general


async def test_the_creators_lines_come_before_her_roles(make_voice) -> None:
    voice = make_voice(creator_id=77)
    diana = FakeUser(id=77, first_name="Diana")
    said = {await voice.say("greeting.returning", user=diana, role="admin") for _ in range(20)}
    assert said == _filled(_lines("es", "greeting.returning", "creator"), "Diana")
    # Someone else with her role hears the role's lines.
    clara = FakeUser(id=78, first_name="Clara")
    other = await voice.say("greeting.returning", user=clara, role="admin")
    assert other in _filled(_lines("es", "greeting.returning", "admin"), "Clara")


async def test_the_creators_account_is_greeted_as_the_lady_only_as_a_custodian(make_voice) -> None:
    # Set to someone who is no admin (by mistake, or not yet), the lady's greeting would
    # come with the visitor's menu: she hears her role's lines, as anyone else does.
    voice = make_voice(creator_id=77)
    diana = FakeUser(id=77, first_name="Diana")
    said = {await voice.say("greeting.returning", user=diana, role="free") for _ in range(20)}
    assert said <= _filled(_lines("es", "greeting.returning", None), "Diana")
    assert not said & _filled(_lines("es", "greeting.returning", "creator"), "Diana")


async def test_a_role_line_that_does_not_fit_the_hour_leaves_the_general_ones(
    make_voice, tmp_path: Path
) -> None:
    folder = tmp_path / "mods"
    folder.mkdir()
    (folder / "es.json").write_text(
        json.dumps(
            {
                "mods.hello": [
                    {"text": "Buenas noches, moderador.", "role": "moderator", "time_of_day": "night"},
                    {"text": "Hola."},
                ]
            }
        )
    )  # fmt: skip
    messages = {"mods.hello": MessageKey("mods.hello", "Hello.", ("role",))}
    voice = make_voice(messages=messages, cat=load_catalogue([("mods", folder)]))  # morning
    assert await voice.say("mods.hello", user=FakeUser(), role="moderator") == "Hola."


def test_the_header_is_lucien_in_bold_unless_the_house_style_is_off(make_voice) -> None:
    assert make_voice().frame_header == HOUSE_HEADER == "🎩 <b>Lucien:</b>\n"
    assert make_voice(house_style=False).frame_header == ""
    assert VoiceSettings().house_style is True  # production and the sandbox: on
