"""Flood control: one user sending 30 /start in one second gets at most FLOOD_BURST
answers and one too-fast line; admins are not limited; replicas share the bucket."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from lucien.plugins.voice.services import load_catalogue

BURST = 10


def too_fast_lines() -> set[str]:
    catalogue = load_catalogue()
    return {v.text for lang in ("en", "es") for v in catalogue.variants(lang, "error.too_fast")}


async def burst_of_starts(user: Any, count: int = 30) -> None:
    # The test clock stands still: all of them arrive in the same instant.
    await asyncio.gather(*(user.send("/start") for _ in range(count)))


def split(user: Any) -> tuple[int, int]:
    """(answers other than the too-fast line, too-fast lines) the user received."""
    lines = too_fast_lines()
    told = sum(1 for m in user.messages if m.text in lines)
    return len(user.messages) - told, told


def dropped(app: Any) -> float:
    value = app.metrics.registry.get_sample_value("lucien_flood_dropped_total")
    return value or 0.0


async def test_thirty_starts_get_the_burst_and_one_too_fast_line(harness: Any) -> None:
    ana = harness.user("Ana", language_code="en")
    app = await harness.start_app()
    await burst_of_starts(ana)
    answered, told = split(ana)
    assert answered == BURST
    assert told == 1
    assert dropped(app) == 30 - BURST

    # Still flooding: dropped quietly, no second line.
    await ana.send("/start")
    assert split(ana) == (BURST, 1)

    # One second later one update is allowed again; after the bucket refilled, a new
    # excess streak is told again.
    await harness.advance(1)
    await ana.send("/start")
    assert split(ana) == (BURST + 1, 1)
    await harness.advance(60)
    await burst_of_starts(ana, BURST + 2)
    assert split(ana) == (2 * BURST + 1, 2)


async def test_an_admin_is_not_limited_and_other_users_keep_their_own_bucket(
    harness: Any,
) -> None:
    ada = harness.admin("Ada", language_code="en")
    ben = harness.user("Ben", language_code="en")
    await harness.start_app()
    await burst_of_starts(ada, 25)
    assert split(ada) == (25, 0)
    await burst_of_starts(ben, BURST)
    assert split(ben) == (BURST, 0)


async def test_exempt_roles_are_configurable(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="en")
    await harness.start_app(flood_exempt_roles="nobody")  # as FLOOD_EXEMPT_ROLES=nobody
    await burst_of_starts(ada, BURST + 3)
    assert split(ada) == (BURST, 1)


async def test_the_limit_is_configurable_and_can_be_turned_off(harness: Any) -> None:
    ana = harness.user("Ana", language_code="en")
    bea = harness.user("Bea", language_code="en")
    app = await harness.start_app(flood_burst=3, flood_rate=0.5)
    await burst_of_starts(ana, 6)
    assert split(ana) == (3, 1)
    await harness.advance(1)  # half a token: still refused, quietly
    await ana.send("/start")
    assert split(ana) == (3, 1)
    await harness.advance(1)
    await ana.send("/start")
    assert split(ana) == (4, 1)
    await app.stop()
    harness.apps.remove(app)
    await harness.start_app(flood_burst=0)
    await burst_of_starts(bea, 20)
    assert split(bea) == (20, 0)


@pytest.mark.lucien(redis=True)
async def test_two_replicas_on_redis_share_the_bucket(harness: Any) -> None:
    ana = harness.user("Ana", language_code="en")
    first = await harness.start_app()
    await burst_of_starts(ana, 6)
    # The second replica takes the webhook over: the same user's next updates reach it,
    # and it counts them against the bucket the first one filled.
    second = await harness.start_app()
    assert first.ctx.state.connected and second.ctx.state.connected
    await burst_of_starts(ana, 6)
    assert split(ana) == (BURST, 1)
    assert dropped(first) == 0
    assert dropped(second) == 2


async def test_a_refused_button_press_is_answered_without_a_message(harness: Any) -> None:
    ana = harness.user("Ana", language_code="en")
    await harness.start_app(flood_burst=2)
    await ana.send("/start")
    label = ana.last.buttons[0][0]
    await burst_of_starts(ana, 2)  # the second one is told
    assert split(ana) == (2, 1)
    query = await ana.click(label)
    assert query.answered  # no button left spinning
    assert split(ana) == (2, 1)
