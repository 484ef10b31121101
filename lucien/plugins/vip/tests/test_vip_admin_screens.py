"""The admins' VIP screens as a tester found them (SQLite and PostgreSQL): every button
edits the one message in place, as the configuration screens do (what answers a typed
message is new); a token's expiry reads the same on every screen that shows it, the
creator's timezone named.

The clock starts on 2026-01-01 12:00 UTC; tokens are redeemable for 30 days, so until
2026-01-31 12:00 UTC, 6:00 in Mexico City (CST, the voice's default timezone).
"""

from __future__ import annotations

from typing import Any

import pytest

from lucien.plugins.vip.tests.card_helpers import start_with_channel, vip

pytestmark = pytest.mark.lucien(plugins=["voice", "admin", "vip"])

LANGS = ("es", "en")
LABELS = {
    "es": {
        "plans": "Planes", "new": "Nuevo plan", "cancel": "Cancelar", "admin": "Administración VIP",
        "generate": "Generar invitación", "unused": "Invitaciones sin usar",
        "redeemed": "Invitaciones canjeadas", "members": "Miembros VIP",
    },
    "en": {
        "plans": "Plans", "new": "New plan", "cancel": "Cancel", "admin": "VIP administration",
        "generate": "Generate invitation", "unused": "Unused invitations",
        "redeemed": "Redeemed invitations", "members": "VIP members",
    },
}  # fmt: skip
#: The one way every VIP screen writes the tokens' expiry.
EXPIRY = {"es": "31 de enero de 2026, 6:00 (CST)", "en": "January 31, 2026, 6:00\u202fAM (CST)"}


@pytest.mark.parametrize("lang", LANGS)
async def test_the_admin_screens_edit_one_message_in_place(harness: Any, lang: str) -> None:
    ada = harness.admin("Ada", language_code=lang)
    await start_with_channel(harness)
    await vip(harness).create_plan("Oro", 30, 999, "USD")
    label = LABELS[lang]

    await ada.send("/vipadmin")
    screen = ada.last
    count = len(ada.messages)
    seen = [screen.text]
    path = (
        label["plans"], "Oro", label["plans"], label["admin"], label["unused"],
        label["admin"], label["redeemed"], label["admin"], label["members"], label["admin"],
        label["generate"], "Oro",  # the last: the count's question, on the same message
    )  # fmt: skip
    for button in path:
        await ada.click(button, message=screen)
        assert len(ada.messages) == count, (button, [m.text for m in ada.messages])
        assert ada.last is screen
        seen.append(screen.text)
    assert len(set(seen)) >= 6  # each press showed its own screen, on the one message
    assert screen.buttons == [[label["cancel"]]]

    # The typed answer gets its own message: the invitation.
    await ada.send("1")
    assert len(ada.messages) == count + 1 and "VIP-" in ada.last.text
    assert screen.buttons == []  # the question no longer offers to cancel

    # A form's Cancel turns its question back into the menu, in place.
    await ada.send("/vipadmin")
    screen = ada.last
    await ada.click(label["plans"], message=screen)
    await ada.click(label["new"], message=screen)
    count = len(ada.messages)
    await ada.click(label["cancel"], message=screen)
    assert len(ada.messages) == count and [label["plans"]] in screen.buttons


@pytest.mark.parametrize("lang", LANGS)
async def test_a_tokens_expiry_reads_the_same_everywhere(harness: Any, lang: str) -> None:
    ada = harness.admin("Ada", language_code=lang)
    ana = harness.user("Ana", language_code=lang)
    await start_with_channel(harness)
    await harness.ctx.config.update("vip", "list_max_tokens", 3, expected_version=0, by=None)
    await vip(harness).create_plan("Oro", 30, 999, "USD")
    label = LABELS[lang]

    async def generate(count: int) -> Any:
        await ada.send("/vipadmin")
        await ada.click(label["generate"])
        await ada.click("Oro")
        await ada.send(str(count))
        return ada.last

    one = await generate(1)  # a message with the token
    few = await generate(3)  # a list of links
    many = await generate(5)  # a CSV document and its caption
    assert many.document is not None
    for shown in (one.text, few.text, many.caption):
        assert EXPIRY[lang] in (shown or ""), shown

    await ada.send("/vipadmin")
    await ada.click(label["unused"])
    lines = [line for line in ada.last.text.splitlines() if "VIP-" in line]
    assert len(lines) == 9 and all(EXPIRY[lang] in line for line in lines), lines
    assert "UTC" not in ada.last.text and "2026-01-31" not in ada.last.text

    # A redemption's moment is written the same way: the zone named.
    code = next(w for w in lines[0].split() if w.startswith("VIP-"))
    harness.clock.advance(hours=15, minutes=24)  # 03:24 UTC: 21:24 the evening before in CST
    await ana.send(code)
    await ada.send("/vipadmin")
    await ada.click(label["redeemed"])
    moment = {"es": "1 de enero de 2026, 21:24 (CST)", "en": "January 1, 2026, 9:24\u202fPM (CST)"}
    assert moment[lang] in ada.last.text, ada.last.text
