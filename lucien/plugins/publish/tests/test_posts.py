"""Posts to the channels from chat: compose, the channel, the options, the preview (the
very copy, buttons at 0), publish now or at a time; recorded with where, when, by whom and
the message ids; a refusal told to the admin (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from lucien.core.db import migrate
from lucien.plugins.publish.services import Posts
from lucien.plugins.publish.services.common import BACKOFF_S, LEASE_S
from lucien.plugins.publish.tests.helpers import (
    POST_ENTRY_POINTS,
    POST_PLUGINS,
    channel,
    join,
    posts,
    set_channel,
    set_timezone,
)

pytestmark = pytest.mark.lucien(entry_points=POST_ENTRY_POINTS, plugins=POST_PLUGINS)

TARGET = {"Where shall it be published?", "In which room shall I display it?"}
BUTTONS_0 = [["🔥 0", "❤️ 0", "😍 0"]]


def said(message: Any) -> str:
    """A message's text with the narrow spaces dates use read as plain ones."""
    return str(message.text).replace("\u202f", " ")


async def _compose(admin: Any, text: str, **kwargs: Any) -> None:
    await admin.send("/post")
    await admin.send(text, **kwargs)
    assert admin.last.text in TARGET


async def test_a_post_with_reactions_reaches_the_vip_channel(harness: Any) -> None:
    admin = harness.admin("Ada", language_code="en")
    await harness.start_app()
    divan = await channel(harness, "vip", "Divan")
    await channel(harness, "free", "Vestibule")
    await admin.send("/start")
    await admin.click("Post to a channel")
    assert admin.last.buttons == [["Cancel"]]
    sent = await admin.send("<b>Tonight</b> at nine", parse_mode="HTML")
    assert admin.last.text in TARGET
    assert admin.last.buttons == [
        ["The Divan (VIP)"],
        ["The vestibule (free)"],
        ["Both"],
        ["Cancel"],
    ]
    await admin.click("The Divan (VIP)")
    assert admin.last.text == (
        "It goes to the Divan.\nReaction buttons: 🔥 ❤️ 😍.\n"
        "Protected (no forwarding or saving): no.\nAdjust as you see fit, then look at the preview."
    )
    assert admin.last.buttons == [
        ["Reaction buttons: yes"],
        ["Protected: no"],
        ["See the preview"],
        ["Cancel"],
    ]
    await admin.click("See the preview")
    preview, summary = admin.messages[-2:]
    assert preview.text == "Tonight at nine" and preview.entities == sent.entities
    assert preview.buttons == BUTTONS_0 and not preview.protect_content
    assert summary.text == (
        "Above is exactly what the Divan will show. Reaction buttons: 🔥 ❤️ 😍. "
        "Protected: no. Shall I publish it?"
    )
    assert summary.buttons == [["Publish now", "Schedule"], ["Cancel"]]
    # The preview's buttons only say what they are.
    tap = await admin.click("🔥 0", message=preview)
    assert tap.text == "This is only the preview: reactions count once it is published."

    await admin.click("Publish now")
    assert admin.last.text == (
        "On its way to the Divan. I shall tell you the moment it is on view."
    )
    assert admin.last.buttons == []
    [row] = await posts(harness)
    assert (row.status, row.target, row.chat_id) == ("scheduled", "vip", divan.id)

    await harness.run_jobs()
    await harness.run_jobs()  # the outbox tells the admin
    [post] = divan.posts
    assert post.text == "Tonight at nine" and post.entities == sent.entities
    assert post.buttons == BUTTONS_0 and not post.protect_content
    [row] = await posts(harness)
    now = harness.clock.now()
    assert row.status == "sent" and row.sent_at == now and row.created_by == admin.id
    assert row.message_ids == [post.message_id] and row.buttons_message_id == post.message_id
    assert row.reactions == ["🔥", "❤️", "😍"]
    assert said(admin.last) == (
        "Published in the Divan on January 1, 2026, 6:00 AM (CST). It is on view for all."
    )

    # Later runs send nothing more.
    await harness.run_jobs()
    assert len(divan.posts) == 1


async def test_both_channels_protected_without_reactions_and_a_refusal(harness: Any) -> None:
    admin = harness.admin("Ada", language_code="es")
    await harness.start_app()
    divan = await channel(harness, "vip", "Divan")
    hall = await channel(harness, "free", "Hall", bot_is_admin=False)
    await admin.send("/post")
    await admin.send("Para todos")
    await admin.click("Ambos")
    await admin.click("Botones de reacción: sí")
    await admin.click("Protegido: no")
    assert admin.last.text == (
        "Destino: el Diván y el vestíbulo.\nBotones de reacción: ninguno.\n"
        "Protegido (sin reenviar ni guardar): sí.\nAjuste lo que guste y después vea la vista previa."
    )
    assert admin.last.buttons == [
        ["Botones de reacción: no"],
        ["Protegido: sí"],
        ["Ver la vista previa"],
        ["Cancelar"],
    ]
    await admin.click("Ver la vista previa")
    preview = admin.messages[-2]
    assert preview.text == "Para todos" and preview.buttons == [] and preview.protect_content
    await admin.click("Publicar ahora")
    await harness.run_jobs()
    await harness.run_jobs()

    [post] = divan.posts
    assert post.text == "Para todos" and post.protect_content and post.buttons == []
    assert hall.posts == []
    rows = {row.target: row for row in await posts(harness)}
    assert rows["vip"].status == "sent" and rows["vip"].message_ids == [post.message_id]
    assert rows["vip"].buttons_message_id is None and rows["vip"].protect_content
    assert rows["free"].status == "failed"
    assert "need administrator rights" in (rows["free"].error or "")
    told = [m.text for m in admin.messages[-2:]]
    assert any(t.startswith("Publicado en el Diván el ") for t in told)
    assert any(
        t.startswith("No he podido publicar en el vestíbulo. Telegram respondió: ")
        and "need administrator rights" in t
        for t in told
    )


