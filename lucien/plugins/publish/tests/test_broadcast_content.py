"""Any content goes out as it was sent: a photo with a formatted caption arrives as a photo
with the same caption entities, an album as an album, formatted text with its formatting,
a voice note and a document as themselves (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest

from lucien.plugins.publish.tests.helpers import ENTRY_POINTS, PLUGINS

pytestmark = pytest.mark.lucien(entry_points=ENTRY_POINTS, plugins=PLUGINS)


async def _admin_and_reader(harness: Any) -> tuple[Any, Any]:
    admin = harness.admin("Ada", language_code="en")
    await harness.start_app()
    reader = harness.user("Rita", language_code="en")
    await reader.send("/start")
    await harness.ctx.users.drain()
    await admin.send("/broadcast")
    return admin, reader


async def _send_to_everyone(harness: Any, admin: Any) -> None:
    await admin.click("Everyone")
    await admin.click("Send now")
    await harness.run_jobs()


async def test_a_photo_keeps_its_caption_and_formatting(harness: Any) -> None:
    admin, rita = await _admin_and_reader(harness)
    sent = await admin.send_photo(
        b"\xff\xd8night", caption="<b>Tonight</b> at <i>nine</i>", parse_mode="HTML"
    )
    assert admin.last.text == "To whom shall I carry the message?"
    await admin.click("Everyone")
    preview = admin.messages[-2]
    assert preview.kind == "photo" and preview.caption == "Tonight at nine"
    await admin.click("Send now")
    await harness.run_jobs()
    got = rita.last
    assert got.kind == "photo"
    assert got.caption == "Tonight at nine"
    assert got.entities == sent.entities
    assert [e["type"] for e in got.entities] == ["bold", "italic"]


async def test_an_album_arrives_as_an_album(harness: Any) -> None:
    admin, rita = await _admin_and_reader(harness)
    before = len(rita.messages)
    album = await admin.send_album([("photo", "One"), ("video", None), ("photo", "Three")])
    assert admin.last.text.startswith("An album: its pieces will travel together")
    assert (
        sum(
            m.text == "To whom shall I carry the message?"
            or (m.text or "").endswith("To whom shall I carry the message?")
            for m in admin.messages
        )
        == 1
    )  # answered once
    await _send_to_everyone(harness, admin)
    got = rita.messages[before:]
    assert [m.kind for m in got] == ["photo", "video", "photo"]
    assert [m.caption for m in got] == ["One", None, "Three"]
    groups = {m.media_group_id for m in got}
    assert len(groups) == 1 and None not in groups
    assert groups != {album[0].media_group_id}  # a new album in her chat, not a forward


async def test_formatted_text_and_a_voice_note(harness: Any) -> None:
    admin, rita = await _admin_and_reader(harness)
    await admin.send("See <a href='https://example.org'>the gallery</a>", parse_mode="HTML")
    await _send_to_everyone(harness, admin)
    assert rita.last.text == "See the gallery"
    assert rita.last.entities[0]["type"] == "text_link"

    await admin.send("/broadcast")
    await admin.send_voice(b"OggS")
    await _send_to_everyone(harness, admin)
    assert rita.last.kind == "voice"


async def test_a_document_and_a_command_that_leaves_the_draft(harness: Any) -> None:
    admin, rita = await _admin_and_reader(harness)
    await admin.send_document("notes.txt", b"plain")
    assert admin.last.text == "To whom shall I carry the message?"
    await _send_to_everyone(harness, admin)
    assert rita.last.kind == "document"

    # A command typed instead of the content leaves the draft: nothing goes out later.
    await admin.send("/broadcast")
    await admin.send("/start")
    await admin.send("Just chatting")
    assert admin.last.text != "To whom shall I carry the message?"
    await harness.run_jobs()
    assert rita.last.kind == "document"
