"""The free channel's entry door, through the emulator with the controllable clock.

Each test runs on SQLite and PostgreSQL (the `harness` fixture). Users ask to join with the
bot's join-request link, exactly as in a Telegram client; the clock moves with
`harness.advance`, which runs every job once.
"""

from __future__ import annotations

from typing import Any

import pytest
from aiogram.exceptions import TelegramNetworkError, TelegramServerError
from aiogram.methods import ApproveChatJoinRequest

from lucien.core.menus import main_menu_markup
from lucien.core.testing.emulator import membership
from lucien.plugins.free.models import FreeChannel
from lucien.plugins.free.services import Recipient, service
from lucien.plugins.free.tests.helpers import LINK_BUTTONS, rows, setup_free, url_buttons

pytestmark = pytest.mark.lucien(plugins=["voice", "free"])


async def test_request_wait_links_approval_welcome(harness: Any) -> None:
    await harness.start_app()
    channel, link = await setup_free(harness, wait=10)
    ana = harness.user("Ana", language_code="en")
    await ana.send("/start")  # she has talked to the bot: it may write to her any time
    before = len(ana.messages)

    assert await ana.join(link) == "requested"
    told = ana.messages[before:]
    assert len(told) == 1
    assert "10 minutes" in told[0].text
    assert url_buttons(told[0]) == LINK_BUTTONS  # the networks, as buttons named by network
    assert "http" not in told[0].text
    [row] = await rows(harness)
    assert (row.status, row.user_id) == ("pending", ana.id)
    assert (row.due_at - row.requested_at).total_seconds() == 600

    await harness.advance(minutes=9, seconds=59)
    assert ana.id not in channel.members
    assert (await rows(harness))[0].status == "pending"

    await harness.advance(seconds=1)
    assert channel.members.get(ana.id) == "member"
    row = (await rows(harness))[0]
    assert (row.status, row.welcome) == ("approved", "queued")  # the outbox made it
    assert "Ana" in ana.last_text and "vestibule" in ana.last_text.lower()
    assert len(ana.messages) == before + 2
    # The welcome's button opens the channel she is now in.
    assert url_buttons(ana.last) == {"Enter the vestibule": link}
    assert await ana.join(link) == "already_member"


async def test_never_started_user_is_told_in_window_and_welcomed_if_still_in_it(
    harness: Any,
) -> None:
    await harness.start_app()
    channel, link = await setup_free(harness, wait=2, links=[])
    bea = harness.user("Bea", language_code="es")  # never wrote to the bot
    assert await bea.join(link) == "requested"
    assert "2 minutos" in bea.last_text and "http" not in bea.last_text

    await harness.advance(minutes=2)
    assert channel.members.get(bea.id) == "member"
    assert len(bea.messages) == 2  # welcomed before the approval closed the window
    assert "Bea" in bea.last_text
    assert (await rows(harness))[0].welcome == "queued"


async def test_never_started_user_after_the_window_is_approved_without_welcome(
    harness: Any,
) -> None:
    await harness.start_app()
    channel, link = await setup_free(harness, wait=10)
    cai = harness.user("Cai", language_code="en")
    assert await cai.join(link) == "requested"
    await harness.advance(minutes=10)
    assert channel.members.get(cai.id) == "member"
    assert len(cai.messages) == 1  # Telegram refuses the welcome; nothing else to do
    refused = [c.status for c in harness.emulator.calls_of("sendMessage")][1:]
    assert refused == [403]  # tried once, not again
    await harness.advance(minutes=10)
    assert [c.status for c in harness.emulator.calls_of("sendMessage")][1:] == [403]


async def test_zero_wait_approves_at_once(harness: Any) -> None:
    await harness.start_app()
    channel, link = await setup_free(harness, wait=0)
    dan = harness.user("Dan", language_code="en")
    assert await dan.join(link) == "requested"
    assert channel.members.get(dan.id) == "member"  # no job tick needed
    assert "Dan" in dan.last_text and len(dan.messages) == 1
    assert (await rows(harness))[0].status == "approved"


async def test_asking_twice_keeps_the_first_wait(harness: Any) -> None:
    await harness.start_app()
    channel, link = await setup_free(harness, wait=10)
    eva = harness.user("Eva", language_code="en")
    assert await eva.join(link) == "requested"
    assert await eva.join(link) == "already_requested"  # Telegram itself refuses a second
    # She withdraws in her client and asks again four minutes later.
    await harness.advance(minutes=4)
    channel.join_requests.pop(eva.id)
    assert await eva.join(link) == "requested"
    assert "6 minutes" in eva.last_text  # the first wait still runs
    [row] = await rows(harness)
    assert row.times_requested == 2
    await harness.advance(minutes=6)
    assert channel.members.get(eva.id) == "member"


