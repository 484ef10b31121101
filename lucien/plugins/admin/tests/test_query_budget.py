"""Query budget of the admins' statistics screen, with every feature plugin's section (as
in production): cached within the minute, computed again by Refresh.

The budget is the count measured when it was set: one aggregate per group of figures,
whatever the number of rows; a section that asks once per user, plan or post fails
here with every statement listed (`bot.count_queries()`). SQLite and PostgreSQL count
the same.
"""

from __future__ import annotations

from typing import Any

import pytest

from lucien.plugins.admin.tests.helpers import days_ago, seed_people

pytestmark = pytest.mark.lucien(plugins=["voice", "admin", "vip", "free", "content", "publish"])

# One statement per group of figures: people and custodians (1), VIP members, newcomers
# and lapses, invitations, revenue by plan (4), the vestibule (1), interests and
# packages (2), posts, reactions and the most reacted posts (3).
STATISTICS = 11


async def test_the_statistics_screen(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="en")
    await harness.start_app()
    await ada.send("/start")
    # A few people, so that a statement per person would show.
    await seed_people(harness.ctx, [f"P{i}" for i in range(6)], first_id=700)
    await seed_people(harness.ctx, ["Old"], first_id=800, last_seen=days_ago(harness.ctx, 10))

    # The first look also reads each plugin's settings, once per process (not counted).
    await ada.click("Statistics")
    assert "Users: 8\nActive in the last 7 days: 7\n" in ada.last.text
    assert "Active VIP members: 0" in ada.last.text
    # The free plugin's line has two wordings (the voice varies it).
    assert any(
        line in ada.last.text for line in ("Pending join requests: 0", "Waiting at the door: 0")
    )

    # Within the minute the figures are the cached ones: nothing asked.
    async with harness.count_queries() as q:
        await ada.send("/stats")
    q.assert_at_most(0, "the statistics screen within the minute")
    assert "Users: 8\n" in ada.last.text

    # Computed again: one statement per group of figures.
    await seed_people(harness.ctx, ["New"], first_id=900)
    async with harness.count_queries() as q:
        await ada.click("Refresh")
    q.assert_at_most(STATISTICS, "the statistics screen")
    assert "Users: 9\nActive in the last 7 days: 8\n" in ada.last.text
