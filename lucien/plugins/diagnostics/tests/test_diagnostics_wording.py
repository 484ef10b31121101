"""/diag as an admin reads it: jobs and plugins by name in words, figures spaced and
formatted as the language writes them; report files named by the bot's own clock.

Conversations through the emulator (SQLite), asserting on what the admin sees.
"""

from __future__ import annotations

from datetime import UTC, datetime
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import pytest

from lucien.core.clock import FakeClock
from lucien.plugins.diagnostics.services import diagnostics_service

PLUGINS = ["admin", "vip", "free", "diagnostics"]
FAILING = EntryPoint("failing", "lucien.plugins.diagnostics.tests.probe:failing", "lucien.plugins")


@pytest.mark.lucien(plugins=[*PLUGINS, "failing"])
async def test_a_test_report_is_named_by_the_bots_clock(harness: Any) -> None:
    """The sandbox and the tests move time: the file says the bot's moment, not the
    machine's (this clock is moved to 2031)."""
    assert isinstance(harness.clock, FakeClock)
    harness.clock.advance(
        (datetime(2031, 7, 4, 9, 5, 6, tzinfo=UTC) - harness.clock.now()).total_seconds()
    )
    harness.entry_points = [*entry_points(group="lucien.plugins"), FAILING]
    ada = harness.admin("Ada")
    await harness.start_app()
    await ada.send("/run_tests failing")
    await diagnostics_service(harness.ctx).wait_idle()
    await harness.emulator.wait_idle()
    assert ada.last.document is not None
    assert ada.last.document.filename == "lucien-tests-20310704-090506.txt"
