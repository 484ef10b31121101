"""The outbox on SQLite and PostgreSQL: calls queued with a transaction are made once each,
in order, resumed where they stopped after a failure or a kill, never twice by two
replicas; only the call in flight at a kill may be repeated."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from aiogram.methods import BanChatMember, SendMessage
from sqlalchemy import func, select

from lucien.core.db.models import OutboxEntry, User
from lucien.core.outbox import Outbox, OutboxCall, OutboxFailure

pytestmark = pytest.mark.lucien(plugins=["voice"])


class Boom(Exception):
    """Raised by a test inside a transaction to roll it back."""


def texts(user: Any) -> list[str]:
    return [m.text or "" for m in user.messages]


async def started_user(harness: Any, name: str = "Ana") -> Any:
    """A user who once wrote to the bot (so it may write to them)."""
    user = harness.user(name)
    user.chat_with(harness.account).started = True
    return user


async def queue(harness: Any, *calls: Any, key: str, app: Any = None) -> bool:
    ctx = (app or harness.app).ctx
    async with ctx.db.session() as s:
        return await ctx.outbox.add(s, *calls, key=key, plugin="test")


async def row(harness: Any, key: str) -> OutboxEntry:
    async with harness.ctx.db.session(readonly=True) as s:
        found = await s.scalar(select(OutboxEntry).where(OutboxEntry.key == key))
    assert found is not None
    return found


async def settled(done: Callable[[], bool]) -> None:
    """Let the emulator finish a call released from a fault (it runs on its own task)."""
    for _ in range(500):
        if done():
            return
        await asyncio.sleep(0.01)


def says(chat_id: int, *words: str) -> list[SendMessage]:
    return [SendMessage(chat_id=chat_id, text=word) for word in words]


async def test_a_rolled_back_add_sends_nothing(harness: Any) -> None:
    await harness.start_app()
    ana = await started_user(harness)
    with pytest.raises(Boom):
        async with harness.ctx.db.session() as s:
            await harness.ctx.outbox.add(s, *says(ana.id, "never"), key="k", plugin="test")
            raise Boom
    assert await harness.ctx.outbox.deliver_due() == 0
    await harness.run_jobs()
    assert texts(ana) == []
    async with harness.ctx.db.session(readonly=True) as s:
        assert await s.scalar(select(func.count()).select_from(OutboxEntry)) == 0


async def test_one_key_is_one_row_sent_once(harness: Any) -> None:
    await harness.start_app()
    ana = await started_user(harness)
    assert await queue(harness, *says(ana.id, "hello"), key="greet:ana")
    assert not await queue(harness, *says(ana.id, "hello again"), key="greet:ana")
    async with harness.ctx.db.session() as s:  # twice in one transaction too
        assert await harness.ctx.outbox.add(s, *says(ana.id, "a"), key="x", plugin="test")
        assert not await harness.ctx.outbox.add(s, *says(ana.id, "b"), key="x", plugin="test")
    await harness.run_jobs()  # the built-in job delivers
    await harness.advance(minutes=5)
    assert texts(ana) == ["hello", "a"]
    done = await row(harness, "greet:ana")
    assert (done.status, done.step, done.attempts) == ("sent", 1, 1)
    assert done.sent_at is not None and done.claimed_by is None
    metrics = harness.app.metrics.render().decode()
    assert 'lucien_outbox_calls_total{outcome="sent"} 2.0' in metrics


async def test_a_502_on_the_second_call_resumes_at_the_second(harness: Any) -> None:
    await harness.start_app()
    ana, bea = await started_user(harness), await started_user(harness, "Bea")
    harness.emulator.faults.add(method="sendMessage", chat_id=ana.id, status=502, times=1)
    await queue(
        harness, *says(bea.id, "one"), *says(ana.id, "two"), *says(bea.id, "three"), key="n"
    )
    assert await harness.ctx.outbox.deliver_due() == 1
    await harness.emulator.wait_idle()
    assert (texts(bea), texts(ana)) == (["one"], [])
    waiting = await row(harness, "n")
    assert (waiting.status, waiting.step) == ("pending", 1)
    assert "Bad Gateway" in (waiting.last_error or "")
    # not before the back-off
    assert await harness.ctx.outbox.deliver_due() == 0
    await harness.advance(seconds=5)
    assert (texts(bea), texts(ana)) == (["one", "three"], ["two"])
    statuses = [(c.params["chat_id"], c.status) for c in harness.emulator.calls_of("sendMessage")]
    assert statuses == [(bea.id, 200), (ana.id, 502), (ana.id, 200), (bea.id, 200)]
    assert (await row(harness, "n")).status == "sent"


@pytest.mark.parametrize("db_kind", ["postgres"], indirect=True)
async def test_two_replicas_never_send_one_row_twice(harness: Any) -> None:
    first = await harness.start_app()
    second = await harness.start_app()
    users = [await started_user(harness, f"U{i}") for i in range(40)]
    for user in users:
        await queue(harness, *says(user.id, "a", "b"), key=f"pair:{user.id}")
    made = await asyncio.gather(first.ctx.outbox.deliver_due(), second.ctx.outbox.deliver_due())
    await harness.emulator.wait_idle()
    assert sum(made) == 80
    assert all(texts(user) == ["a", "b"] for user in users)
    sends = Counter(int(c.params["chat_id"]) for c in harness.emulator.calls_of("sendMessage"))
    assert sends == {user.id: 2 for user in users}


async def test_a_kill_mid_row_repeats_at_most_the_call_in_flight(harness: Any) -> None:
    await harness.start_app()
    ana, bea = await started_user(harness), await started_user(harness, "Bea")
    faults = harness.emulator.faults
    faults.add(method="sendMessage", chat_id=ana.id, hang=True, times=1)
    await queue(
        harness, *says(bea.id, "one"), *says(ana.id, "two"), *says(bea.id, "three"), key="n"
    )
    delivery = asyncio.create_task(harness.ctx.outbox.deliver_due())
    await faults.wait_held(1)  # "two" is at Telegram...
    delivery.cancel()  # ...when the replica dies (kill -9: it runs nothing after this)
    await asyncio.gather(delivery, return_exceptions=True)
    faults.clear()  # Telegram still delivers what it was given
    await faults.wait_none_held()
    await settled(lambda: len(harness.emulator.calls_of("sendMessage")) == 2)
    assert (texts(bea), texts(ana)) == (["one"], ["two"])

    # while the dead replica's lease lasts, nobody takes the row
    await harness.advance(seconds=30)
    assert (texts(bea), texts(ana)) == (["one"], ["two"])
    # then the next run resumes it: "one" was recorded and is not repeated; "two" was in
    # flight (Telegram had it, the replica died before recording it): the one repeat.
    await harness.advance(seconds=31)
    assert (texts(bea), texts(ana)) == (["one", "three"], ["two", "two"])
    assert (await row(harness, "n")).status == "sent"
    await harness.advance(minutes=5)
    assert len(harness.emulator.calls_of("sendMessage")) == 4


async def test_permanent_errors_stop_a_row_unless_optional_or_expected(harness: Any) -> None:
    await harness.start_app()
    ana = await started_user(harness)
    gone = harness.user("Gone")
    await gone.send("/start")  # the core records him...
    await harness.ctx.users.drain()
    gone.chat_with(harness.account).blocked = True  # ...then he blocks the bot
    failures: list[OutboxFailure] = []

    async def listen(failure: OutboxFailure) -> None:
        failures.append(failure)

    harness.ctx.outbox.on_failure("test", listen)
    await queue(harness, *says(gone.id, "hi"), *says(ana.id, "after"), key="stops")
    await queue(
        harness,
        OutboxCall(SendMessage(chat_id=gone.id, text="hi"), optional=True),
        *says(ana.id, "goes on"),
        key="optional",
    )
    await queue(
        harness,
        OutboxCall(BanChatMember(chat_id=-1001, user_id=ana.id), ok_errors=("chat not found",)),
        OutboxCall(BanChatMember(chat_id=-1001, user_id=ana.id), ok_errors=("CHAT NOT FOUND",)),
        *says(ana.id, "expected"),
        key="expected",
    )
    await harness.run_jobs()
    assert sorted(texts(ana)) == ["expected", "goes on"]  # rows are independent
    stopped = await row(harness, "stops")
    assert stopped.status == "failed" and stopped.step == 0
    assert "blocked" in (stopped.last_error or "")
    assert (await row(harness, "optional")).status == "sent"
    assert (await row(harness, "expected")).status == "sent"
    assert sorted((f.key, f.outcome, f.step) for f in failures) == [
        ("optional", "skipped", 0),
        ("stops", "failed", 0),
    ]
    async with harness.ctx.db.session(readonly=True) as s:
        user = await s.get(User, gone.id)
    assert user is not None and user.blocked_bot  # the sender's on_blocked


async def test_a_missing_right_waits_for_an_admin(harness: Any) -> None:
    await harness.start_app()
    ana = await started_user(harness)
    channel = harness.emulator.create_channel("Salon")
    await harness.emulator.wait_handled(
        harness.emulator.set_bot_rights(channel.id, can_restrict_members=False)
    )
    ban = BanChatMember(chat_id=channel.id, user_id=ana.id)
    await queue(harness, OutboxCall(ban, retry_errors=("not enough rights",)), key="ban")
    await harness.run_jobs()
    assert (await row(harness, "ban")).status == "pending"
    await harness.advance(minutes=9)
    assert len(harness.emulator.calls_of("banChatMember")) == 1
    await harness.emulator.wait_handled(
        harness.emulator.set_bot_rights(channel.id, can_restrict_members=True)
    )
    await harness.advance(minutes=2)
    assert (await row(harness, "ban")).status == "sent"
    assert [c.status for c in harness.emulator.calls_of("banChatMember")] == [400, 200]


async def test_cancel_drops_an_untouched_row_and_trims_one_under_way(harness: Any) -> None:
    await harness.start_app()
    ana = await started_user(harness)
    outbox: Outbox = harness.ctx.outbox
    await queue(harness, *says(ana.id, "never"), key="untouched")
    async with harness.ctx.db.session() as s:
        assert await outbox.cancel(s, "untouched")
    # under way: its required calls still go, its optional ones are dropped
    harness.emulator.faults.add(method="sendMessage", status=502, times=1)
    await queue(
        harness,
        *says(ana.id, "required"),
        OutboxCall(SendMessage(chat_id=ana.id, text="optional"), optional=True),
        key="under way",
    )
    await outbox.deliver_due()
    assert await outbox.pending("under ") == ["under way"]
    async with harness.ctx.db.session() as s:
        assert not await outbox.cancel(s, "under way")
    await harness.advance(seconds=5)
    assert texts(ana) == ["required"]
    assert (await row(harness, "untouched")).status == "cancelled"
    assert (await row(harness, "under way")).status == "cancelled"
    assert await outbox.pending("under ") == []


async def test_not_before_and_pruning(harness: Any) -> None:
    await harness.start_app()
    ana = await started_user(harness)
    later = harness.clock.now() + timedelta(hours=1)
    async with harness.ctx.db.session() as s:
        await harness.ctx.outbox.add(s, *says(ana.id, "later"), key="later", plugin="t")
        await harness.ctx.outbox.add(
            s, *says(ana.id, "in an hour"), key="hour", plugin="t", not_before=later
        )
    await harness.run_jobs()
    assert texts(ana) == ["later"]
    await harness.advance(hours=1)
    assert texts(ana) == ["later", "in an hour"]
    await queue(harness, SendMessage(chat_id=ana.id, text="x"), key="kept")
    harness.clock.advance(days=8)  # no job runs: "kept" is still pending a week later
    assert await harness.ctx.outbox.prune() == 2
    async with harness.ctx.db.session(readonly=True) as s:
        keys = set(await s.scalars(select(OutboxEntry.key)))
    assert keys == {"kept"}  # sent rows go after a week, a pending one stays


def test_calls_round_trip_through_json() -> None:
    from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

    from lucien.core.outbox import decode_method, encode_call

    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Renew", callback_data="vip:renew")]]
    )
    plain = SendMessage(chat_id=5, text="<b>hi</b>", reply_markup=markup)
    no_html = SendMessage(chat_id=5, text="<b>", parse_mode=None)
    for method in (plain, no_html):
        encoded = encode_call(OutboxCall(method, ok_errors=("x",), optional=True))
        assert encoded["method"] == "sendMessage" and encoded["optional"] is True
        assert decode_method(encoded) == method
    # the bot's default parse mode stays a default; an explicit None stays None
    assert "parse_mode" not in encode_call(plain)["params"]
    assert encode_call(no_html)["params"]["parse_mode"] is None


# ------------------------------------------------------------------ alerts (ctx.alerts)

RIGHTS_ALERT = "the bot cannot create invite links in the VIP channel"


async def admin_who_started(harness: Any) -> Any:
    root = harness.admin("Root", language_code="en")
    await harness.start_app()
    await root.send("/start")
    await harness.ctx.users.drain()
    return root


def alerts_seen(admin: Any) -> int:
    return sum(1 for m in admin.messages if RIGHTS_ALERT in (m.text or ""))


@pytest.mark.lucien(plugins=["voice", "vip"])
async def test_an_alert_telegram_refused_for_now_arrives_later_once(harness: Any) -> None:
    root = await admin_who_started(harness)
    harness.emulator.faults.add(method="sendMessage", chat_id=root.id, status=502, times=1)
    alerts = harness.ctx.alerts
    assert await alerts.send("vip.admin.rights_missing", once="rights", channel="X") == 1
    await harness.emulator.wait_idle()
    assert alerts_seen(root) == 0
    await harness.advance(seconds=5)  # the outbox job, past its back-off
    assert alerts_seen(root) == 1
    await harness.advance(minutes=5)
    assert alerts_seen(root) == 1


@pytest.mark.lucien(plugins=["voice", "vip"])
async def test_replicas_without_redis_tell_each_admin_once_per_window(harness: Any) -> None:
    root = await admin_who_started(harness)
    second = await harness.start_app()
    # Without Redis each replica keeps its own window: both think they are first; the
    # outbox key (cause, admin, window) lets one row through.
    sent = [
        await app.ctx.alerts.send("vip.admin.rights_missing", once="rights:-1", channel="X")
        for app in (harness.app, second)
    ]
    await harness.run_jobs()
    assert sorted(sent) == [0, 1]
    assert alerts_seen(root) == 1
    # an alert without a cause is an event of its own: each goes out
    for app in (harness.app, second):
        await app.ctx.alerts.send("vip.admin.rights_missing", channel="Y")
    await harness.run_jobs()
    assert alerts_seen(root) == 3


@pytest.mark.lucien(plugins=["voice", "vip"])
async def test_an_admin_who_blocked_the_bot_does_not_stop_the_others(harness: Any) -> None:
    root = harness.admin("Root", language_code="en")
    gone = harness.admin("Gone", language_code="en")
    await harness.start_app()
    for admin in (root, gone):
        await admin.send("/start")
    await harness.ctx.users.drain()
    gone.chat_with(harness.account).blocked = True
    assert await harness.ctx.alerts.send("vip.admin.rights_missing", once="c", channel="X") == 2
    await harness.run_jobs()
    assert alerts_seen(root) == 1 and alerts_seen(gone) == 0
    async with harness.ctx.db.session(readonly=True) as s:
        user = await s.get(User, gone.id)
        failed = await s.scalar(
            select(OutboxEntry.status).where(OutboxEntry.key.startswith(f"alert:c:{gone.id}:"))
        )
    assert user is not None and user.blocked_bot
    assert failed == "failed"


async def test_send_now_leaves_a_busy_chats_rows_to_the_job(harness: Any) -> None:
    """A handler's send_now waits about a second at most for the chat's turn (1 message/s):
    the other rows go back, untouched and not counted as attempts, for the job."""
    ana = await started_user(harness)
    await harness.start_app()
    keys = [f"note:{i}" for i in range(8)]
    for i, key in enumerate(keys):
        await queue(harness, *says(ana.id, f"note {i}"), key=key)
    made = await harness.ctx.outbox.send_now(*keys)
    assert 1 <= made <= 5, made
    left = [await row(harness, key) for key in keys]
    waiting = [r for r in left if r.status == "pending"]
    assert len(waiting) == 8 - made
    assert all(r.attempts == 0 and r.claimed_by is None for r in waiting)
    await harness.advance(seconds=10)  # the job: the rest, paced
    assert sorted(texts(ana)) == sorted(f"note {i}" for i in range(8))
