"""Query budgets of the content flows: the packages list, a package's detail and "Me
interesa" (recorded, then pressed again within the window), with two custodians to tell.

Each budget is the count measured when it was set, with what the statements are; more
(a statement per package in the list, per admin beyond their message) fails with every
statement listed (`bot.count_queries()`). SQLite and PostgreSQL count the same.
"""

from __future__ import annotations

from typing import Any

import pytest

from lucien.plugins.content.tests.helpers import (
    ENTRY_POINTS,
    MINE,
    PLUGINS,
    WANT,
    count_interests,
    labels,
    seed,
)

pytestmark = pytest.mark.lucien(entry_points=ENTRY_POINTS, plugins=PLUGINS)
PACKS = [f"Pack {n}" for n in ("Luna", "Sol", "Mar", "Bosque", "Niebla")]


async def test_the_packages_list_a_package_and_an_interest(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="es")
    bruno = harness.admin("Bruno", language_code="es")
    ana = harness.user("Ana", language_code="es", username="ana_k")
    eva = harness.user("Eva", language_code="es")
    await harness.start_app()
    for name in PACKS:
        await seed(harness, name, "free", price=(1000, "EUR"))
    for user in (ada, bruno, ana, eva):
        await user.send("/start")
    # Eva's interest first: the content settings are read once for everybody (not here).
    await eva.click(MINE)
    await eva.click(PACKS[0])
    await eva.click(WANT)

    # The list: her audience's packages in one statement, then cached for everybody.
    await ana.send("/start")
    async with harness.count_queries() as q:
        await ana.click(MINE)
    q.assert_at_most(0, "the packages list (cached)")
    assert all(name in labels(ana.last) for name in PACKS)

    # One package: its row (1).
    async with harness.count_queries() as q:
        await ana.click(PACKS[2])
    q.assert_at_most(1, "a package's detail")
    assert PACKS[2] in ana.last.text

    # "Me interesa": the custodians to tell (1), the package locked (1), an interest of
    # hers within the window looked for (1), hers inserted (1), the custodians' languages
    # (1, one statement for all); per custodian their message queued in the outbox (1)
    # and marked sent (1); the outbox's claim of them (1).
    async with harness.count_queries() as q:
        await ana.click(WANT)
    q.assert_at_most(6 + 2 * 2, '"Me interesa" with two custodians')
    assert await count_interests(harness) == 2
    assert any(PACKS[2] in (m.text or "") for m in bruno.messages)

    # Pressed again within the window: the custodians, the package, her recent interest.
    async with harness.count_queries() as q:
        await ana.click(WANT)
    q.assert_at_most(3, '"Me interesa" again within the window')
    assert await count_interests(harness) == 2


async def test_the_packages_list_read_once_whatever_the_packages(harness: Any) -> None:
    ana = harness.user("Ana", language_code="es")
    await harness.start_app()
    for name in PACKS:
        await seed(harness, name, "free")
    await ana.send("/start")

    # The first look after a change: the audience's list in one statement (1).
    async with harness.count_queries() as q:
        await ana.click(MINE)
    q.assert_at_most(1, "the packages list (after a change)")
    assert all(name in labels(ana.last) for name in PACKS)
