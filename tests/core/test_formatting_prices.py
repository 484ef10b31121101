"""Prices (`Money`) and already-rendered lines (`Markup`) in the core's template formats,
the same for the plain defaults (PlainVoice) as for the voice's catalogue lines."""

from __future__ import annotations

from decimal import Decimal

from lucien.core.formatting import Markup, Money, format_money, render, spec_problem
from lucien.core.plugin import MessageKey
from lucien.core.voice import PlainVoice

NBSP = "\xa0"


def test_a_price_is_written_as_the_locale_writes_it() -> None:
    price = Money.from_minor(999, "usd")
    assert price == Money(Decimal("9.99"), "USD")
    assert format_money(price, "es") == f"9,99{NBSP}US$"
    assert format_money(price, "en") == "$9.99"
    assert format_money(Money.from_minor(150, "EUR"), "es") == f"1,50{NBSP}€"
    assert format_money(Money.from_minor(150, "EUR"), "en") == "€1.50"
    assert format_money(Money.from_minor(123450, "MXN"), "es") == f"1.234,50{NBSP}MXN"


def test_templates_take_a_price_plain_as_money_or_as_its_number() -> None:
    price = Money.from_minor(1234567, "EUR")
    assert render("{p:money}", {"p": price}, locale="es") == (f"12.345,67{NBSP}€", [])
    assert render("{p}", {"p": price}, locale="en") == ("€12,345.67", [])
    assert render("{p:number}", {"p": price}, locale="es") == ("12.345,67", [])
    assert spec_problem("money") is None
    # a price is not a count, and a number is not a price
    assert render("{p:days}", {"p": price}, locale="es")[1]
    assert render("{p:money}", {"p": 9.99}, locale="es")[1]


def test_markup_is_placed_as_is_and_plain_text_is_escaped() -> None:
    lines = Markup("<b>Gold</b> — 9,99 US$\n<b>Silver</b>")
    assert render("Plans:\n{plans}", {"plans": lines}, locale="es") == (
        "Plans:\n<b>Gold</b> — 9,99 US$\n<b>Silver</b>",
        [],
    )
    assert render("{plans}", {"plans": "<b>x</b>"}, locale="es")[0] == "&lt;b&gt;x&lt;/b&gt;"


async def test_the_plain_voice_formats_prices_in_messages_and_buttons() -> None:
    voice = PlainVoice(
        {
            "k.price": MessageKey("k.price", "{plan}: {price:money}"),
            "k.label": MessageKey("k.label", "{plan} — {price}", button=True),
            "k.list": MessageKey("k.list", "Plans:\n{plans}"),
        }
    )
    price = Money.from_minor(1900, "EUR")
    assert await voice.say("k.price", plan="<Gold>", price=price) == "&lt;Gold&gt;: €19.00"
    assert await voice.button("k.label", plan="<Gold>", price=price) == "<Gold> — €19.00"
    line = await voice.say("k.price", plan="Gold", price=price)
    assert await voice.say("k.list", plans=Markup(line)) == "Plans:\nGold: €19.00"
