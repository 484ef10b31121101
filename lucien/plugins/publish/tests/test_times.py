"""Times as admins type them (`parse_when`), in the creator's zone: the walkthrough's
cases, where a past date without its year was quietly taken as next year's."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from lucien.plugins.publish.services import parse_when

MX = ZoneInfo("America/Mexico_City")
# 29 November 2026, 7:44 in Mexico City.
NOW = datetime(2026, 11, 29, 13, 44, tzinfo=UTC)


def local(text: str) -> datetime | None:
    moment = parse_when(text, MX, NOW)
    return None if moment is None else moment.astimezone(MX).replace(tzinfo=None)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("21:00", datetime(2026, 11, 29, 21, 0)),  # later today
        ("7:00", datetime(2026, 11, 30, 7, 0)),  # already past today: tomorrow
        ("24/12 21:00", datetime(2026, 12, 24, 21, 0)),
        ("24/12/2027 21.30", datetime(2027, 12, 24, 21, 30)),
        ("2026-12-24 21h00", datetime(2026, 12, 24, 21, 0)),
        ("12/31 23:00", datetime(2026, 12, 31, 23, 0)),  # an English month/day
        ("05/01 10:00", datetime(2027, 1, 5, 10, 0)),  # January, typed in November
        # Recent past dates come back as they are: the caller says they passed.
        ("29/11 07:00", datetime(2026, 11, 29, 7, 0)),
        ("28/11 21:00", datetime(2026, 11, 28, 21, 0)),
    ],
)
def test_times_as_admins_type_them(typed: str, meant: datetime) -> None:
    assert local(typed) == meant


@pytest.mark.parametrize("typed", ["mañana", "25:00", "31/02 10:00", "21", "", "12:60"])
def test_what_is_not_a_time(typed: str) -> None:
    assert parse_when(typed, MX, NOW) is None
