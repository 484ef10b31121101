"""What a tester found in the members' VIP side, in Spanish and English (SQLite and
PostgreSQL): an invitation pasted as its whole link is redeemed like the bare token, in
and out of the redeem prompt; someone who never was a member is not offered "Renew";
an admin's VIP command or button used by anyone else gets a polite refusal, never
silence nor "this menu is out of date".
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from lucien.plugins.vip.keyboards import VipAdmin, VipCard, VipSubs
from lucien.plugins.vip.models import Token
from lucien.plugins.vip.tests.card_helpers import CONTINUE, start_with_channel, vip

pytestmark = pytest.mark.lucien(plugins=["voice", "admin", "vip"])

LANGS = ("es", "en")
PLAN = {"es": "Oro", "en": "Gold"}
REDEEM = {"es": "Canjear invitación", "en": "Redeem an invitation"}
RENEW = {"es": "Renovar", "en": "Renew"}
OFFER = {"es": "Lo que aguarda en el Diván", "en": "What awaits in the Divan"}
#: vip.refused.malformed, both variants.
MALFORMED = {
    "es": ("no parece una invitación", "no tiene forma de invitación"),
    "en": ("does not look like", "shape"),
}
MENU = {"es": "Menú principal", "en": "Main menu"}
FORBIDDEN = {
    "es": (
        "Esta opción está reservada a los custodios de la casa.",
        "Disculpe, esta puerta solo se abre para los custodios de la casa.",
    ),
    "en": (
        "This option is reserved for the custodians of the house.",
        "Forgive me, this door opens only for the custodians of the house.",
    ),
}


async def redeemer(harness: Any, code: str) -> int | None:
    async with harness.ctx.db.session(readonly=True) as s:
        return await s.scalar(select(Token.redeemed_by).where(Token.code == code))


@pytest.mark.parametrize("lang", LANGS)
async def test_a_pasted_invitation_link_is_redeemed_like_the_token(harness: Any, lang: str) -> None:
    await start_with_channel(harness)
    svc = vip(harness)
    plan = await svc.create_plan(PLAN[lang], 30, 999, "USD")
    codes = await svc.generate_tokens(plan.id, 4, by=None)
    bot = harness.ctx.bot_username
    pasted = [
        (f"https://t.me/{bot}?start={codes[0]}", False),  # as the admin handed it over
        (f"  t.me/{bot}?start={codes[1]}  ", False),  # without the scheme, spaces around
        (f"https://t.me/{bot}?start={codes[2]}", True),  # in the redeem prompt
        (f" t.me/{bot}?start={codes[3]} ", True),
    ]
    for i, (text, in_prompt) in enumerate(pasted):
        user = harness.user(f"U{i}", language_code=lang)
        await user.send("/start")
        if in_prompt:
            await user.click(REDEEM[lang])
        await user.send(text)
        # Redeemed: the entry ritual's first stage, the plan named.
        assert PLAN[lang] in user.last.text and user.last.buttons == [[CONTINUE[lang]]], text
        assert await redeemer(harness, codes[i]) == user.id

    # A link whose invitation is mangled is answered as a mangled invitation, not ignored.
    eve = harness.user("Eve", language_code=lang)
    await eve.send(f"t.me/{bot}?start=VIP-short")
    assert any(p in eve.last.text for p in MALFORMED[lang]), eve.last.text
    assert eve.last.buttons == [[REDEEM[lang]], [MENU[lang]]]  # try again, or go home


@pytest.mark.parametrize("lang", LANGS)
async def test_renew_is_offered_only_to_former_members(harness: Any, lang: str) -> None:
    await start_with_channel(harness)
    svc = vip(harness)
    plan = await svc.create_plan(PLAN[lang], 2, 999, "USD")
    [code] = await svc.generate_tokens(plan.id, 1, by=None)
    ana = harness.user("Ana", language_code=lang)

    # Never a member: the way in, no "Renew", from /vip and from the offer.
    await ana.send("/vip")
    assert ana.last.buttons == [[REDEEM[lang]]]
    await ana.send("/start")
    await ana.click(OFFER[lang])
    assert ana.last.buttons == [[REDEEM[lang]]]
    assert not any(RENEW[lang] in str(m.buttons) for m in ana.messages)

    # A member whose period ended: "Renew" it is.
    await svc.redeem(ana.id, code)
    await harness.advance(days=2)
    assert ana.last.buttons == [[RENEW[lang]]]  # the farewell
    await ana.send("/vip")
    assert ana.last.buttons == [[RENEW[lang]]]
    await ana.send("/start")
    await ana.click(OFFER[lang])
    assert ana.last.buttons == [[RENEW[lang]]]


@pytest.mark.parametrize("lang", LANGS)
async def test_an_admins_vip_command_or_button_is_refused_politely(harness: Any, lang: str) -> None:
    ada = harness.admin("Ada", language_code=lang)
    eve = harness.user("Eve", language_code=lang)
    await start_with_channel(harness)
    stale = {"es": "menú", "en": "menu"}

    for command in ("/vipadmin", "/vipsubs"):
        await eve.send(command)
        assert eve.last.text in FORBIDDEN[lang], (command, eve.last.text)
        assert eve.last.buttons == [[MENU[lang]]]  # refused, with the way back
    await eve.send("/start")
    forged = (
        VipAdmin(action="menu").pack(),
        VipAdmin(action="gen").pack(),
        VipSubs().pack(),
        VipCard(action="grant", u=eve.id).pack(),
    )
    for data in forged:
        sent = len(eve.messages)
        query = await eve.press(eve.last, data)
        assert query.answered and query.show_alert, data
        assert query.text in FORBIDDEN[lang], (data, query.text)
        assert stale[lang] not in (query.text or "")  # not "this menu is out of date"
        assert len(eve.messages) == sent
    # The same command from an admin opens the screen.
    await ada.send("/vipadmin")
    assert ada.last.text not in FORBIDDEN[lang] and ada.last.buttons


@pytest.mark.parametrize("lang", LANGS)
async def test_an_admin_who_is_no_member_is_pointed_to_the_vip_administration(
    harness: Any, lang: str
) -> None:
    # She grants memberships: /vip offers her the VIP administration, not an invitation.
    ada = harness.admin("Ada", language_code=lang)
    await start_with_channel(harness)
    await ada.send("/vip")
    admin_label = {"es": "Administración VIP", "en": "VIP administration"}[lang]
    assert ada.last.buttons == [[admin_label], [MENU[lang]]], ada.last.text
    assert REDEEM[lang] not in str(ada.last.buttons)
    await ada.click(admin_label)
    assert ada.last.text.startswith({"es": "Administración VIP", "en": "VIP administration"}[lang])
