"""Times shown to admins carry the zone they are written in (the creator's timezone, the
voice's): the inbox's lines, the attended note, the user card's section and this
plugin's own card; "4:34" alone would be read in the admin's own zone.
"""

from __future__ import annotations

from typing import Any

import pytest
from aiogram.types import User

from lucien.plugins.content.tests.helpers import (
    ATTEND,
    ENTRY_POINTS,
    INTERESTS,
    MINE,
    PLUGINS,
    SEE_USER,
    WANT,
    WITHOUT_ADMIN,
    WITHOUT_ADMIN_PLUGINS,
    seed,
)

pytestmark = pytest.mark.lucien(entry_points=ENTRY_POINTS, plugins=PLUGINS)


async def _set_timezone(harness: Any, admin: Any, name: str) -> None:
    config = harness.ctx.config
    version = await config.version("voice", "timezone")
    await config.update("voice", "timezone", name, expected_version=version, by=admin.id)


async def _want(user: Any, package: str) -> None:
    await user.send("/start")
    await user.click(MINE)
    await user.click(package)
    await user.click(WANT)


async def test_the_inbox_and_the_notification_name_the_zone(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="es")
    ana = harness.user("Ana", language_code="es")
    await harness.start_app()
    await seed(harness, "Pack Luna", "free")
    await ada.send("/start")
    await _want(ana, "Pack Luna")  # at 12:00 UTC, a January day

    # The creator's timezone by default: Mexico City, 6:00 in winter (CST).
    await ada.send("/start")
    await ada.click(INTERESTS)
    assert "6:00 (CST)" in ada.last.text

    # Madrid from now on: the same moment is 13:00 CET.
    await _set_timezone(harness, ada, "Europe/Madrid")
    [note] = [m for m in ada.messages if [ATTEND, SEE_USER] in m.buttons]
    await ada.click(ATTEND, message=note)
    assert "Atendido por Ada" in note.text and "13:00 (CET)" in note.text
    await ada.send("/start")
    await ada.click(INTERESTS)
    await ada.click("Atendidos")
    assert "atendido por Ada" in ada.last.text and "13:00 (CET)" in ada.last.text

    # The user card's section (the admin plugin's card of Ana), in English this time.
    ctx = harness.ctx
    record = ctx.registry.get("content")
    assert record is not None
    viewer = User(id=ada.id, is_bot=False, first_name="Ada", language_code="en")
    section = await ctx.registry.call_plugin(
        record, "lucien_user_card", ctx=ctx, user_id=ana.id, viewer=viewer
    )
    assert section is not None
    [line] = section.lines
    assert (
        line.count("(CET)") == 2 and "1:00\u202fPM (CET)" in line
    )  # Babel: a narrow no-break space


@pytest.mark.lucien(entry_points=WITHOUT_ADMIN, plugins=WITHOUT_ADMIN_PLUGINS)
async def test_the_plugins_own_card_names_the_zone(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="es")
    ana = harness.user("Ana", language_code="es")
    await harness.start_app()
    await seed(harness, "Pack Sol", "free")
    await ada.send("/start")
    await _set_timezone(harness, ada, "America/Bogota")  # a zone without letters
    await _want(ana, "Pack Sol")
    note = next(m for m in ada.messages if "Pack Sol" in (m.text or ""))
    await ada.click(SEE_USER, message=note)
    card = ada.last.text
    assert "Primera visita" in card and card.count("7:00 (UTC-05)") == 2
