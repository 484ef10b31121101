"""Query budgets of the VIP flows: redeeming an invitation, the VIP menu of a member and
of someone who never was one, a member's /start.

Each budget is the count measured when it was set, with what the statements are; a flow
that needs more (an N+1 in the membership, the ritual or the plans) fails with every
statement listed (`bot.count_queries()`). SQLite and PostgreSQL count the same.
"""

from __future__ import annotations

from typing import Any

import pytest

from lucien.plugins.vip.tests.card_helpers import cross_ritual, start_with_channel, vip

pytestmark = pytest.mark.lucien(plugins=["voice", "admin", "vip"])


async def invitations(harness: Any, count: int) -> list[str]:
    """A 30-day plan and `count` invitations to it, made as the admin screens make them."""
    service = vip(harness)
    plan = await service.plans.create_plan("Gold", 30, 999, "USD")
    return await service.tokens.generate_tokens(plan.id, count, by=None)


async def test_redemption_and_the_vip_menu(harness: Any) -> None:
    ana = harness.user("Ana", language_code="en")
    bob = harness.user("Bob", language_code="en")
    await start_with_channel(harness)
    code, _spare = await invitations(harness, 2)
    for user in (ana, bob):
        await user.send("/start")  # known users, their role cached

    # Someone who never was a member: the ritual he might be in (1), his membership (1),
    # whether he ever had one, for "Redeem" rather than "Renew" (1).
    async with harness.count_queries() as q:
        await bob.send("/vip")
    q.assert_at_most(3, "the VIP menu of someone who never was a member")
    assert ["Redeem an invitation"] in bob.last.buttons

    # Redeeming: the token consumed in one conditional UPDATE (1), its plan (1), the
    # subscription created if absent (1), read (1) and extended (1), the history event
    # (1), the ritual opened (1), the first stage's membership line (1), and the message
    # showing it remembered (1: the next stage shown takes its buttons off).
    async with harness.count_queries() as q:
        await ana.send(f"/start {code}")
    q.assert_at_most(9, "redeeming an invitation")
    assert "Gold" in ana.last.text and "30 days" in ana.last.text

    link = await cross_ritual(ana)
    assert await ana.join(link) == "joined"
    await ana.send("/vip")  # her role resolved again after the change, then cached

    # A member's VIP menu: the ritual (1, done) and her membership with its plan (1).
    async with harness.count_queries() as q:
        await ana.send("/vip")
    q.assert_at_most(2, "a member's VIP menu")
    assert "Gold" in ana.last.text and "30 days" in ana.last.text
    assert ana.last.buttons[0] == ["Get the link"]

    # A member's /start: the greeting hook asks whether a ritual waits for her (1).
    async with harness.count_queries() as q:
        await ana.send("/start")
    q.assert_at_most(1, "a member's /start")
    assert ["My VIP membership"] in ana.last.buttons
