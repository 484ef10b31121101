"""Prices, durations and token dates as each admin reads them: in the admin's language
(CLDR through Babel), dates in the creator's timezone (the voice's default, Mexico City).

The clock starts on 2026-01-01 12:00 UTC; tokens are redeemable for 30 days, so until
2026-01-31 (06:00 in Mexico City). A redemption at 2026-01-02 03:24 UTC is the evening
of January 1st there.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from lucien.plugins.vip.services import VipService

NBSP = "\xa0"  # CLDR puts a no-break space between a Spanish amount and its currency
NNBSP = "\u202f"  # and a narrow one before English AM/PM


async def _create_plan(
    admin: Any, labels: tuple[str, str], name: str, days: str, price: str
) -> None:
    """Through the admin's own buttons (`labels`: Plans and New plan in their language)."""
    await admin.send("/vipadmin")
    await admin.click(labels[0])
    await admin.click(labels[1])
    for answer in (name, days, price):
        await admin.send(answer)


@pytest.mark.lucien(plugins=["voice", "admin", "vip"])
async def test_prices_durations_and_token_dates_in_each_admins_language(harness: Any) -> None:
    diana = harness.admin("Diana", language_code="es")
    ada = harness.admin("Ada", language_code="en")
    ana = harness.user("Ana", language_code="es")
    await harness.start_app()

    await _create_plan(diana, ("Planes", "Nuevo plan"), "Mensual", "30", "9,99 USD")
    assert "Mensual" in diana.last.text and "30 días" in diana.last.text
    await _create_plan(diana, ("Planes", "Nuevo plan"), "Europa", "1", "1,50 eur")
    await _create_plan(diana, ("Planes", "Nuevo plan"), "Cortesía", "7", "0")

    # the plans list, in Spanish and in English
    await diana.send("/vipadmin")
    await diana.click("Planes")
    listing = diana.last.text
    assert f"• Mensual: 30 días — 9,99{NBSP}US$" in listing
    assert f"• Europa: 1 día — 1,50{NBSP}€" in listing
    assert "• Cortesía: 7 días\n" in listing + "\n"  # no price, no dash
    assert " d " not in listing and "USD" not in listing and "1.50" not in listing
    await diana.click("Mensual")
    assert f"Mensual: 30 días, precio 9,99{NBSP}US$." in diana.last.text
    await diana.send("/vipadmin")
    await diana.click("Planes")
    await diana.click("Cortesía")
    assert "Cortesía: 7 días, sin precio." in diana.last.text

    await ada.send("/vipadmin")
    await ada.click("Plans")
    listing = ada.last.text
    assert "• Mensual: 30 days — $9.99" in listing
    assert "• Europa: 1 day — €1.50" in listing
    await ada.click("Europa")
    assert "Europa: 1 day, price €1.50." in ada.last.text

    # what VIP offers, as a Spanish member reads it
    await ana.send("/start")
    await ana.click("Lo que aguarda en el Diván")
    assert f"• Mensual: 30 días — 9,99{NBSP}US$" in ana.last.text

    # unused tokens: the last day they can be redeemed, in each admin's words
    svc = harness.ctx.service("vip", VipService)
    plan = next(p for p in await svc.list_plans() if p.name == "Mensual")
    first, second = await svc.generate_tokens(plan.id, 2, by=diana.id)
    await diana.send("/vipadmin")
    await diana.click("Invitaciones sin usar")
    unused = diana.last.text
    assert f"{first} — Mensual — canjeable hasta el 31 de enero de 2026" in unused
    assert f"{second} — Mensual — canjeable hasta el 31 de enero de 2026" in unused
    assert "2026-01-31" not in unused
    await ada.send("/vipadmin")
    await ada.click("Unused invitations")
    assert f"{first} — Mensual — redeemable until January 31, 2026" in ada.last.text

    # redeemed: when, as a date and a time in the creator's timezone
    harness.clock.advance(hours=15, minutes=24)  # 2026-01-02 03:24 UTC
    await ana.send(first)
    await diana.send("/vipadmin")
    await diana.click("Invitaciones canjeadas")
    redeemed = diana.last.text
    assert f"{first} — Mensual — Ana ({ana.id}), el 1 de enero de 2026, 21:24" in redeemed
    assert "UTC" not in redeemed and not re.search(r"\d{4}-\d\d-\d\d", redeemed)
    await ada.send("/vipadmin")
    await ada.click("Redeemed invitations")
    assert f"Ana ({ana.id}), on January 1, 2026, 9:24{NNBSP}PM" in ada.last.text


@pytest.mark.lucien(plugins=["admin", "vip"])
async def test_plain_defaults_format_prices_durations_and_dates(harness: Any) -> None:
    """Without the voice plugin: the plain defaults, in English, dates in UTC."""
    admin = harness.admin("Ada", language_code="es")
    await harness.start_app()
    await _create_plan(admin, ("Plans", "New plan"), "Gold", "30", "9,99 usd")
    await admin.send("/vipadmin")
    await admin.click("Plans")
    assert "• Gold: 30 days — $9.99" in admin.last.text
    await admin.click("Gold")
    assert "Plan Gold: 30 days, price $9.99." in admin.last.text

    svc = harness.ctx.service("vip", VipService)
    [plan] = await svc.list_plans()
    [code] = await svc.generate_tokens(plan.id, 1, by=admin.id)
    await admin.send("/vipadmin")
    await admin.click("Unused tokens")
    assert f"{code} — Gold — redeemable until January 31, 2026" in admin.last.text