async def test_no_channel_wrong_words_and_old_buttons_are_answered(harness: Any) -> None:
    admin = harness.admin("Ada", language_code="en")
    await harness.start_app()
    await admin.send("/post")
    assert admin.last.text.startswith("No channel is in my care yet.")
    assert admin.last.buttons == [["Main menu"]]

    await channel(harness, "vip", "Divan")
    await _compose(admin, "Hello")
    assert admin.last.buttons == [["The Divan (VIP)"], ["Cancel"]]
    question = admin.last
    await admin.send("the Divan, please")
    assert admin.last.text == "Kindly choose with the buttons above, or cancel."
    await admin.click("The Divan (VIP)", message=question)
    options = admin.last
    await admin.click("See the preview")
    # The options' switches are gone with the preview; a client that kept them is told.
    assert options.buttons == []
    await admin.press(options, "pubc:react:")
    assert (
        admin.callback_answers[-1].text == "That draft is no longer open; this button does nothing."
    )
    await admin.click("Cancel")
    assert admin.last.text == "As you wish: nothing has left the house."
    await admin.press(admin.messages[-2], "pubc:publish:")  # the old summary, forged
    assert admin.callback_answers[-1].show_alert
    await harness.run_jobs()
    assert await posts(harness) == []

    # The channel unset between the question and the answer.
    await _compose(admin, "Again")
    await set_channel(harness, "vip", None)
    await admin.click("The Divan (VIP)")
    assert admin.callback_answers[-1].text == (
        "That channel is no longer in the configuration. Choose another, if you please."
    )
    assert admin.last.text.startswith("No channel is in my care yet.")


async def test_a_post_at_nine_in_the_evening_goes_out_once_from_two_replicas(
    harness: Any,
) -> None:
    admin = harness.admin("Ada", language_code="en")
    await harness.start_app()
    await set_timezone(harness, "Europe/Madrid")
    await harness.start_app()  # a second replica, reading the same rows
    divan = await channel(harness, "vip", "Divan")
    await _compose(admin, "At nine")
    await admin.click("The Divan (VIP)")
    await admin.click("See the preview")
    await admin.click("Schedule")
    assert admin.last.text.startswith("When? Send me the time (CET)")
    await admin.send("21:00")
    # 2026-01-01 at 21:00 in Madrid is 20:00 UTC; the clock stands at 12:00 UTC.
    assert said(admin.last) == (
        "Scheduled: it will be published in the Divan on January 1, 2026, 9:00 PM (CET). "
        "When the hour comes, it will go out on its own."
    )
    [row] = await posts(harness)
    assert row.scheduled_at == datetime(2026, 1, 1, 20, 0, tzinfo=UTC)

    await admin.send("/scheduled")
    assert admin.last.buttons[0] == ["Jan 1 21:00 · Post to the Divan"]
    await admin.click("Jan 1 21:00 · Post to the Divan")
    assert said(admin.last) == "Post to the Divan: January 1, 2026, 9:00 PM (CET)"

    await harness.advance(hours=7, minutes=59)
    assert divan.posts == []

    harness.clock.advance(minutes=1)  # 21:00 in Madrid: both replicas at once
    await asyncio.gather(*(app.run_jobs_once() for app in harness.apps))
    await harness.run_jobs()
    [post] = divan.posts
    assert post.text == "At nine" and post.buttons == BUTTONS_0
    [row] = await posts(harness)
    assert row.status == "sent" and row.sent_at == datetime(2026, 1, 1, 20, 0, tzinfo=UTC)
    assert said(admin.last).startswith("Published in the Divan on January 1, 2026, 9:00 PM (CET).")
    await harness.advance(minutes=5)
    assert len(divan.posts) == 1


