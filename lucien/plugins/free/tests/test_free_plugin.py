"""The free plugin's own suite (shipped in the package; diagnostics can run it).

Only the free plugin is enabled, so the texts are the declared plain defaults. Users ask
to join with the bot's join-request link, as in a Telegram client; the clock moves with
`harness.advance`, which runs the due jobs. The wider conversation tests (rights outages,
VIP users, several replicas, failing approvals, bulk) are in test_free.py and
test_free_bulk.py, beside this file.
"""

from __future__ import annotations

from typing import Any

import pytest

from lucien.core.config_store import SettingError
from lucien.core.testing.emulator import CallbackQueryState
from lucien.plugins.free.keyboards import FreeCallback
from lucien.plugins.free.services import FreeSettings, service
from lucien.plugins.free.tests.helpers import LINK_BUTTONS, rows, setup_free, url_buttons

pytestmark = pytest.mark.lucien(plugins=["free"])


async def test_request_is_told_the_wait_and_links_then_approved_and_welcomed(harness: Any) -> None:
    await harness.start_app()
    channel, link = await setup_free(harness, wait=10)
    ana = harness.user("Ana", language_code="en")

    assert await ana.join(link) == "requested"
    assert len(ana.messages) == 1  # written to within Telegram's 5-minute window
    told = ana.last_text
    assert "Ana" in told and "10 minutes" in told
    assert url_buttons(ana.last) == LINK_BUTTONS
    [row] = await rows(harness)
    assert (row.status, row.user_id) == ("pending", ana.id)

    await harness.advance(minutes=9, seconds=59)
    assert ana.id not in channel.members  # not a second early
    await harness.advance(seconds=1)
    assert channel.members.get(ana.id) == "member"
    [row] = await rows(harness)
    assert row.status == "approved"
    # She never started the bot and the window is over: Telegram refuses the welcome.
    assert len(ana.messages) == 1
    assert [c.status for c in harness.emulator.calls_of("sendMessage")][1:] == [403]


async def test_welcome_reaches_a_user_who_started_the_bot(harness: Any) -> None:
    await harness.start_app()
    channel, link = await setup_free(harness, wait=10, links=[])
    bea = harness.user("Bea", language_code="en")
    await bea.send("/start")
    before = len(bea.messages)
    assert await bea.join(link) == "requested"
    assert "10 minutes" in bea.last_text and "http" not in bea.last_text

    await harness.advance(minutes=10)
    assert channel.members.get(bea.id) == "member"
    assert bea.last_text == "Your request was approved. Welcome to the free channel, Bea."
    assert len(bea.messages) == before + 2  # the wait, then the welcome, once
    assert (await rows(harness))[0].welcome == "queued"
    await harness.advance(minutes=10)
    assert len(bea.messages) == before + 2


async def test_zero_wait_approves_and_welcomes_at_once(harness: Any) -> None:
    await harness.start_app()
    channel, link = await setup_free(harness, wait=0)
    dan = harness.user("Dan", language_code="en")
    assert await dan.join(link) == "requested"
    assert channel.members.get(dan.id) == "member"  # no job tick needed
    assert dan.messages[-1].text.endswith("Welcome to the free channel, Dan.")
    assert len(dan.messages) == 1
    assert (await rows(harness))[0].status == "approved"


async def test_social_links_refuse_what_is_not_a_link_or_handle(harness: Any) -> None:
    good = FreeSettings.model_validate({"social_links": [" https://x.com/diana ", "", "@diana_tv"]})
    assert good.social_links == ["https://x.com/diana", "@diana_tv"]
    for bad in ("instagram.com/diana", "javascript:alert(1)", "ftp://x.org", "@ab", "https://"):
        with pytest.raises(ValueError):
            FreeSettings.model_validate({"social_links": [bad]})

    await harness.start_app()
    ctx = harness.ctx
    version = await ctx.config.version("free", "social_links")
    with pytest.raises(SettingError, match="neither an http"):
        await ctx.config.update(
            "free",
            "social_links",
            ["https://ok.example", "not a link"],
            expected_version=version,
            by=None,
        )
    assert (await service(ctx).settings()).social_links == []  # nothing saved


async def test_withdrawn_request_is_marked_gone(harness: Any) -> None:
    await harness.start_app()
    channel, link = await setup_free(harness, wait=10)
    fer = harness.user("Fer", language_code="en")
    await fer.send("/start")
    assert await fer.join(link) == "requested"
    channel.join_requests.pop(fer.id)  # withdrawn in the client
    sent = len(fer.messages)

    await harness.advance(minutes=10)
    assert fer.id not in channel.members
    [row] = await rows(harness)
    assert row.status == "gone"
    assert len(fer.messages) == sent  # no welcome for someone who is not coming in


async def test_button_on_a_message_too_old_to_edit_sends_the_screen_anew(harness: Any) -> None:
    await harness.start_app()
    _channel, link = await setup_free(harness, wait=5)
    ivo = harness.user("Ivo", language_code="en")
    await ivo.send("/start")
    before = len(ivo.messages)
    # Telegram gives an InaccessibleMessage (date 0) for a message it no longer shows.
    old = {
        "chat": {"id": ivo.id, "type": "private", "first_name": "Ivo"},
        "message_id": 1,
        "date": 0,
    }
    data = FreeCallback(screen="menu").pack()
    query = CallbackQueryState("old-button", ivo.id, harness.account.id, 1, data)
    harness.emulator.callback_queries[query.id] = query
    body = {
        "id": query.id,
        "from": ivo.user.to_api(),
        "message": old,
        "chat_instance": "1",
        "data": data,
    }
    await harness.emulator.wait_handled([harness.account.queue.push("callback_query", body)])
    assert query.answered
    assert len(ivo.messages) == before + 1
    assert link in url_buttons(ivo.last).values()
    assert link not in ivo.last_text and "5 minutes" in ivo.last_text  # the button has it
