"""The vip plugin's own suite (shipped in the package; diagnostics can run it).

Token format, prices, the admin screens (plan edit and archive, token batches as a list
and as CSV, cancel), the member's menus and the role hook, through the emulator.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from sqlalchemy import select

from lucien.plugins.vip.models import Plan, Token
from lucien.plugins.vip.services import TOKEN_RE, VipService, new_token_code, parse_price

pytestmark = pytest.mark.lucien(plugins=["voice", "admin", "vip"])
TOKEN = re.compile(r"VIP-[A-Za-z0-9_-]{24}")


def test_token_format() -> None:
    codes = {new_token_code() for _ in range(1000)}
    assert len(codes) == 1000
    for code in codes:
        assert TOKEN_RE.match(code)
        assert len(code) <= 64 and re.fullmatch(r"[A-Za-z0-9_-]+", code)
    # 18 random bytes = 144 bits >= 96
    assert len(code) - len("VIP-") == 24


def test_parse_price() -> None:
    assert parse_price("9.99 USD") == (999, "USD")
    assert parse_price("10,5 eur") == (1050, "EUR")
    assert parse_price("0") == (0, "")
    assert parse_price("12") is None  # a price needs its currency
    assert parse_price("cheap") is None


async def _admin_menu(admin: Any) -> None:
    await admin.send("/vipadmin")


async def _new_plan(admin: Any, name: str, days: str, price: str) -> None:
    await _admin_menu(admin)
    await admin.click("Plans")
    await admin.click("New plan")
    await admin.send(name)
    await admin.send(days)
    await admin.send(price)


async def test_plan_edit_archive_and_validation(harness: Any) -> None:
    admin = harness.admin("Custodio", language_code="en")
    ana = harness.user("Ana", language_code="en")
    await harness.start_app()

    await _admin_menu(admin)
    await admin.click("Plans")
    await admin.click("New plan")
    await admin.send("Gold")
    await admin.send("forever")
    assert "'forever' is not a valid duration" in admin.last.text
    await admin.send("30")
    await admin.send("lots")
    assert "'lots' is not a price" in admin.last.text
    await admin.send("9.99 usd")
    assert "Gold" in admin.last.text

    # what VIP offers, as a free user sees it
    await ana.send("/start")
    await ana.click("What awaits in the Divan")
    assert "• Gold: 30 days — $9.99" in ana.last.text

    # edit
    await _admin_menu(admin)
    await admin.click("Plans")
    await admin.click("Gold")
    await admin.click("Edit")
    await admin.send("Gold+")
    await admin.send("60")
    await admin.send("19 EUR")
    assert "Gold+" in admin.last.text and "60 days" in admin.last.text

    # cancel leaves things as they were
    await _admin_menu(admin)
    await admin.click("Plans")
    await admin.click("New plan")
    await admin.click("Cancel")
    await admin.send("Silver")  # no longer taken as a plan name
    async with harness.ctx.db.session() as s:
        plans = list(await s.scalars(select(Plan)))
    assert [(p.name, p.days, p.price_minor, p.currency) for p in plans] == [
        ("Gold+", 60, 1900, "EUR")
    ]

    # archive: hidden from the list and from token generation
    await _admin_menu(admin)
    await admin.click("Plans")
    await admin.click("Gold+")
    await admin.click("Archive")
    assert "archived" in admin.last.text
    await _admin_menu(admin)
    await admin.click("Generate invitation")
    assert "no plans" in admin.last.text.lower()


async def test_token_batches_list_and_csv(harness: Any) -> None:
    admin = harness.admin("Custodio", language_code="en")
    await harness.start_app()
    await _new_plan(admin, "Gold", "30", "0")

    await _admin_menu(admin)
    await admin.click("Generate invitation")
    await admin.click("Gold")
    await admin.send("501")
    assert "from 1 to 500" in admin.last.text
    assert "501" not in admin.last.text  # says what is wrong, without echoing the input
    await admin.send("5")
    links = re.findall(r"https://t\.me/\S+\?start=(VIP-\S{24})", admin.last.text)
    assert len(set(links)) == 5

    await _admin_menu(admin)
    await admin.click("Generate invitation")
    await admin.click("Gold")
    await admin.send("500")
    document = admin.last.document
    assert document is not None and document.filename.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(document.data.decode())))
    assert len(rows) == 500 and len({r["token"] for r in rows}) == 500
    assert rows[0]["link"].endswith("?start=" + rows[0]["token"])
    async with harness.ctx.db.session() as s:
        assert len(list(await s.scalars(select(Token)))) == 505


async def test_role_and_menu_buttons(harness: Any) -> None:
    admin = harness.admin("Custodio", language_code="en")
    ana = harness.user("Ana", language_code="en")
    await harness.start_app()
    svc = harness.ctx.service("vip", VipService)
    plan = await svc.create_plan("Gold", 30, 0, "")
    [code] = await svc.generate_tokens(plan.id, 1, by=admin.id)
    await admin.send("/start")  # a bot may only write to those who started it

    await ana.send("/start")
    labels = [b for row in ana.last.buttons for b in row]
    assert "Redeem an invitation" in labels and "My VIP membership" not in labels
    await ana.click("Redeem an invitation")
    await ana.send(code)
    assert "Gold" in ana.last.text and "30 days" in ana.last.text
    assert ana.last.buttons == [["Continue"]]  # the entry ritual's first stage
    await ana.click("Continue")
    await ana.click("I am ready")  # no VIP channel configured: the admins hear of it
    assert ana.last.buttons == [["Try again"]]
    assert "VIP channel" in admin.last.text

    await ana.send("/start")  # back at the ritual's stage, still unavailable
    assert ana.last.buttons == [["Try again"]]
    await ana.send("/menu")  # the main menu: a member's
    labels = [b for row in ana.last.buttons for b in row]
    assert "My VIP membership" in labels and "Redeem an invitation" not in labels
    await ana.click("My VIP membership")  # the same stage
    assert ana.last.buttons == [["Try again"]]

    # not for members: the admin screens
    await ana.send("/vipadmin")
    assert "VIP administration" not in (ana.last.text or "")
