"""The admins' VIP subscriber list through the emulator (SQLite and PostgreSQL): 120
seeded subscriptions paged through with each filter (active, ending within 7 days,
ended in the last 30 days, one plan) from the admin menu, in a stable order, each entry
opening the user card; the CSV export holds every row of the filter."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert

from lucien.core.db.models import User
from lucien.plugins.vip.models import Subscription
from lucien.plugins.vip.tests.card_helpers import start_with_channel, vip

pytestmark = pytest.mark.lucien(plugins=["voice", "admin", "vip"])

FIRST = 3000
H, D = timedelta(hours=1), timedelta(days=1)


async def seed(harness: Any, gold: int, silver: int) -> dict[str, list[int]]:
    """120 subscriptions; the user ids each filter should list, in the list's order."""
    now: datetime = harness.clock.now()
    users, subs, ends = [], [], {}
    for i in range(120):
        uid = FIRST + i
        if i < 50:  # running beyond a week; two by two on the same end (ties by id)
            end, expired = now + (8 + i // 2) * D, None
        elif i < 75:  # running, ending within 7 days
            end, expired = now + (1 + (i - 50) * 6) * H, None
        elif i < 105:  # ended within 30 days (the job marked them)
            end = now - (i - 74) * 23 * H
            expired = end
        else:  # ended long ago
            end = now - (31 + i) * D
            expired = end
        ends[uid] = end
        users.append({"id": uid, "first_name": f"M{i}", "username": f"m{i}"})
        subs.append({"user_id": uid, "plan_id": gold if i % 2 == 0 else silver,
                     "started_at": now - 60 * D, "ends_at": end, "expired_at": expired})  # fmt: skip
    async with harness.ctx.db.session() as s:
        await s.execute(insert(User), users)
        await s.execute(insert(Subscription), subs)

    def running(i: int) -> bool:
        return i < 75

    def soonest(ids: list[int]) -> list[int]:
        return sorted(ids, key=lambda u: (ends[u], u))

    ids = [FIRST + i for i in range(120)]
    return {
        "active": soonest([u for u in ids if running(u - FIRST)]),
        "expiring": soonest([u for u in ids if 50 <= u - FIRST < 75]),
        "expired": sorted([u for u in ids if 75 <= u - FIRST < 105], key=lambda u: (ends[u], u), reverse=True),
        "gold": soonest([u for u in ids if running(u - FIRST) and (u - FIRST) % 2 == 0]),
    }  # fmt: skip


def entries(message: Any) -> list[int]:
    """The user ids of a list page, from its buttons (each opens the card)."""
    found = []
    for button in message.inline_buttons:
        data = str(button.get("callback_data", ""))
        if data.startswith("ucard:"):
            found.append(int(data.split(":")[1]))
    return found


def screen(admin: Any, message_id: int) -> Any:
    """The list as it stands (paging and filters edit it in place)."""
    [found] = [m for m in admin.messages if m.message_id == message_id]
    return found


async def page_through(admin: Any, list_id: int) -> list[int]:
    """Every entry of the list on screen, pressing Next until there is none."""
    seen = entries(screen(admin, list_id))
    pages = 1
    while "Next ›" in [label for row in screen(admin, list_id).buttons for label in row]:
        await admin.click("Next ›", message=list_id)
        seen += entries(screen(admin, list_id))
        pages += 1
        assert pages < 20
    return seen


async def exported(admin: Any, list_id: int) -> list[dict[str, str]]:
    """The CSV the list's Export sends (a new message under the list)."""
    await admin.click("Export CSV", message=list_id)
    document = admin.last.document
    assert document is not None and document.filename.endswith(".csv")
    return list(csv.DictReader(io.StringIO(document.data.decode("utf-8"))))


async def test_the_list_pages_through_120_subscriptions_with_each_filter(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="en")
    await start_with_channel(harness)
    svc = vip(harness)
    gold = await svc.create_plan("Gold", 30, 999, "USD")
    silver = await svc.create_plan("Silver", 30, 499, "USD")
    expected = await seed(harness, gold.id, silver.id)
    assert [len(v) for v in expected.values()] == [75, 25, 30, 38]

    # From the admin's main menu.
    await ada.send("/start")
    await ada.click("VIP members")
    list_id = ada.last.message_id

    def text() -> str:
        return str(screen(ada, list_id).text)

    assert "75" in text() and "Page 1 of 8" in text()
    assert screen(ada, list_id).buttons[0][0].startswith("M50 — ")  # the soonest to end first
    assert await page_through(ada, list_id) == expected["active"]
    assert "Page 8 of 8" in text()
    rows = await exported(ada, list_id)
    assert [int(r["user_id"]) for r in rows] == expected["active"]
    assert admin_caption(ada) in (
        "75 members in this document.",
        "Here is the whole list: 75 members.",
    )

    # Each filter, in its order; the export has every row of the filter.
    for label, key in (("Ending soon", "expiring"), ("Ended", "expired")):
        await ada.click(label, message=list_id)
        assert "Page 1 of 3" in text(), label
        assert await page_through(ada, list_id) == expected[key], label
        rows = await exported(ada, list_id)
        assert [int(r["user_id"]) for r in rows] == expected[key], label
    await ada.click("By plan", message=list_id)
    await ada.click("Gold", message=list_id)
    assert "Gold" in text() and "38" in text()
    assert await page_through(ada, list_id) == expected["gold"]
    rows = await exported(ada, list_id)
    assert [int(r["user_id"]) for r in rows] == expected["gold"]
    assert {r["plan"] for r in rows} == {"Gold"} and {r["active"] for r in rows} == {"yes"}
    assert rows[0]["name"] == "M50" and rows[0]["username"] == "m50"

    # A page past the end (the list shrank) shows the last one; each entry is the card.
    await ada.press(screen(ada, list_id), "vips:list:expired:9:0")
    assert "Page 3 of 3" in text()
    assert all(
        str(b["callback_data"]).startswith(("ucard:", "vips:", "vipa:"))
        for b in screen(ada, list_id).inline_buttons
    )


def admin_caption(admin: Any) -> str:
    return str(admin.last.text)


async def test_an_empty_filter_says_so(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="en")
    await start_with_channel(harness)
    await ada.send("/vipsubs")
    assert ada.last.text in (
        "Nobody matches this filter for now.",
        "I find nobody answering to that.",
    )
    labels = [label for row in ada.last.buttons for label in row]
    assert "Export CSV" not in labels and "Next ›" not in labels
