"""The probe's suite: a whole bot on a database of its own, and the probe's code.

Not named test_*.py, so the diagnostics suite does not collect it; the runner names it.
"""

from __future__ import annotations

from typing import Any

import pytest

from lucien.plugins.diagnostics.tests.probe import describe


def test_describe_one() -> None:
    assert describe(1) == "one"


@pytest.mark.lucien(plugins=["admin"])
async def test_a_whole_bot_answers_on_a_database_of_its_own(harness: Any) -> None:
    ana = harness.user("Ana")
    await harness.start_app()
    await ana.send("/start")
    assert ana.last.text.startswith("Welcome, Ana")
