"""Prices as admins type them: "15 €", "€15", "15,50 €", "$15", "US$ 15", "9.99 usd",
"1.500 EUR"; and the reasons one is refused (not a price, not above zero, not a currency).

The amount takes a comma or a dot for the decimals (one or two digits after it); a group
of three digits after a separator is a thousands group ("1.500" is fifteen hundred, as a
Spanish speaker writes it). The currency is an ISO 4217 code in use today (Babel knows
which: the legal tender of some territory), a symbol, or its name in words; a price
needs one to mean anything to users.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache

from babel import Locale
from babel import numbers as babel_numbers

#: Words that mean "price on request" when typed at the price step.
ON_REQUEST_WORDS = frozenset({"consultar", "a consultar", "on request", "ask", "-"})
#: Symbols and words admins write for a currency. "$" alone is read as US dollars: the
#: saved price is shown back ("15,00 US$"), so another dollar is written with its code.
SYMBOLS = {
    "€": "EUR",
    "eur": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "$": "USD",
    "us$": "USD",
    "usd$": "USD",
    "dólar": "USD",
    "dólares": "USD",
    "dolar": "USD",
    "dolares": "USD",
    "dollar": "USD",
    "dollars": "USD",
    "£": "GBP",
    "mx$": "MXN",
}
#: The largest price accepted (in units): the column holds minor units in 32 bits.
MAX_UNITS = 9_999_999

_AMOUNT = r"(?P<amount>[-−]?\s*(?:\d{1,3}(?:[.,\s]\d{3})+|\d+)(?:[.,]\d{1,2})?)"
_CURRENCY = r"(?P<currency>[^\d\s.,-][^\d]*?)"
_BEFORE = re.compile(rf"\s*{_CURRENCY}\s*{_AMOUNT}\s*")
_AFTER = re.compile(rf"\s*{_AMOUNT}\s*{_CURRENCY}\s*")


class PriceError(ValueError):
    """Why a price was refused: `reason` is "format" (not a price), "not_positive"
    (zero or less) or "currency" (`currency`: what was written, not a currency)."""

    def __init__(self, reason: str, currency: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.currency = currency


@dataclass(frozen=True)
class Price:
    """A price read from text: minor units (cents) and an ISO 4217 code; both None for
    "on request"."""

    minor: int | None
    currency: str | None


@cache
def currencies_in_use() -> frozenset[str]:
    """ISO 4217 codes that are some territory's legal tender today (Babel's CLDR data):
    "EUR", "MXN", not "ESP" (the peseta) nor "XAU" (gold)."""
    today = date.today()
    found: set[str] = set()
    for territory in Locale("en").territories:
        if isinstance(territory, str) and len(territory) == 2 and territory.isalpha():
            found.update(babel_numbers.get_territory_currencies(territory, today, tender=True))
    return frozenset(found)


def _currency(written: str) -> str:
    word = written.strip().lower()
    if word in SYMBOLS:
        return SYMBOLS[word]
    code = word.upper()
    if re.fullmatch(r"[A-Z]{3}", code) and code in currencies_in_use():
        return code
    raise PriceError("currency", written.strip())


def _amount(written: str) -> Decimal:
    text = re.sub(r"\s", "", written).replace("−", "-")
    decimals = ""
    # The last separator followed by one or two digits marks the decimals.
    found = re.search(r"[.,](\d{1,2})$", text)
    if found:
        decimals, text = found.group(1), text[: found.start()]
    units = re.sub(r"[.,]", "", text)
    return Decimal(f"{units}.{decimals or '0'}")


def parse_price(raw: str) -> Price:
    """The price an admin typed (module docstring); "consultar" is on request.

    Raises PriceError saying why it is not a price users could be shown.
    """
    text = (raw or "").strip()
    if text.lower() in ON_REQUEST_WORDS:
        return Price(None, None)
    match = _AFTER.fullmatch(text) or _BEFORE.fullmatch(text)
    if match is None:
        raise PriceError("format")
    currency = _currency(match.group("currency"))
    amount = _amount(match.group("amount"))
    if amount <= 0:
        raise PriceError("not_positive")
    if amount > MAX_UNITS:
        raise PriceError("format")
    return Price(int(amount * 100), currency)
