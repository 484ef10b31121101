"""The content service under the screens: taps arriving together still count once (one
row, one notification per admin, on PostgreSQL's row lock as on SQLite's one writer), and
the users' cached lists follow every change.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest

from lucien.plugins.content.tests.helpers import (
    ENTRY_POINTS,
    PLUGINS,
    count_interests,
    seed,
    svc,
)

pytestmark = pytest.mark.lucien(entry_points=ENTRY_POINTS, plugins=PLUGINS)


async def _no_buttons(admin: Any, interest: Any) -> None:
    return None


async def test_taps_arriving_together_count_once(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="es")
    await harness.start_app()
    await ada.send("/start")
    package = await seed(harness, "Pack Luna", "free")
    ana = SimpleNamespace(id=4242, first_name="Ana", username=None)
    before = len(harness.emulator.calls_of("sendMessage"))

    outcomes = await asyncio.gather(
        *(svc(harness).interests.record(ana, package.id, "free", _no_buttons) for _ in range(8))
    )
    assert sorted(o.status for o in outcomes) == ["recorded"] + ["repeat"] * 7
    assert await count_interests(harness) == 1
    told = [c for c in harness.emulator.calls_of("sendMessage")[before:] if c.status == 200]
    assert [int(c.params["chat_id"]) for c in told] == [ada.id]
    # A package this audience does not see records nothing.
    premium = await seed(harness, "Pack Oro", "premium")
    refused = await svc(harness).interests.record(ana, premium.id, "free", _no_buttons)
    assert refused.status == "gone" and await count_interests(harness) == 1


async def test_the_cached_lists_follow_every_change(harness: Any) -> None:
    await harness.start_app()
    packages = svc(harness).packages

    async def names(audience: str) -> list[str]:
        return [p.name for p in await packages.visible(audience)]

    assert await names("free") == [] and await names("vip") == []  # cached empty
    luna = await seed(harness, "Pack Luna", "free")
    sol = await seed(harness, "Pack Sol", "vip")
    assert await names("free") == ["Pack Luna"]
    assert await names("vip") == ["Pack Sol"]
    assert await names("all") == ["Pack Luna", "Pack Sol"]

    await packages.update(luna.id, category="premium", name="Pack Luna llena")
    assert await names("free") == []
    assert await names("vip") == ["Pack Luna llena", "Pack Sol"]
    await packages.move(sol.id, -1)
    assert await names("vip") == ["Pack Sol", "Pack Luna llena"]
    await packages.set_active(sol.id, False)
    assert await names("vip") == ["Pack Luna llena"] and await names("all") == ["Pack Luna llena"]
    assert (await packages.page_all(0)).total == 2  # the admins still see both
    with pytest.raises(ValueError):
        await packages.update(luna.id, category="gold")