async def test_banned_user_is_declined(harness: Any) -> None:
    await harness.start_app()
    channel, _link = await setup_free(harness, wait=10)
    gil = harness.user("Gil", language_code="en")
    # Telegram stops a banned user before the request; a ban racing the request is
    # simulated by writing both into the emulator's state.
    await harness.emulator.wait_handled(
        membership.change_status(harness.emulator, channel, gil.id, "kicked", actor_id=gil.id)
    )
    await harness.emulator.wait_handled(
        membership.request_to_join(harness.emulator, channel, gil.id, None)
    )
    assert gil.id not in channel.join_requests  # declined
    [row] = await rows(harness)
    assert row.status == "declined"
    # Told once, politely, before the decline closed Telegram's window to write to him.
    [told] = gil.messages
    assert "Gil" in told.text and "custodians of the house" in told.text
    assert not told.inline_buttons
    await harness.advance(minutes=10)
    assert channel.status_of(gil.id) == "kicked"
    assert len(gil.messages) == 1


async def test_vip_user_is_approved_at_once(harness: Any) -> None:
    await harness.start_app()
    channel, link = await setup_free(harness, wait=30)
    hal = harness.user("Hal", language_code="en")
    # The role the core resolves (the vip plugin would grant it for a live subscription).
    await harness.ctx.cache.set("role", str(hal.id), "vip")
    assert await hal.join(link) == "requested"
    assert channel.members.get(hal.id) == "member"
    assert (await rows(harness))[0].status == "approved"


async def test_lost_rights_then_restored(harness: Any) -> None:
    admin = harness.admin("Root", language_code="en")
    await harness.start_app()
    channel, link = await setup_free(harness, wait=5)
    await admin.send("/start")
    users = [harness.user(f"U{i}", language_code="en") for i in range(3)]
    for user in users:
        assert await user.join(link) == "requested"

    harness.emulator.set_bot_rights(channel.id, can_invite_users=False)
    await harness.emulator.wait_idle()
    await harness.advance(minutes=5)
    assert not any(u.id in channel.members for u in users)
    assert all(r.status == "pending" and r.attempts == 1 for r in await rows(harness))
    # Spoken in the admin's language when the core has seen them; the channel is named.
    alerts = [m for m in admin.messages if "Vestibule" in m.text]
    assert len(alerts) == 1

    await harness.advance(seconds=30)  # the first retry: still no rights, no second alert
    assert all(r.attempts == 2 for r in await rows(harness))
    assert len([m for m in admin.messages if "Vestibule" in m.text]) == 1

    harness.emulator.set_bot_rights(channel.id, can_invite_users=True)
    await harness.emulator.wait_idle()
    await harness.advance(seconds=59)  # backoff (60 s) not over yet
    assert not any(u.id in channel.members for u in users)
    await harness.advance(seconds=1)
    assert all(channel.members.get(u.id) == "member" for u in users)
    assert all(r.status == "approved" for r in await rows(harness))
    async with harness.ctx.db.session() as s:
        state = await s.get(FreeChannel, channel.id)
        assert state is not None and state.alerted is False


async def test_restart_while_requests_wait(harness: Any) -> None:
    await harness.start_app()
    channel, link = await setup_free(harness, wait=10)
    users = [harness.user(f"R{i}", language_code="en") for i in range(5)]
    for user in users:
        assert await user.join(link) == "requested"
    old = harness.apps[0]
    await old.stop()
    harness.apps.remove(old)  # a stopped replica runs no jobs

    harness.clock.advance(minutes=6)
    await harness.start_app()
    await harness.run_jobs()
    assert not any(u.id in channel.members for u in users)  # none early
    await harness.advance(minutes=3, seconds=59)
    assert not any(u.id in channel.members for u in users)
    await harness.advance(seconds=1)
    assert all(channel.members.get(u.id) == "member" for u in users)
    assert {r.status for r in await rows(harness)} == {"approved"}


