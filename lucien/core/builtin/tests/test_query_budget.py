"""Query budgets of the core's own flows (a known user's /start, /menu, the "Main menu"
button) and of the counter they rely on (`bot.count_queries()`).

Each budget is the count measured when it was set; a flow that needs more statements
(an N+1 creeping into role resolution, the greeting or a plugin's menu buttons) fails
here with every statement listed. The bot runs with the project's own plugins, as in
production, on SQLite and PostgreSQL (the counts are the same on both).
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from lucien.core.clock import FakeClock
from lucien.core.menus import MenuCallback
from lucien.core.testing.harness import BotHarness

pytestmark = pytest.mark.lucien(
    plugins=["voice", "admin", "vip", "free", "content", "publish", "diagnostics"]
)


async def test_a_known_users_start_and_the_main_menu(harness: BotHarness, clock: FakeClock) -> None:
    ana = harness.user("Ana", language_code="es")
    ben = harness.user("Ben", language_code="es")
    await harness.start_app()
    await ana.send("/start")  # her first visit: from now on she is known
    menu = ana.last.buttons  # the base role's menu, a button from each feature plugin
    assert len(menu) >= 4

    # Her role, her block status and her last visit are all in this replica's memory.
    async with harness.count_queries() as q:
        await ana.send("/start")
    q.assert_at_most(0, "a known user's /start")
    assert ana.last.buttons == menu

    async with harness.count_queries() as q:
        await ana.send("/menu")
    q.assert_at_most(0, "/menu")
    assert ana.last.buttons == menu

    async with harness.count_queries() as q:
        await ana.press(ana.last, MenuCallback(screen="main").pack())
    q.assert_at_most(0, "the Main menu button")
    assert ana.last.buttons == menu

    # An hour later (past the user tracker's refresh): when she was last here is read
    # for the greeting (1), and her visit is recorded (1).
    clock.advance(hours=1)
    async with harness.count_queries() as q:
        await ana.send("/start")
    q.assert_at_most(2, "a known user's /start an hour later")
    assert ana.last.buttons == menu

    # A replica that never saw her (updates go to the newest replica's webhook). Its
    # configuration is read once for everybody (Ben's /start), not counted here. Then her
    # role from each plugin that grants one (admins: 1, VIP: 1), whether an admin blocked
    # her (1), her last visit (1) and the record of this one (1).
    await harness.start_app()
    await ben.send("/start")
    async with harness.count_queries() as q:
        await ana.send("/start")
    q.assert_at_most(5, "a known user's /start on a replica that never saw her")
    assert ana.last.buttons == menu


async def test_the_counter_counts_updates_and_job_runs_only_when_asked(
    harness: BotHarness, clock: FakeClock
) -> None:
    ana = harness.user("Ana", language_code="es")
    ben = harness.user("Ben", language_code="es")
    await harness.start_app()
    for user in (ana, ben):
        await user.send("/start")
    clock.advance(hours=1)

    async with harness.count_queries() as q:
        async with harness.ctx.db.session(readonly=True) as session:  # the test's own
            await session.execute(text("SELECT 1"))
        await harness.run_jobs()  # not asked for: left out
        await ana.send("/start")
        await ben.send("/start")
    # Two returning users: their last visit read and their visit recorded, each.
    assert q.count == 4, q.report()
    assert all("users" in sql for sql in q.statements), q.report()
    with pytest.raises(AssertionError) as failed:
        q.assert_at_most(3, "two returns")
    message = str(failed.value)
    assert message.startswith("query budget exceeded for two returns: 4 > 3\n4 statements")
    assert "  repeated 2x: SELECT users.last_seen FROM users WHERE users.id = ?" in message
    assert f"    1. SELECT users.last_seen FROM users WHERE users.id = ?  -- ({ana.id},)" in (
        message
    )

    # Asked for, the jobs' statements count and are marked as theirs.
    async with harness.count_queries(jobs=True) as q:
        await harness.run_jobs()
    assert q.count > 0 and all(entry.source == "job" for entry in q.entries)
    assert "[job]" in q.report()
