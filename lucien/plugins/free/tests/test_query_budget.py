"""Query budgets of the free channel's door: a join request, from someone who has talked
to the bot and from someone who never did, and the approval tick that lets them in.

Each budget is the count measured when it was set, with what the statements are; more
(an N+1 in the request's path or in the job) fails with every statement listed
(`bot.count_queries()`). SQLite and PostgreSQL count the same.
"""

from __future__ import annotations

from typing import Any

import pytest

from lucien.plugins.free.tests.helpers import rows, setup_free

pytestmark = pytest.mark.lucien(plugins=["voice", "free"])
#: The jobs that approve requests and deliver the welcomes.
JOBS = {"free.approvals", "free.welcomes", "core.outbox"}


async def test_join_requests_and_their_approval(harness: Any) -> None:
    await harness.start_app()
    channel, link = await setup_free(harness, wait=10)
    eva, fay, gil, hal = (harness.user(n, language_code="en") for n in ("Eva", "Fay", "Gil", "Hal"))
    await eva.send("/start")
    assert await hal.join(link) == "requested"  # the free settings read once, not counted

    # Someone who talked to the bot: the request recorded (1, INSERT ... ON CONFLICT DO
    # NOTHING, so nothing is lost if the rest fails), then, Telegram having said she is
    # not banned, the check marked as passed (1).
    async with harness.count_queries() as q:
        assert await eva.join(link) == "requested"
    q.assert_at_most(2, "a join request")
    assert "10 minutes" in eva.last_text

    # Someone who never did: the same, and the core's record of a new user (1).
    async with harness.count_queries() as q:
        assert await fay.join(link) == "requested"
    q.assert_at_most(3, "a first contact's join request")
    assert await gil.join(link) == "requested"

    # The tick that approves the four of them: claiming the due requests (1), then per
    # request its approval (1) and its welcome queued in the outbox (1); the channel's
    # rights noted as fine (1), the welcomes still to queue looked for (1), the outbox
    # claimed (1), each welcome marked sent (1 each), the outbox's old rows swept (1).
    # 5 + 3 per request: growing with the batch only where a message goes out. (Only the
    # jobs of this door run: the core's other jobs are not the free channel's cost.)
    harness.clock.advance(minutes=10)
    async with harness.count_queries(jobs=True) as q:
        await harness.run_jobs(only=JOBS)
    q.assert_at_most(5 + 3 * 4, "approving four requests")
    assert {r.status for r in await rows(harness)} == {"approved"}
    assert all(channel.members.get(u.id) == "member" for u in (eva, fay, gil, hal))
