"""The web chat's photo and video attachments and the channels' posts with their buttons,
through the JSON API the page calls (no browser)."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from lucien.sandbox import Sandbox, world

from .test_sandbox_api import Api, channel

JPEG = b"\xff\xd8\xff\xe0 a tiny jpeg"


@pytest.fixture
async def box(tmp_path: Path) -> AsyncIterator[Sandbox]:
    async with Sandbox(port=0, db_path=str(tmp_path / "s.db"), reset=True) as sandbox:
        yield sandbox


@pytest.fixture
async def api(box: Sandbox) -> AsyncIterator[Api]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        yield Api(session, box)


def upload(kind: str, data: bytes, name: str, caption: str = "") -> dict[str, Any]:
    return {
        "actor": world.NEW_ID,
        "kind": kind,
        "name": name,
        "data": base64.b64encode(data).decode(),
        "caption": caption,
    }


async def test_a_photo_and_a_video_attached_reach_the_bot(box: Sandbox, api: Api) -> None:
    await api.post("/api/send_media", upload("photo", JPEG, "C:\\fotos\\<yo>.jpg", " Hola <b> "))
    [photo] = [m for m in box.actors[world.NEW_ID].chat_with().messages.values() if not m.from_bot]
    assert (photo.kind, photo.caption, photo.file) == ("photo", "Hola <b>", ("<yo>.jpg", JPEG))

    state = await api.state(world.NEW_ID)
    assert not state["messages"][-1]["out"], "the bot handled the photo and answered"
    mine = next(m for m in state["messages"] if m["out"] and "photo" in m)
    assert mine["html"] == "Hola &lt;b&gt;" and mine["photo"]["name"] == "<yo>.jpg"
    async with api.session.get(api.url + mine["photo"]["url"] + "&inline=1") as response:
        assert response.status == 200 and response.content_type == "image/jpeg"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert await response.read() == JPEG
    async with api.session.get(api.url + mine["photo"]["url"]) as response:
        assert response.content_type == "application/octet-stream"
        assert response.headers["Content-Disposition"].startswith("attachment")

    await api.post("/api/send_media", upload("video", b"mp4 bytes", "clip.mp4"))
    sent = box.actors[world.NEW_ID].chat_with().messages
    last = max(m.message_id for m in sent.values() if not m.from_bot)
    assert (sent[last].kind, sent[last].caption) == ("video", None)
    state = await api.state(world.NEW_ID)
    assert any(m.get("video", {}).get("name") == "clip.mp4" for m in state["messages"])

    # What the page should never send is refused, with the reason.
    refusals = [
        (upload("voice", JPEG, "a.ogg"), 'kind is "photo" or "video"'),
        ({**upload("photo", JPEG, "a.jpg"), "data": "not base64!"}, "not base64"),
        (upload("photo", b"", "a.jpg"), "no file"),
        (upload("photo", JPEG, "a.jpg", "x" * 1025), "at most 1024"),
    ]
    for body, reason in refusals:
        refused = await api.post("/api/send_media", body, 400)
        assert reason in refused["error"]
    # An SVG (or any page) is never served in place, even when asked.
    video = sent[last].video
    assert video is not None
    sent[last].video = video._replace(filename="x.svg")
    async with api.session.get(
        f"{api.url}/api/file?actor={world.NEW_ID}&message_id={last}&kind=video&inline=1"
    ) as response:
        assert response.content_type == "application/octet-stream"


async def test_channel_posts_show_their_buttons_and_anyone_may_press_them(
    box: Sandbox, api: Api
) -> None:
    keyboard = {"inline_keyboard": [[{"text": "❤️ 0", "callback_data": "react:heart"}]]}
    status, sent = await box.emulator.execute(
        box.emulator.bot,
        "sendMessage",
        {
            "chat_id": world.VIP_CHANNEL_ID,
            "text": "<b>Nueva</b> sesión",
            "parse_mode": "HTML",
            "reply_markup": keyboard,
        },
    )
    assert status == 200, sent
    post_id = sent["result"]["message_id"]

    state = await api.state(world.NEW_ID)
    post = channel(state, "vip")["posts"][-1]
    assert post["id"] == post_id and post["html"] == "<b>Nueva</b> sesión"
    assert post["buttons"] == [[{"text": "❤️ 0", "kind": "callback"}]]
    assert channel(state, "free")["posts"] == []

    # Not a member of the VIP channel, the new user presses it anyway: the bot gets the
    # press on the channel's post and answers (here the core's "stale button" alert).
    pressed = await api.post(
        "/api/click",
        {
            "actor": world.NEW_ID,
            "channel": "vip",
            "message_id": post_id,
            "label": "❤️ 0",
            "row": 0,
            "col": 0,
        },
    )
    assert pressed["answer"] and pressed["alert"] is True
    [query] = [q for q in box.emulator.callback_queries.values() if q.user_id == world.NEW_ID]
    assert (query.chat_id, query.message_id, query.data) == (
        world.VIP_CHANNEL_ID,
        post_id,
        "react:heart",
    )
    assert box.emulator.calls_of("answerCallbackQuery")[-1].status == 200

    refused = await api.post(
        "/api/click",
        {"actor": world.NEW_ID, "channel": "vip", "message_id": 999, "label": "x"},
        400,
    )
    assert "no message 999" in refused["error"]
    refused = await api.post(
        "/api/click", {"actor": world.NEW_ID, "channel": "nope", "message_id": post_id}, 400
    )
    assert "channel is" in refused["error"]
