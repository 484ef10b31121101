"""The house's names are settings (issue 20): admins rename the VIP channel ("el Diván"),
its members ("el círculo exclusivo") and the free channel ("el vestíbulo") from chat, per
language, and every line follows at once, its articles right: a name is stored with its
article and said as "del"/"al" where Spanish contracts, never "de el". SQLite and
PostgreSQL, through the emulator."""

from __future__ import annotations

import re
from typing import Any

import pytest

from lucien.plugins.vip.tests.card_helpers import cross_ritual, start_with_channel, vip

pytestmark = pytest.mark.lucien(plugins=["voice", "admin", "vip", "free"])

#: What Spanish must never say: a preposition before a bare "el" it should have absorbed.
UNCONTRACTED = re.compile(r"\b(de|a) el\b", re.IGNORECASE)


async def rename(admin: Any, label: str, name: str) -> str:
    """Open the setting `label` from /config and send `name`; the prompt shown."""
    await admin.send("/config")
    await admin.click(label)
    prompt = admin.last.text
    await admin.send(name)
    assert f"«{name}»" in admin.last.text, admin.last.text
    return prompt


async def offer(user: Any, label: str) -> str:
    """/start, then the VIP offer from the main menu (its button named `label`)."""
    await user.send("/start")
    await user.click(label)
    return str(user.last.text)


async def test_renamed_from_chat_with_spanish_articles_and_english_apart(harness: Any) -> None:
    diana = harness.admin("Diana", language_code="es")
    await start_with_channel(harness, flood_burst=0)  # Ana asks a lot, quickly
    plan = await vip(harness).create_plan("Oro", 30, 999, "USD")
    await vip(harness).generate_tokens(plan.id, 1, by=None)
    ana = harness.user("Ana", language_code="es")
    bob = harness.user("Bob", language_code="en")

    # The defaults: el Diván, the Divan.
    assert (await offer(ana, "Lo que aguarda en el Diván")).startswith("El Diván")
    assert (await offer(bob, "What awaits in the Divan")).startswith("The Divan")

    # The prompt says how to write it (the article, and who does the contractions).
    prompt = await rename(diana, "Nombre del canal VIP", "El Salón Azul")
    assert "el Diván" in prompt and "del Diván" in prompt  # the form, and the value in force
    assert (await harness.ctx.config.get("vip")).name == "El Salón Azul"

    # At once, no restart: the title, a button, and the contracted forms.
    seen = len(ana.messages)
    # (the offer's button follows too)
    assert (await offer(ana, "Lo que aguarda en el Salón Azul")).startswith("El Salón Azul")
    for _ in range(6):  # every line of the redeem prompt, whichever is drawn
        await ana.send("/vip")
        await ana.click("Canjear invitación")
    said = "\n".join(m.text or "" for m in ana.messages[seen:])
    assert "Diván" not in said and "Salón Azul" in said
    assert "del Salón Azul" in said  # "le abriré la puerta del Salón Azul"
    assert not UNCONTRACTED.search(said), said

    # A feminine name keeps its article: "de la Sala Roja", never "del".
    await rename(diana, "Nombre del canal VIP", "la Sala Roja")
    seen = len(ana.messages)
    assert (await offer(ana, "Lo que aguarda en la Sala Roja")).startswith("La Sala Roja")
    for _ in range(6):
        await ana.send("/vip")
        await ana.click("Canjear invitación")
    said = "\n".join(m.text or "" for m in ana.messages[seen:])
    assert "de la Sala Roja" in said and "del Sala" not in said
    assert not UNCONTRACTED.search(said), said

    # The English name is its own setting: Bob still reads the Divan until it changes.
    assert (await offer(bob, "What awaits in the Divan")).startswith("The Divan")
    await rename(diana, "Nombre del canal VIP · inglés", "the Blue Room")
    assert (await offer(bob, "What awaits in the Blue Room")).startswith("The Blue Room")

    # The vestibule (the free plugin's name) follows the same way, in the main menu too.
    await rename(diana, "Nombre del canal gratuito", "los Kinkys")
    await ana.send("/start")
    await ana.click("Los Kinkys")
    assert "de los Kinkys" in ana.last.text  # "Las puertas de los Kinkys aún no..."
    assert not UNCONTRACTED.search(ana.last.text)


async def test_a_name_too_long_is_refused_and_nothing_changes(harness: Any) -> None:
    diana = harness.admin("Diana", language_code="es")
    await start_with_channel(harness)
    await diana.send("/config")
    await diana.click("Nombre de los miembros VIP")
    await diana.send("x" * 65)
    assert "64" in diana.last.text  # the limit named
    assert (await harness.ctx.config.get("vip")).circle_name == "el círculo exclusivo"
    assert not [c for c in harness.emulator.calls if c.status == 400]


async def test_a_member_is_greeted_by_the_circle_s_name_whatever_its_gender(
    harness: Any,
) -> None:
    # The builtin greetings name the circle through {del_circle}: "las Elegidas" reads
    # "los miembros de las Elegidas", never "el círculo" nor "uno de los del círculo".
    await start_with_channel(harness)
    await harness.ctx.config.update(
        "vip", "circle_name", "las Elegidas", expected_version=0, by=None
    )
    plan = await vip(harness).create_plan("Oro", 30, 999, "USD")
    [code] = await vip(harness).generate_tokens(plan.id, 1, by=None)
    ana = harness.user("Ana", language_code="es")
    await ana.send("/start")
    await ana.send(code)
    assert await ana.join(await cross_ritual(ana, "es")) == "joined"
    greetings = []
    for _ in range(4):  # every VIP returning greeting, whichever is drawn
        await ana.send("/start")
        greetings.append(ana.last.text or "")
    said = "\n".join(greetings)
    assert "de las Elegidas" in said, said
    assert "círculo" not in said, said
