"""The admins' Free queue, through the emulator: pending requests in due order with their
times, paged; approve one now, approve all now, decline one; each action audited, each
request approved (and welcomed) once, stale buttons answered politely; and every admin
route refused to non-admins (a walk of the guarded router, so a route added later is
walked too).

Each test runs on SQLite and PostgreSQL (the `harness` fixture). The admin speaks English:
the texts are the catalogue's, and a key with several variants is matched on what every
variant says.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiogram import Router
from aiogram.filters.callback_data import CallbackQueryFilter
from sqlalchemy import update

from lucien.core.formatting import format_datetime
from lucien.plugins.free.handlers import guarded_router
from lucien.plugins.free.keyboards import FreeQueue
from lucien.plugins.free.models import FreeJoinRequest
from lucien.plugins.free.tests.helpers import audit_of, rows, setup_free

pytestmark = pytest.mark.lucien(plugins=["admin", "voice", "free"])

QUEUE = "Queue of the vestibule"
NOTHING = ("No request is pending.", "The antechamber is empty: there is nothing to approve.")
GONE = ("already been attended to", "no longer pending")
STALE = ("open the screen again",)
FORBIDDEN = ("custodians",)


def _data(message: Any, label: str) -> str:
    """The callback data of the button labelled `label` on `message`."""
    [data] = [b["callback_data"] for b in message.inline_buttons if b.get("text") == label]
    return str(data)


async def _ask(harness: Any, link: str, names: list[str]) -> list[Any]:
    """Users who started the bot and asked to join, one second apart (distinct due times)."""
    users = []
    for name in names:
        user = harness.user(name, language_code="en")
        await user.send("/start")
        assert await user.join(link) == "requested"
        harness.clock.advance(seconds=1)
        users.append(user)
    return users


def _approved_ids(harness: Any) -> list[int]:
    return sorted(
        int(c.params["user_id"]) for c in harness.emulator.calls_of("approveChatJoinRequest")
    )


async def test_queue_pages_in_due_order_and_approve_all_approves_each_once(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="en")
    await harness.start_app()
    channel, link = await setup_free(harness, wait=30)
    users = await _ask(harness, link, [f"U{i}" for i in range(9)])
    told = {u.id: len(u.messages) for u in users}

    await ada.send("/start")
    await ada.click(QUEUE)
    page = ada.last.text
    assert (
        "Queue of the vestibule" in page and "9 requests" in page and "page 1 of 2" in page.lower()
    )
    positions = [page.index(f"U{i}:") for i in range(6)]
    assert positions == sorted(positions)  # soonest due first
    assert "U6" not in page
    # Each with its times, in the creator's timezone.
    tz = ZoneInfo((await harness.ctx.config.get("voice")).timezone)
    first = min(await rows(harness), key=lambda r: r.due_at)
    asked = format_datetime(first.requested_at, "en", tz)
    due = format_datetime(first.due_at, "en", tz)
    assert f"U0: asked {asked}; enters {due}" in page
    await ada.click("Next »")
    assert all(f"U{i}:" in ada.last.text for i in (6, 7, 8))
    assert "page 2 of 2" in ada.last.text.lower()

    await ada.click("Approve all now")
    assert "9 pending requests" in ada.last.text or "9 requests waiting" in ada.last.text
    confirm = ada.last
    again = _data(confirm, "Yes, approve all")
    await ada.click("Yes, approve all")
    assert "9 requests approved" in ada.last.text

    assert _approved_ids(harness) == sorted(u.id for u in users)  # each once
    assert all(channel.members.get(u.id) == "member" for u in users)
    assert all(len(u.messages) == told[u.id] + 1 for u in users)  # one welcome each
    assert all(u.first_name in u.last_text for u in users)
    assert {r.status for r in await rows(harness)} == {"approved"}
    [entry] = await audit_of(harness, "free.approve_all")
    assert (entry.actor_id, entry.plugin, entry.target_id) == (ada.id, "free", None)
    assert (entry.before, entry.after) == ({"pending": 9}, {"made_due": 9})

    # The same confirmation pressed again, then the old due times passing: nobody twice.
    query = await ada.press(confirm, again)
    assert query.show_alert and query.text in NOTHING
    await harness.advance(minutes=31)
    assert len(_approved_ids(harness)) == 9
    assert all(len(u.messages) == told[u.id] + 1 for u in users)
    assert len(await audit_of(harness, "free.approve_all")) == 1


async def test_approve_one_then_decline_one(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="en")
    await harness.start_app()
    channel, link = await setup_free(harness, wait=30)
    ana, bea = await _ask(harness, link, ["Ana", "Bea"])
    told = {u.id: len(u.messages) for u in (ana, bea)}
    await ada.send("/start")
    await ada.click(QUEUE)
    approve_ana = _data(ada.last, "Approve Ana")

    query = await ada.click("Approve Ana")
    assert not query.show_alert and "Ana" in (query.text or "")
    assert channel.members.get(ana.id) == "member"
    assert bea.id not in channel.members
    assert "Ana:" not in ada.last.text and "Bea:" in ada.last.text  # the queue, as it is now
    assert len(ana.messages) == told[ana.id] + 1  # welcomed
    [entry] = await audit_of(harness, "free.approve_now")
    assert (entry.actor_id, entry.target_id) == (ada.id, ana.id)

    # Ana's button pressed again: handled already, said so; no second approval.
    query = await ada.press(ada.last, approve_ana)
    assert query.show_alert and any(g in (query.text or "") for g in GONE)
    assert _approved_ids(harness) == [ana.id]

    await ada.click("Decline")
    assert "Bea" in ada.last.text and "Yes, decline" in str(ada.last.inline_buttons)
    query = await ada.click("Yes, decline")
    assert not query.show_alert and "Bea" in (query.text or "")
    assert "Bea:" not in ada.last.text  # the queue is empty now
    assert bea.id not in channel.join_requests and bea.id not in channel.members
    declined = harness.emulator.calls_of("declineChatJoinRequest")
    assert [int(c.params["user_id"]) for c in declined] == [bea.id]
    statuses = {r.user_id: r.status for r in await rows(harness)}
    assert statuses == {ana.id: "approved", bea.id: "declined"}
    [entry] = await audit_of(harness, "free.decline")
    assert (entry.actor_id, entry.target_id, entry.after) == (
        ada.id,
        bea.id,
        {"status": "declined"},
    )

    await harness.advance(minutes=31)  # Bea's old due time passes: she stays out
    assert bea.id not in channel.members
    assert _approved_ids(harness) == [ana.id]
    assert len(bea.messages) == told[bea.id]


async def test_stale_and_busy_declines_are_refused_politely(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="en")
    await harness.start_app()
    channel, link = await setup_free(harness, wait=30)
    [cai] = await _ask(harness, link, ["Cai"])
    await ada.send("/start")
    await ada.click(QUEUE)
    await ada.click("Decline")

    harness.clock.advance(minutes=11)  # the confirmation waited too long
    query = await ada.click("Yes, decline")
    assert query.show_alert and any(s in (query.text or "") for s in STALE)
    assert "Cai:" in ada.last.text  # back to the queue, the request untouched
    assert [r.status for r in await rows(harness)] == ["pending"]

    # The approvals job holds the request (its lease): declining now could race it.
    [row] = await rows(harness)
    now = harness.clock.now()
    async with harness.ctx.db.session() as s:
        await s.execute(
            update(FreeJoinRequest)
            .where(FreeJoinRequest.id == row.id)
            .values(due_at=now, next_attempt_at=now + timedelta(seconds=60))
        )
    await ada.click("Decline")
    query = await ada.click("Yes, decline")
    assert query.show_alert and "Cai" in (query.text or "")
    assert [r.status for r in await rows(harness)] == ["pending"]
    assert harness.emulator.calls_of("declineChatJoinRequest") == []
    assert cai.id in channel.join_requests
    assert await audit_of(harness, "free.decline") == []


def _walk(router: Router) -> list[Router]:
    found = [router]
    for sub in router.sub_routers:
        found.extend(_walk(sub))
    return found


#: Every action the admins' callback data carries: a handler none of them reaches gets no
#: trigger, and the walk fails until it is listed here.
ACTIONS = ("list", "approve", "decline", "decline_ok", "all", "all_ok", "expel", "expel_ok", "mine")


def _triggers(request_id: int, user_id: int, stamp: int) -> list[str]:
    """Callback data for every handler under the guarded router, with a real request and
    user and a fresh confirmation time (so that an unguarded handler would act)."""
    found: list[str] = []
    for router in _walk(guarded_router()):
        for observer in router.observers.values():
            for handler in observer.handlers:
                derived = []
                for f in handler.filters or ():
                    flt = f.callback
                    if isinstance(flt, CallbackQueryFilter):
                        for action in ACTIONS:
                            target = user_id if action.startswith(("expel", "mine")) else request_id
                            data = FreeQueue(action=action, id=target, t=stamp)
                            if flt.rule is None or flt.rule.resolve(data):
                                derived.append(data.pack())
                assert derived, f"no trigger derived for {handler.callback}"
                found.extend(d for d in derived if d not in found)
    return found


async def test_every_admin_route_refuses_non_admins(harness: Any) -> None:
    await harness.start_app(flood_burst=0)  # every press in the same test instant
    channel, link = await setup_free(harness, wait=30)
    [ana] = await _ask(harness, link, ["Ana"])
    eve = harness.user("Eve", language_code="en")
    vera = harness.user("Vera", language_code="en")
    await harness.ctx.cache.set("role", str(vera.id), "vip")
    [row] = await rows(harness)
    triggers = _triggers(row.id, ana.id, int(harness.clock.now().timestamp()))
    assert len(triggers) == len(ACTIONS)
    calls = len(harness.emulator.calls)
    for actor in (eve, vera):
        await actor.send("/start")
        screen = actor.last
        before = len(actor.messages)
        for data in triggers:
            query = await actor.press(screen, data)
            assert query.answered and query.show_alert, data
            assert any(f in (query.text or "") for f in FORBIDDEN), data
            assert len(actor.messages) == before, data
            assert actor.last.text == screen.text  # nothing edited
    made = {c.method for c in harness.emulator.calls[calls:]}
    assert not made & {"approveChatJoinRequest", "declineChatJoinRequest", "banChatMember"}
    assert [(r.status, r.due_at) for r in await rows(harness)] == [("pending", row.due_at)]
    assert channel.status_of(ana.id) != "member"
    for action in ("free.approve_now", "free.approve_all", "free.decline", "free.expel"):
        assert await audit_of(harness, action) == []
