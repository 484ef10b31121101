"""A yes/no setting edited from chat ("Mostrar la espera", the free plugin's show_wait):
its prompt offers Sí / No (Yes / No) as buttons and says the value in force in words; the
answer may also be typed, sí/si/no/yes/true/false/1/0 in any case; anything else is
refused in the admin's language and changes nothing.
"""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.lucien(plugins=["admin", "voice", "free"])

LABEL = {"es": "Mostrar la espera", "en": "Show the wait"}
YES = {"es": "Sí", "en": "Yes"}
NOW = {"es": "Ahora mismo: ", "en": "Currently: "}
REFUSED = {"es": "Solo admito un Sí", "en": "I accept only a Yes"}
CANCEL = {"es": "Cancelar", "en": "Cancel"}


async def show_wait(harness: Any) -> Any:
    return (await harness.ctx.config.get("free")).show_wait


async def open_prompt(admin: Any, lang: str) -> Any:
    await admin.send("/config")
    await admin.click(LABEL[lang])
    return admin.last


@pytest.mark.parametrize("lang", ["es", "en"])
async def test_yes_and_no_are_buttons(harness: Any, lang: str) -> None:
    diana = harness.admin("Diana", language_code=lang)
    await harness.start_app()
    prompt = await open_prompt(diana, lang)
    assert prompt.buttons == [[YES[lang], "No"], [CANCEL[lang]]]
    assert NOW[lang] + YES[lang] in prompt.text and " 1 " not in prompt.text

    yes_data = next(b["callback_data"] for b in prompt.inline_buttons if b["text"] == YES[lang])
    await diana.click("No", message=prompt)
    assert await show_wait(harness) == 0
    # The prompt itself becomes the confirmation; its Sí / No are gone.
    done = next(m for m in diana.messages if m.message_id == prompt.message_id)
    assert not any(YES[lang] in row or "No" in row for row in done.buttons)
    assert "secret" in done.text or "secreto" in done.text

    # The old prompt's Sí, pressed again (a client not refreshed), changes nothing.
    query = await diana.press(done, yes_data)
    assert query.show_alert and await show_wait(harness) == 0

    again = await open_prompt(diana, lang)
    assert NOW[lang] + "No" in again.text
    await diana.click(YES[lang], message=again)
    assert await show_wait(harness) == 1


async def test_yes_or_no_typed_in_either_language(harness: Any) -> None:
    diana = harness.admin("Diana", language_code="es")
    await harness.start_app()
    for typed, expected in [
        ("no", 0), ("SÍ", 1), ("False", 0), ("si", 1), ("0", 0), ("yes", 1),
        ("NO", 0), ("TRUE", 1), ("false", 0), ("1", 1),
    ]:  # fmt: skip
        await open_prompt(diana, "es")
        await diana.send(typed)
        assert await show_wait(harness) == expected, typed
        assert diana.last.buttons != [[YES["es"], "No"], [CANCEL["es"]]], typed


@pytest.mark.parametrize("lang", ["es", "en"])
async def test_anything_else_is_refused_and_asked_again(harness: Any, lang: str) -> None:
    diana = harness.admin("Diana", language_code=lang)
    await harness.start_app()
    await open_prompt(diana, lang)
    await diana.send("quizás")
    assert REFUSED[lang] in diana.last.text
    assert diana.last.buttons == [[YES[lang], "No"], [CANCEL[lang]]]
    assert await show_wait(harness) == 1
    await diana.send("No.")
    assert await show_wait(harness) == 0
