"""The free plugin's sections of the admins' screens: the user card's (join requests,
capped, and Expel from the free channel) and the statistics screen's (approved in 7 and
30 days, pending), through the hooks the admin plugin calls and the buttons they carry,
pressed in the emulator; and the statements they cost, the same for 10 requests as for
10,000.

Each test runs on SQLite and PostgreSQL (the `harness` fixture); the admin speaks English.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from lucien.core.formatting import format_datetime
from lucien.plugins.free import plugin
from lucien.plugins.free.keyboards import FreeQueue
from lucien.plugins.free.services import FreeFigures, service
from lucien.plugins.free.tests.helpers import (
    StatementCounter,
    audit_of,
    seed_requests,
    setup_free,
    viewer,
)

pytestmark = pytest.mark.lucien(plugins=["admin", "voice", "free"])

WAITING = ("has not confirmed it yet", "no answer yet")
EXPELLED = ("has left the vestibule", "is no longer in the vestibule")
NEVER = (
    "Has never asked to enter the vestibule.",
    "No request to enter the vestibule is on record.",
)


def _data(message: Any, label: str) -> str:
    [data] = [b["callback_data"] for b in message.inline_buttons if b.get("text") == label]
    return str(data)


def _users_of(harness: Any, method: str) -> list[int]:
    return [int(c.params["user_id"]) for c in harness.emulator.calls_of(method)]


async def _card(harness: Any, user_id: int, admin: Any) -> Any:
    return await plugin.lucien_user_card(ctx=harness.ctx, user_id=user_id, viewer=viewer(admin))


async def test_expel_from_the_card_bans_then_unbans_once_and_is_audited(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="en")
    await harness.start_app()
    channel, link = await setup_free(harness, wait=0)
    ana = harness.user("Ana", language_code="en")
    await ana.send("/start")
    assert await ana.join(link) == "requested"
    assert channel.members.get(ana.id) == "member"

    section = await _card(harness, ana.id, ada)
    assert section.title == "The vestibule"
    [line] = section.lines
    assert line.startswith("Approved: asked ") and "attended" in line
    [expel] = section.buttons
    assert expel.text == "Expel from the vestibule"

    await ada.send("/start")
    await ada.press(ada.last, str(expel.callback_data))  # the card's button, as shown
    confirm = ada.last
    assert "Ana" in confirm.text and "vestibule" in confirm.text
    assert _data(confirm, "Back to the card") == f"ucard:{ana.id}"
    again = _data(confirm, "Yes, expel")
    assert harness.emulator.calls_of("banChatMember") == []  # nothing before the second press

    await ada.click("Yes, expel")
    assert "Ana" in ada.last.text and any(e in ada.last.text for e in EXPELLED)
    assert _data(ada.last, "Back to the card") == f"ucard:{ana.id}"
    assert _users_of(harness, "banChatMember") == [ana.id]
    assert _users_of(harness, "unbanChatMember") == [ana.id]
    methods = [c.method for c in harness.emulator.calls]
    assert methods.index("banChatMember") < methods.index("unbanChatMember")
    assert channel.status_of(ana.id) == "left"  # out, and not banned
    [entry] = [e for e in await harness.ctx.audit.for_target(ana.id) if e.action == "free.expel"]
    assert (entry.actor_id, entry.plugin) == (ada.id, "free")
    assert entry.before == {"channel": channel.id, "member": "member"}
    assert entry.after == {"channel": channel.id, "member": "left", "request_dropped": False}

    # The same confirmation pressed again: said so, nothing more done.
    query = await ada.press(confirm, again)
    assert query.show_alert and "already made" in (query.text or "")
    assert _users_of(harness, "banChatMember") == [ana.id]
    assert len(await audit_of(harness, "free.expel")) == 1

    # She may come back the normal way.
    assert await ana.join(link) == "requested"
    assert channel.members.get(ana.id) == "member"


async def test_expel_drops_a_pending_request_and_an_old_confirmation_is_refused(
    harness: Any,
) -> None:
    ada = harness.admin("Ada", language_code="en")
    await harness.start_app()
    channel, link = await setup_free(harness, wait=30)
    bea = harness.user("Bea", language_code="en")
    assert await bea.join(link) == "requested"
    [line] = (await _card(harness, bea.id, ada)).lines
    assert line.startswith("Pending: asked ") and "enters" in line

    await ada.send("/start")
    [expel] = (await _card(harness, bea.id, ada)).buttons
    await ada.press(ada.last, str(expel.callback_data))
    harness.clock.advance(minutes=11)
    query = await ada.click("Yes, expel")
    assert query.show_alert and "open the screen again" in (query.text or "")
    assert _data(ada.last, "Back to the card") == f"ucard:{bea.id}"
    assert harness.emulator.calls_of("banChatMember") == []

    await ada.press(ada.last, str(expel.callback_data))
    await ada.click("Yes, expel")
    assert _users_of(harness, "banChatMember") == [bea.id]
    assert bea.id not in channel.join_requests
    [line] = (await _card(harness, bea.id, ada)).lines
    assert line.startswith("Withdrawn: ")
    [entry] = await audit_of(harness, "free.expel")
    assert entry.after["request_dropped"] is True
    await harness.advance(minutes=30)  # the old due time: nothing to approve
    assert harness.emulator.calls_of("approveChatJoinRequest") == []


async def test_expel_without_the_right_waits_and_alerts_and_owners_stay(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="en")
    await harness.start_app()
    channel, link = await setup_free(harness, wait=0)
    dan = harness.user("Dan", language_code="en")
    assert await dan.join(link) == "requested"
    await ada.send("/start")
    menu = ada.last

    # The channel's owner: Telegram never lets a bot remove them; said, nothing queued.
    owner = next(uid for uid, status in channel.members.items() if status == "creator")
    [expel] = (await _card(harness, owner, ada)).buttons
    await ada.press(menu, str(expel.callback_data))
    query = await ada.click("Yes, expel")
    assert query.show_alert and "does not allow me to expel" in (query.text or "")
    assert await audit_of(harness, "free.expel") == []

    # Without the right to restrict members the expulsion waits, and the admins are told.
    harness.emulator.set_bot_rights(channel.id, can_restrict_members=False)
    [expel] = (await _card(harness, dan.id, ada)).buttons
    await ada.press(menu, str(expel.callback_data))
    await ada.click("Yes, expel", message=menu)
    [screen] = [m for m in ada.messages if m.message_id == menu.message_id]
    assert "Dan" in screen.text and any(w in screen.text for w in WAITING)
    assert channel.members.get(dan.id) == "member"
    [alert] = [m for m in ada.messages if "restrict members" in m.text]
    assert str(dan.id) in alert.text
    assert len(await audit_of(harness, "free.expel")) == 1

    # The right given back: the outbox makes the expulsion on its next try.
    harness.emulator.set_bot_rights(channel.id, can_restrict_members=True)
    await harness.advance(minutes=11)
    assert channel.status_of(dan.id) == "left"


async def test_card_caps_the_requests_and_shows_the_rest_on_demand(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="en")
    await harness.start_app()
    now = harness.clock.now()
    cai, nobody = 777_001, 777_002
    # Without a free channel and without requests there is nothing to show.
    assert await _card(harness, nobody, ada) is None
    await seed_requests(
        harness,
        [
            {
                "chat_id": -100 - n,
                "user_id": cai,
                "first_name": "Cai",
                "status": "approved",
                "requested_at": now - timedelta(days=n + 1),
                "due_at": now - timedelta(days=n + 1) + timedelta(minutes=5),
                "handled_at": now - timedelta(days=n + 1) + timedelta(minutes=5),
            }
            for n in range(5)
        ],
    )
    await setup_free(harness, wait=5)
    section = await _card(harness, cai, ada)
    assert len(section.lines) == 4
    assert all(line.startswith("Approved: ") for line in section.lines[:3])
    assert section.lines[3] == "... and 2 more requests"
    assert [b.text for b in section.buttons] == ["All their requests", "Expel from the vestibule"]
    [none_line] = (await _card(harness, nobody, ada)).lines
    assert none_line in NEVER

    await ada.send("/start")
    await ada.press(ada.last, str(section.buttons[0].callback_data))
    text = ada.last.text
    assert text.startswith("Requests of Cai\n5 requests. Page 1 of 1.")
    assert text.count("Approved: ") == 5
    assert _data(ada.last, "Back to the card") == f"ucard:{cai}"


def _world(now: Any) -> list[dict[str, Any]]:
    """Approved 1 day, 6 days, 8 days, 29 days and 31 days ago; pending; declined; gone."""
    spec = [
        ("approved", timedelta(days=1), 3),
        ("approved", timedelta(days=6, hours=23), 1),
        ("approved", timedelta(days=8), 2),
        ("approved", timedelta(days=29), 1),
        ("approved", timedelta(days=31), 2),
        ("declined", timedelta(days=1), 1),
        ("gone", timedelta(days=2), 1),
    ]
    rows: list[dict[str, Any]] = []
    for status, ago, n in spec:
        for _ in range(n):
            rows.append(
                {
                    "status": status,
                    "requested_at": now - ago - timedelta(minutes=5),
                    "due_at": now - ago,
                    "handled_at": now - ago,
                }
            )
    for hours in (3, 1, 2, 5, 4):
        rows.append(
            {
                "status": "pending",
                "requested_at": now,
                "due_at": now + timedelta(hours=hours),
                "handled_at": None,
            }
        )
    return [
        {**row, "chat_id": -100123, "user_id": 900_000 + n, "first_name": f"P{n}"}
        for n, row in enumerate(rows)
    ]


async def test_statistics_of_a_seeded_world(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="en")
    await harness.start_app()
    now = harness.clock.now()
    await seed_requests(harness, _world(now))

    figures = await service(harness.ctx).admin.figures()
    assert figures == FreeFigures(4, 7, 5, now + timedelta(hours=1))
    section = await plugin.lucien_statistics(ctx=harness.ctx, viewer=viewer(ada))
    assert section is not None and section.title == "The vestibule"
    approved, pending, next_due = section.lines
    assert "4 in" in approved and "7 in 30 days" in approved
    assert pending in ("Pending join requests: 5", "Waiting at the door: 5")
    tz = ZoneInfo((await harness.ctx.config.get("voice")).timezone)
    assert next_due == f"Next approval: {format_datetime(now + timedelta(hours=1), 'en', tz)}"
    [queue] = section.buttons
    assert (queue.text, queue.callback_data) == ("Queue of the vestibule", FreeQueue().pack())

    # The button opens the queue: the five pending, soonest first.
    await ada.send("/start")
    await ada.press(ada.last, FreeQueue().pack())
    text = ada.last.text
    assert "5 requests" in text
    positions = [text.index(f"P{n}:") for n in (12, 13, 11, 15, 14)]  # due in 1, 2, 3, 4, 5 h
    assert positions == sorted(positions)


async def test_screens_cost_the_same_statements_for_10_and_10000_requests(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="en")
    await harness.start_app()
    await setup_free(harness, wait=5)
    ctx, admin = harness.ctx, viewer(ada)
    now = harness.clock.now()

    def requests(first: int, count: int) -> list[dict[str, Any]]:
        statuses = ("approved", "pending", "declined", "gone")
        return [
            {
                "chat_id": -100777,
                "user_id": 500_000 + n,
                "first_name": f"R{n}",
                "status": statuses[n % 4],
                "requested_at": now - timedelta(hours=n % 900),
                "due_at": now - timedelta(hours=n % 900) + timedelta(minutes=5),
                "handled_at": None if n % 4 == 1 else now - timedelta(hours=n % 900),
            }
            for n in range(first, first + count)
        ]

    async def measure() -> tuple[int, int, int]:
        with StatementCounter(ctx) as stats:
            await plugin.lucien_statistics(ctx=ctx, viewer=admin)
        with StatementCounter(ctx) as queue:
            await service(ctx).admin.pending_page(3)
        with StatementCounter(ctx) as card:
            await plugin.lucien_user_card(ctx=ctx, user_id=500_001, viewer=admin)
        return stats.count, queue.count, card.count

    await seed_requests(harness, requests(0, 10))
    await measure()  # the settings and the voice's caches warm, as on a live bot
    small = await measure()
    await seed_requests(harness, requests(10, 9_990))
    await measure()
    large = await measure()
    assert all(n > 0 for n in small)
    assert all(big <= few for big, few in zip(large, small, strict=True)), (small, large)
    figures = await service(ctx).admin.figures()
    assert figures.pending == 2_500
    assert (await service(ctx).admin.pending_page(3)).total == 2_500
