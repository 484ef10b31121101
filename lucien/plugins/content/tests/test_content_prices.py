"""Prices as admins write them: symbols before or after the amount, ISO codes in any case,
a comma or a dot for the decimals; refused with a line saying why (not a price, not above
zero, not a currency), the question asked again and nothing lost.
"""

from __future__ import annotations

from typing import Any

import pytest

from lucien.plugins.content.services import Price, PriceError, parse_price
from lucien.plugins.content.tests.helpers import (
    ENTRY_POINTS,
    PACKAGES,
    PLUGINS,
    packages,
    seed,
)

pytestmark = pytest.mark.lucien(entry_points=ENTRY_POINTS, plugins=PLUGINS)

#: What an admin may type, and the price kept (minor units, ISO code).
ACCEPTED = [
    ("15 €", 1500, "EUR"),
    ("15,50 €", 1550, "EUR"),
    ("€15", 1500, "EUR"),
    ("$15", 1500, "USD"),
    ("15$", 1500, "USD"),
    ("US$ 15", 1500, "USD"),
    ("9.99 usd", 999, "USD"),
    ("1.500 €", 150000, "EUR"),
    ("1,250.50 USD", 125050, "USD"),
    ("20 euros", 2000, "EUR"),
    ("300 MXN", 30000, "MXN"),
]


#: What is refused, and why.
REFUSED = [
    ("0 EUR", "not_positive"),
    ("-5 €", "not_positive"),
    ("15 XYZ", "currency"),
    ("15 ESP", "currency"),  # the peseta: a code, no longer anyone's money
    ("15 XAU", "currency"),  # gold is not a price users pay
    ("15", "format"),
    ("barato", "format"),
    ("15.5.5 EUR", "format"),
]


# One test each, not parametrized: the suite's runner counts one test per definition.
def test_the_natural_ways_of_writing_a_price() -> None:
    read = {typed: parse_price(typed) for typed, _, _ in ACCEPTED}
    assert {t: (p.minor, p.currency) for t, p in read.items()} == {
        typed: (minor, currency) for typed, minor, currency in ACCEPTED
    }
    for typed in ("consultar", "A consultar", "On request", "-"):
        assert parse_price(typed) == Price(None, None), typed


def test_what_is_not_a_price() -> None:
    reasons = {}
    for typed, _ in REFUSED:
        with pytest.raises(PriceError) as refused:
            parse_price(typed)
        reasons[typed] = refused.value.reason
    assert reasons == dict(REFUSED)


async def test_prices_typed_in_the_form_refused_with_a_reason_then_kept(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="es")
    await harness.start_app()
    await seed(harness, "Pack Luna", "free")
    await ada.send("/start")
    await ada.click(PACKAGES)
    await ada.click("Pack Luna")
    await ada.click("Editar")
    await ada.click("Precio")

    await ada.send("0 EUR")
    assert "mayor que cero" in ada.last.text
    await ada.send("-5 €")
    assert "mayor que cero" in ada.last.text
    await ada.send("15 XYZ")
    assert "XYZ" in ada.last.text and "moneda" in ada.last.text
    await ada.send("quince")
    assert "«quince»" in ada.last.text
    # Every refusal asked again under the same buttons; nothing was saved meanwhile.
    assert ada.last.buttons == [["A consultar"], ["Volver", "Cancelar"]]
    assert (await packages(harness))[0].price_minor is None

    await ada.send("15,50 €")
    assert "actualizado" in ada.last.text or "Cambio guardado" in ada.last.text
    [row] = await packages(harness)
    assert (row.price_minor, row.currency) == (1550, "EUR")

    # The other ways, one edit each.
    for typed, minor, currency in ACCEPTED[2:6]:
        await ada.click("Ver el paquete")
        await ada.click("Editar")
        await ada.click("Precio")
        await ada.send(typed)
        [row] = await packages(harness)
        assert (row.price_minor, row.currency) == (minor, currency), typed


async def test_the_wizard_says_the_price_back(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="en")
    await harness.start_app()
    await ada.send("/start")
    await ada.click("Content packages")
    await ada.click("New package")
    await ada.send("Portraits")
    await ada.send("Twelve portraits.")
    await ada.click("VIP content")
    await ada.send("15 XYZ")
    assert "'XYZ'" in ada.last.text and "Step 4 of 5" not in ada.last.text
    await ada.send("$15")
    # Read as US dollars, and said so before the last step.
    assert "$15.00" in ada.last.text and "Step 5 of 5" in ada.last.text
    await ada.click("Without media")
    [row] = await packages(harness)
    assert (row.name, row.price_minor, row.currency) == ("Portraits", 1500, "USD")
