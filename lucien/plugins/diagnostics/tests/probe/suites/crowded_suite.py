"""Many failures with long errors holding markup: the chat report must name them all in
pages under Telegram's limit, escaped, and count those past its share.

Not named test_*.py, so the diagnostics suite does not collect it; the runner names it.
"""

import pytest


@pytest.mark.parametrize("n", range(24))
def test_fails_with_markup(n: int) -> None:
    error = f"<b>broken</b> & {n:02d} " + "x" * 150 + "\nsecond line, never shown"
    raise AssertionError(error)
