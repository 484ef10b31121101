"""Two passing tests and one that fails on purpose: diagnostics must name the latter.

Not named test_*.py, so the diagnostics suite does not collect it; the runner names it.
"""

import os


def test_passes() -> None:
    assert 1 + 1 == 2


def test_runs_without_production_settings() -> None:
    # The runner hides production resources from the child: it must not see them at all.
    assert "REDIS_URL" not in os.environ
    assert "BOT_TOKEN" not in os.environ
    assert os.environ["LUCIEN_TEST_DB"] == "sqlite"
    # Nor the deployment's plugin settings: the suite asserts the defaults.
    assert "VOICE_CREATOR_ID" not in os.environ


def test_deliberately_fails() -> None:
    assert "the house" == "in order", "this test fails on purpose"
