"""/diag shows how many rows each job would take now (issue 10: job queue depths)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from lucien.plugins.free.tests.helpers import setup_free

pytestmark = pytest.mark.lucien(plugins=["voice", "admin", "free", "vip", "diagnostics"])


def _depth(report: str, job: str) -> str:
    match = re.search(rf"{re.escape(job)}: every [\d.]+ s, (\S+) waiting", report)
    assert match, f"{job} not in the report:\n{report}"
    return match.group(1)


async def test_diag_counts_the_join_requests_waiting_for_approval(harness: Any) -> None:
    admin = harness.admin("Diana", language_code="en")
    await harness.start_app()
    _channel, link = await setup_free(harness, wait=10)
    for name in ("Ana", "Bea"):
        assert await harness.user(name, language_code="en").join(link) == "requested"

    await admin.send("/diag")
    assert _depth(admin.last.text, "free channel approvals") == "0"  # asked, not yet due

    harness.clock.advance(minutes=11)  # due now; the job has not run yet
    await admin.send("/diag")
    assert _depth(admin.last.text, "free channel approvals") == "2"
    assert _depth(admin.last.text, "VIP expiries") == "0"

    await harness.run_jobs()
    await admin.send("/diag")
    assert _depth(admin.last.text, "free channel approvals") == "0"
