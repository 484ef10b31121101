"""The VIP section of the statistics screen (SQLite and PostgreSQL): the figures of a
seeded world, written here row by row with what each row should count for; and the
same number of statements with 10,000 rows as with 10."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, insert

from lucien.core.formatting import Money
from lucien.plugins.vip import plugin
from lucien.plugins.vip.models import Plan, Subscription, SubscriptionEvent, Token
from lucien.plugins.vip.services.stats import VipStats
from lucien.plugins.vip.tests.card_helpers import start_with_channel, viewer, vip

pytestmark = pytest.mark.lucien(plugins=["voice", "admin", "vip"])

D = timedelta(days=1)


async def seed_world(harness: Any) -> None:
    """Plans, subscriptions, history and tokens, each commented with what it counts for."""
    now: datetime = harness.clock.now()
    gold, year, euro, free = 1, 2, 3, 4

    def sub(uid: int, plan: int | None, ends: timedelta, expired: timedelta | None = None) -> dict:
        return {"user_id": uid, "plan_id": plan, "started_at": now - 40 * D,
                "ends_at": now + ends, "expired_at": None if expired is None else now + expired}  # fmt: skip

    def ev(uid: int, at: timedelta, kind: str, source: str) -> dict:
        return {"user_id": uid, "at": now + at, "kind": kind, "source": source}

    def tok(n: int, expires: timedelta, redeemed: int | None = None, revoked: bool = False) -> dict:
        return {"code": f"VIP-{n:024d}", "plan_id": gold, "created_at": now - 50 * D,
                "expires_at": now + expires, "redeemed_by": redeemed,
                "redeemed_at": now - D if redeemed else None,
                "revoked_at": now - D if revoked else None}  # fmt: skip

    async with harness.ctx.db.session() as s:
        await s.execute(insert(Plan), [
            {"id": gold, "name": "Gold", "days": 30, "price_minor": 999, "currency": "USD", "created_at": now},
            {"id": year, "name": "Year", "days": 365, "price_minor": 9900, "currency": "USD", "created_at": now},
            {"id": euro, "name": "Euro", "days": 30, "price_minor": 500, "currency": "EUR", "created_at": now},
            {"id": free, "name": "Free", "days": 30, "price_minor": 0, "currency": "", "created_at": now},
        ])  # fmt: skip
        await s.execute(insert(Subscription), [
            sub(1, gold, 3 * D),  # active, expiring, $9.99 a month
            sub(2, gold, 20 * D),  # active, $9.99
            sub(3, year, 200 * D),  # active, $99.00 over 365 days: $8.1370 a month
            sub(4, euro, 6 * D),  # active, expiring, €5.00
            sub(5, free, 10 * D),  # active, no revenue
            sub(6, None, D),  # active (days granted without a plan), expiring, no revenue
            sub(9, gold, 7 * D),  # active, expiring (the 7th day counts), $9.99
            sub(7, gold, -5 * D, -5 * D),  # ended
            sub(8, gold, -timedelta(hours=1)),  # ended, the expiry job not there yet
        ])  # fmt: skip
        await s.execute(insert(SubscriptionEvent), [
            ev(1, -2 * D, "start", "token"),  # new in 7 and 30 days
            ev(6, -2 * D, "start", "admin"),  # new in 7 and 30 days
            ev(2, -10 * D, "start", "token"),  # new in 30 days
            ev(4, -20 * D, "start", "token"),  # new in 30 days
            ev(4, -3 * D, "renew", "token"),  # a renewal
            ev(3, -40 * D, "start", "token"),  # too old to count
            ev(3, -5 * D, "renew", "admin"),  # a renewal
            ev(7, -100 * D, "start", "token"),
            ev(7, -5 * D, "end", "expiry"),  # a lapse
            ev(10, -6 * D, "start", "token"),  # new in 7 and 30 days
            ev(10, -4 * D, "end", "revoke"),  # revoked: not a lapse
            ev(11, -31 * D, "end", "expiry"),  # too old to count
            ev(12, -25 * D, "start", "token"),  # new in 30 days (once, with its comeback)
            ev(12, -15 * D, "end", "expiry"),  # a lapse
            ev(12, -3 * D, "start", "token"),  # back: new in 7 days
        ])  # fmt: skip
        await s.execute(insert(Token), [
            tok(1, 10 * D, redeemed=1),  # redeemed
            tok(2, -10 * D, redeemed=2),  # redeemed (before it expired)
            tok(3, 10 * D, revoked=True),  # revoked: neither
            tok(4, -D),  # expired unused: neither
            tok(5, 10 * D),  # unused
            tok(6, 30 * D),  # unused
        ])  # fmt: skip


EXPECTED = VipStats(
    active=7,
    new_7d=4,  # users 1, 6, 10, 12
    new_30d=6,  # and 2, 4
    expiring_7d=4,  # users 1, 4, 6, 9
    renewals_30d=2,
    lapses_30d=2,
    tokens_generated=6,
    tokens_redeemed=2,
    tokens_unused=2,
    # USD: 3 x 9.99 + 99.00 x 30 / 365 = 38.1070 -> 38.11; EUR: 5.00
    revenue=[Money.from_minor(500, "EUR"), Money.from_minor(3811, "USD")],
)


async def test_the_figures_of_a_seeded_world(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="en")
    await start_with_channel(harness)
    await seed_world(harness)
    assert await vip(harness).statistics.stats() == EXPECTED

    section = await plugin.lucien_statistics(ctx=harness.ctx, viewer=viewer(ada))
    assert section.title == "<b>The Divan (VIP)</b>"
    assert list(section.lines) == [
        "Active VIP members: <b>7</b>",
        "New VIPs: <b>4</b> in 7 days, <b>6</b> in 30 days",
        "Ending within 7 days: <b>4</b>",
        "Renewals in 30 days: <b>2</b>",
        "Lapses in 30 days: <b>2</b>",
        "Invitations: <b>6</b> generated, <b>2</b> redeemed, <b>2</b> unused",
        "Projected monthly revenue: <b>€5.00</b>",
        "Projected monthly revenue: <b>$38.11</b>",
    ]
    assert [b.text for b in section.buttons] == ["VIP members"]

    # In Spanish, the amounts as Spanish writes them.
    es = viewer(ada).model_copy(update={"language_code": "es"})
    lines = (await plugin.lucien_statistics(ctx=harness.ctx, viewer=es)).lines
    assert lines[-2:] == (
        "Ingreso mensual previsto: <b>5,00\u00a0€</b>",
        "Ingreso mensual previsto: <b>38,11\u00a0US$</b>",
    )


async def test_an_empty_house_has_no_revenue_line_but_says_so(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="en")
    await start_with_channel(harness)
    section = await plugin.lucien_statistics(ctx=harness.ctx, viewer=viewer(ada))
    assert section.lines[0] == "Active VIP members: <b>0</b>"
    assert section.lines[-1] == "Projected monthly revenue: none (no priced plan running)."


@contextmanager
def counting(harness: Any) -> Iterator[list[str]]:
    """Every SQL statement sent to the database meanwhile."""
    statements: list[str] = []
    engine = harness.ctx.db.engine.sync_engine

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def bulk(harness: Any, first: int, count: int) -> None:
    """`count` users' rows of every kind the statistics read, in every state."""
    now: datetime = harness.clock.now()
    subs, events, tokens = [], [], []
    for n in range(first, first + count):
        ends = now + timedelta(hours=(n % 400) - 100)
        subs.append({"user_id": n, "plan_id": 1 + n % 3, "started_at": now - 40 * D,
                     "ends_at": ends, "expired_at": ends if ends < now and n % 2 else None})  # fmt: skip
        kind = ("start", "renew", "end")[n % 3]
        events.append({"user_id": n, "at": now - timedelta(hours=n % 900), "kind": kind,
                       "source": "expiry" if kind == "end" else "token"})  # fmt: skip
        tokens.append({"code": "VIP-" + secrets.token_urlsafe(18), "plan_id": 1,
                       "created_at": now, "expires_at": now + timedelta(hours=(n % 50) - 10),
                       "redeemed_by": n if n % 4 == 0 else None})  # fmt: skip
    async with harness.ctx.db.session() as s:
        for model, rows in ((Subscription, subs), (SubscriptionEvent, events), (Token, tokens)):
            for start in range(0, len(rows), 2000):
                await s.execute(insert(model), rows[start : start + 2000])


