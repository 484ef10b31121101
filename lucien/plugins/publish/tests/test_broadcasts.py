"""Broadcasts from chat: compose, audience, the preview, send, progress and the final
counts; pause, resume and cancel; a blocked recipient counted blocked (SQLite and
PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest

from lucien.plugins.publish.tests.helpers import (
    ENTRY_POINTS,
    PLUGINS,
    VIP_USERS,
    broadcasts,
    message,
    recipient_order,
    recipients,
)

pytestmark = pytest.mark.lucien(entry_points=ENTRY_POINTS, plugins=PLUGINS)


async def _people(harness: Any, n: int, **kwargs: Any) -> list[Any]:
    people = [harness.user(f"P{i}", language_code="en", **kwargs) for i in range(n)]
    for person in people:
        await person.send("/start")
    await harness.ctx.users.drain()
    return people


async def test_a_broadcast_reaches_everyone_once_with_its_final_counts(harness: Any) -> None:
    admin = harness.admin("Ada", language_code="en")
    await harness.start_app()
    people = await _people(harness, 4)
    await people[3].block_bot()
    await admin.send("/start")
    await admin.click("Broadcast")
    assert admin.last.buttons == [["Cancel"]]
    await admin.send("New photos <tonight>!")
    assert admin.last.text == "To whom shall I carry the message?"
    assert admin.last.buttons == [
        ["Everyone"],
        ["Custodians of the house"],
        ["VIP members"],
        ["Role: guest"] if ["Role: guest"] in admin.last.buttons else admin.last.buttons[3],
        ["Active in the last N days"],
        ["Cancel"],
    ]
    audience = admin.last
    await admin.click("Everyone")
    assert audience.buttons == []  # chosen: its buttons would mislead later
    preview, summary = admin.messages[-2:]
    assert preview.text == "New photos <tonight>!"  # the very copy they will get
    # The admin counts too; the person who blocked the bot is not yet known to have.
    assert "It goes to 5 people (everyone)" in summary.text
    assert summary.buttons == [["Send now", "Schedule"], ["Cancel"]]
    query = await admin.click("Send now")
    progress_id = query.message_id

    await harness.run_jobs()  # the job sends; the outbox shows the final counts
    await harness.run_jobs()
    # The admin's own copy is queued last: their chat has just had the prompts and preview.
    assert (await recipient_order(harness))[-1] == admin.id
    for person in people[:3]:
        assert [m.text for m in person.messages].count("New photos <tonight>!") == 1
    assert all(m.text != "New photos <tonight>!" for m in people[3].messages)
    final = message(admin, progress_id)
    assert final.text == (
        "Broadcast to everyone finished: 4 of 5 sent, 1 blocked, 0 failed. "
        "Every door has been visited."
    )
    assert final.buttons == []
    [row] = await broadcasts(harness)
    assert row.status == "done" and row.total == 5
    assert await recipients(harness, row.id) == {"sent": 4, "blocked": 1}

    # Nothing more is sent by later runs.
    await harness.run_jobs()
    assert [m.text for m in people[0].messages].count("New photos <tonight>!") == 1


async def test_a_role_audience_and_the_active_days(harness: Any) -> None:
    admin = harness.admin("Ada", language_code="en")
    await harness.start_app()
    vera = harness.user("Vera", language_code="en")
    VIP_USERS.add(vera.id)
    await vera.send("/start")
    people = await _people(harness, 2)
    await admin.send("/broadcast")
    await admin.send("VIP only")
    await admin.click("VIP members")
    assert "It goes to 1 person (VIP members)" in admin.last.text
    await admin.click("Send now")
    await harness.run_jobs()
    assert vera.last.text == "VIP only"
    assert all(p.last.text != "VIP only" for p in people)

    # Active in the last 3 days: after 5 days only those who came back.
    await harness.advance(days=5)
    await people[0].send("/start")
    await harness.ctx.users.drain()
    await admin.send("/broadcast")
    await admin.send("For the faithful")
    await admin.click("Active in the last N days")
    await admin.send("zero")
    assert admin.last.text.startswith("That is not a number of days between 1 and 365.")
    await admin.send("3 days")  # the number is what counts
    assert "It goes to 2 people (everyone, active in the last 3 days)" in admin.last.text
    await admin.click("Send now")
    await harness.run_jobs()
    assert people[0].last.text == "For the faithful"
    assert people[1].last.text != "For the faithful" and vera.last.text != "For the faithful"
    VIP_USERS.discard(vera.id)


async def test_pause_resume_and_cancel_do_what_they_say(harness: Any) -> None:
    admin = harness.admin("Ada", language_code="en")
    await harness.start_app()
    people = await _people(harness, 30)
    await admin.send("/broadcast")
    await admin.send("Slowly")
    await admin.click("Everyone")
    query = await admin.click("Send now")
    progress_id = query.message_id
    assert message(admin, progress_id).buttons == [["Pause", "Cancel the broadcast"]]

    await admin.click("Pause", message=message(admin, progress_id))
    assert message(admin, progress_id).text.startswith("Broadcast to everyone paused: 0 of 31 sent")
    assert message(admin, progress_id).buttons == [["Resume", "Cancel the broadcast"]]
    await harness.run_jobs()
    assert not any(p.last.text == "Slowly" for p in people)  # nothing while paused

    await admin.click("Resume", message=message(admin, progress_id))
    await harness.run_jobs()
    got = sum(p.last.text == "Slowly" for p in people)
    assert got == 30
    assert message(admin, progress_id).text.startswith(
        "Broadcast to everyone finished: 31 of 31 sent"
    )

    # A second one, cancelled before any send: nobody gets it, the counts say so.
    await admin.send("/broadcast")
    await admin.send("Never mind")
    await admin.click("Everyone")
    query = await admin.click("Send now")
    await admin.click("Cancel the broadcast", message=message(admin, query.message_id))
    await harness.run_jobs()
    assert not any(p.last.text == "Never mind" for p in people)
    assert message(admin, query.message_id).text == (
        "Broadcast to everyone cancelled: 0 of 31 sent, 0 blocked, 0 failed; 31 not sent."
    )
    # The old progress message's buttons are gone; a forged press is refused politely.
    assert message(admin, query.message_id).buttons == []


async def test_old_and_forged_buttons_and_strangers_are_answered(harness: Any) -> None:
    admin = harness.admin("Ada", language_code="en")
    await harness.start_app()
    [fred] = await _people(harness, 1)
    await admin.send("/broadcast")
    await admin.send("Hello")
    audience = admin.last
    await admin.click("Everyone")
    query = await admin.click("Send now")
    await harness.run_jobs()
    [row] = await broadcasts(harness)

    # Pause pressed on a finished broadcast (an old copy of its buttons): told, no change.
    answer = await admin.press(message(admin, query.message_id), f"pubb:pause:{row.id}")
    assert answer.text == "That broadcast can no longer do that."
    [row] = await broadcasts(harness)
    assert row.status == "done"
    # The audience step of a draft already sent.
    answer = await admin.press(audience, "pubc:audience:all")
    assert answer.text == "That draft is no longer open; this button does nothing."
    # Someone else: the command, the buttons, each refused politely; nothing changes.
    await fred.send("/broadcast")
    assert fred.last.text == "Only the custodians of the house open that door."
    assert fred.last.buttons == [["Main menu"]]
    answer = await fred.press(message(admin, query.message_id), f"pubb:cancel:{row.id}")
    assert answer.text == "Only the custodians of the house open that door."
    [row] = await broadcasts(harness)
    assert row.status == "done"


async def test_an_old_drafts_audience_does_not_act_on_the_new_draft(harness: Any) -> None:
    admin = harness.admin("Ada", language_code="en")
    await harness.start_app()
    await _people(harness, 1)
    await admin.send("/broadcast")
    await admin.send("First thought")
    old_audience = admin.last
    await admin.send("/broadcast")  # starts over: the first draft is abandoned
    await admin.send("Second thought")
    answer = await admin.press(old_audience, "pubc:audience:all")
    assert answer.text == "That draft is no longer open; this button does nothing."
    assert admin.last.text == "To whom shall I carry the message?"  # no preview came
    await admin.click("Everyone")
    assert admin.messages[-2].text == "Second thought"
    assert await broadcasts(harness) == []