async def test_the_scheduled_list_moves_and_cancels_a_post(harness: Any) -> None:
    admin = harness.admin("Ada", language_code="en")
    await harness.start_app()
    divan = await channel(harness, "vip", "Divan")
    await _compose(admin, "Later")
    await admin.click("The Divan (VIP)")
    await admin.click("See the preview")
    await admin.click("Schedule")
    await admin.send("20:00")  # Mexico City: 02:00 UTC tomorrow
    await admin.send("/scheduled")
    await admin.click("Jan 1 20:00 · Post to the Divan")
    await admin.click("Change the time")
    await admin.send("22:30")
    assert said(admin.last).startswith("Moved to January 1, 2026, 10:30 PM (CST).")
    [row] = await posts(harness)
    assert row.scheduled_at == datetime(2026, 1, 2, 4, 30, tzinfo=UTC)
    await admin.click("Jan 1 22:30 · Post to the Divan")
    await admin.click("Cancel it")
    assert admin.last.text.startswith("Cancelled: it will not go out.")
    await harness.advance(days=1)
    assert divan.posts == []
    [row] = await posts(harness)
    assert row.status == "cancelled"


async def test_a_photo_keeps_its_caption_and_an_album_arrives_as_an_album(harness: Any) -> None:
    admin = harness.admin("Ada", language_code="en")
    await harness.start_app()
    divan = await channel(harness, "vip", "Divan")
    ana = harness.user("Ana", language_code="en")
    await join(divan, ana)

    await admin.send("/post")
    sent = await admin.send_photo(
        b"\xff\xd8night", caption="<b>Tonight</b> at <i>nine</i>", parse_mode="HTML"
    )
    await admin.click("The Divan (VIP)")
    await admin.click("Protected: no")
    await admin.click("See the preview")
    preview = admin.messages[-2]
    assert preview.kind == "photo" and preview.caption == "Tonight at nine"
    assert preview.buttons == BUTTONS_0 and preview.protect_content
    await admin.click("Publish now")
    await harness.run_jobs()
    [photo] = divan.posts
    assert photo.kind == "photo" and photo.caption == "Tonight at nine"
    assert photo.entities == sent.entities
    assert [e["type"] for e in photo.entities] == ["bold", "italic"]
    assert photo.protect_content and photo.buttons == BUTTONS_0

    # An album: a new album in the channel, then its buttons on a line of their own.
    await admin.send("/post")
    album = await admin.send_album([("photo", "One"), ("video", None), ("photo", "Three")])
    assert admin.last.text.startswith("An album: its pieces will travel together")
    await admin.click("The Divan (VIP)")
    await admin.click("See the preview")
    *copies, line, _summary = admin.messages[-5:]
    assert [m.kind for m in copies] == ["photo", "video", "photo"]
    assert line.text == "Leave your reaction here:" and line.buttons == BUTTONS_0
    await admin.click("Publish now")
    await harness.run_jobs()
    got = divan.posts[1:]
    assert [m.kind for m in got] == ["photo", "video", "photo", "text"]
    assert [m.caption for m in got[:3]] == ["One", None, "Three"]
    groups = {m.media_group_id for m in got[:3]}
    assert len(groups) == 1 and None not in groups and groups != {album[0].media_group_id}
    assert got[3].text == "Leave your reaction here:" and got[3].buttons == BUTTONS_0
    [_, row] = await posts(harness)
    assert row.message_ids == [m.message_id for m in got[:3]]
    assert row.buttons_message_id == got[3].message_id

    # The album's buttons count like any other.
    tap = await ana.click_in(divan, got[3], "😍 0")
    assert tap.text == "Noted: 😍"
    await harness.run_jobs()
    assert got[3].buttons == [["🔥 0", "❤️ 0", "😍 1"]]


async def test_a_passing_failure_and_a_dead_replica_lose_nothing_and_double_nothing(
    harness: Any,
) -> None:
    admin = harness.admin("Ada", language_code="en")
    await harness.start_app()
    divan = await channel(harness, "vip", "Divan")
    harness.emulator.faults.add("copyMessage", status=502, times=1, chat_id=divan.id)
    await _compose(admin, "Tried twice")
    await admin.click("The Divan (VIP)")
    await admin.click("See the preview")
    await admin.click("Publish now")
    await harness.run_jobs()
    assert divan.posts == []
    [row] = await posts(harness)
    assert (row.status, row.attempts) == ("sending", 1) and "Bad Gateway" in (row.error or "")
    await harness.advance(BACKOFF_S)  # the back-off ran out: any replica retries
    assert [p.text for p in divan.posts] == ["Tried twice"]
    [row] = await posts(harness)
    assert row.status == "sent"

    # A replica claims the next post and dies before sending it: after its lease, the
    # other one sends it, once.
    await _compose(admin, "Orphaned")
    await admin.click("The Divan (VIP)")
    await admin.click("See the preview")
    await admin.click("Publish now")
    dead = Posts(harness.ctx)
    [claimed] = await dead._claim(4)
    await harness.run_jobs()
    assert [p.text for p in divan.posts] == ["Tried twice"]
    await harness.advance(LEASE_S)
    await harness.run_jobs()
    assert [p.text for p in divan.posts] == ["Tried twice", "Orphaned"]
    rows = await posts(harness)
    assert [(r.id, r.status) for r in rows] == [(row.id, "sent"), (claimed.id, "sent")]


async def test_the_models_match_the_migrations(harness: Any) -> None:
    await harness.start_app()
    settings, registry = harness.app.settings, harness.ctx.registry
    assert await migrate.compare_models(settings, registry, "publish") == []