async def test_ten_thousand_rows_cost_no_more_statements_than_ten(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="en")
    await start_with_channel(harness)
    svc = vip(harness)
    for name, days, price, currency in (
        ("A", 30, 999, "USD"),
        ("B", 90, 2500, "EUR"),
        ("C", 7, 0, ""),
    ):
        await svc.create_plan(name, days, price, currency)  # ids 1, 2, 3
    await bulk(harness, 1_000_000, 10)

    async def measured() -> tuple[Any, list[str]]:
        # Warmed first: the settings cache's refresh and SQLite's switch of a pooled
        # connection to read-only are one-offs, not the figures' cost.
        await plugin.lucien_statistics(ctx=harness.ctx, viewer=viewer(ada))
        with counting(harness) as statements:
            stats = await svc.statistics.stats()
            await plugin.lucien_statistics(ctx=harness.ctx, viewer=viewer(ada))
        return stats, statements

    small, few = await measured()
    await bulk(harness, 2_000_000, 9_990)
    large, many = await measured()

    assert large.tokens_generated == 10_000 and small.tokens_generated == 10
    assert large.active > small.active
    vip_reads = [q for q in many if "vip_" in q]
    assert len(vip_reads) == 8, vip_reads  # four aggregates, twice
    assert len(many) == len(few), "\n".join(
        ["FEW", *[q[:90] for q in few], "MANY", *[q[:90] for q in many]]
    )