@pytest.mark.lucien(plugins=["voice", "free", "vip"])
async def test_free_menu_shows_link_links_and_vip(harness: Any) -> None:
    await harness.start_app()
    channel, link = await setup_free(harness, wait=5)
    ivo = harness.user("Ivo", language_code="en")
    await ivo.send("hello")
    ctx = harness.ctx
    # The main menu as the core assembles it for the free role (the admin plugin shows it).
    markup = await main_menu_markup(ctx, "free", Recipient(ivo.id, "Ivo", "en"))
    await ctx.bot.send_message(ivo.id, "menu", reply_markup=markup)
    await ivo.click("The vestibule")
    assert link not in ivo.last_text and "5 minutes" in ivo.last_text  # the button has it
    assert url_buttons(ivo.last) == {"Ask to enter": link, **LINK_BUTTONS}
    assert "instagram" not in ivo.last_text
    labels = [b.get("text") for b in ivo.last.inline_buttons]
    assert "The Divan" in labels
    await ivo.click("The Divan")
    assert "VIP" in ivo.last_text
    # The link is created once and kept.
    assert len(harness.emulator.calls_of("createChatInviteLink")) == 1
    assert await service(ctx).join_link(channel.id) == link


def flaky_approvals(bot: Any, failures: dict[int, str]) -> None:
    """Make the bot's HTTP session fail the first approval of some users, as Telegram might.

    `failures[user_id]` is "500" (a server error: the approval did not happen) or "lost"
    (the approval went through but its answer was lost: the session raises the network
    error aiogram raises for an aiohttp.ClientError). A tiny subclass of the session's own
    class, set on the live session: everything else goes to the emulator unchanged.
    """
    session = bot.session
    base = type(session)

    class FlakySession(base):  # type: ignore[misc, valid-type]
        # aiogram's signature, `timeout` included
        async def make_request(self, bot: Any, method: Any, timeout: Any = None) -> Any:  # noqa: ASYNC109
            if isinstance(method, ApproveChatJoinRequest):
                kind = failures.pop(method.user_id, None)
                if kind == "500":
                    raise TelegramServerError(method, "Internal Server Error")
                if kind == "lost":
                    await super().make_request(bot, method, timeout)
                    raise TelegramNetworkError(method, "ClientOSError: connection reset")
            return await super().make_request(bot, method, timeout)

    session.__class__ = FlakySession


async def test_failed_approvals_keep_the_batch_and_are_retried_once(harness: Any) -> None:
    await harness.start_app()
    channel, link = await setup_free(harness, wait=2)
    users = [harness.user(name, language_code="en") for name in ("Ada", "Ben", "Cat", "Dov", "Eli")]
    for user in users:
        assert await user.join(link) == "requested"  # never started: welcomed in the window
    ada, ben, cat, dov, eli = users
    flaky_approvals(harness.ctx.bot, {ben.id: "500", cat.id: "lost"})

    await harness.advance(minutes=2)
    by_user = {r.user_id: r for r in await rows(harness)}
    # The batch's other outcomes are stored, whatever the failures.
    for user in (ada, dov, eli):
        assert channel.members.get(user.id) == "member"
        assert (by_user[user.id].status, by_user[user.id].welcome) == ("approved", "queued")
    # The failed ones wait for a retry, their in-window welcome already recorded.
    assert ben.id not in channel.members
    for user in (ben, cat):
        row = by_user[user.id]
        assert (row.status, row.attempts, row.welcome) == ("pending", 1, "queued")
    assert channel.members.get(cat.id) == "member"  # Telegram did approve her

    await harness.advance(seconds=29)  # the backoff (30 s) is not over
    assert ben.id not in channel.members
    await harness.advance(seconds=1)
    assert channel.members.get(ben.id) == "member"
    by_user = {r.user_id: r for r in await rows(harness)}
    assert {r.status for r in by_user.values()} == {"approved"}  # nobody marked gone
    assert {r.welcome for r in by_user.values()} == {"queued"}
    for user in users:
        assert len(user.messages) == 2, user.first_name  # the wait, one welcome
        approved = [
            c
            for c in harness.emulator.calls_of("approveChatJoinRequest")
            if int(c.params["user_id"]) == user.id and c.status == 200
        ]
        assert len(approved) == 1, user.first_name

    await harness.advance(minutes=5)  # nothing left to do: no second approval or welcome
    assert all(len(u.messages) == 2 for u in users)
    assert (
        len([c for c in harness.emulator.calls_of("approveChatJoinRequest") if c.status == 200])
        == 5
    )
