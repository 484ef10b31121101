"""`lucien run --sandbox` without a browser: the JSON API the web chat uses, persistence
across restarts, --reset, the safe rendering of messages, and the command itself."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from lucien.core.testing.harness import free_port
from lucien.sandbox import Sandbox, world
from lucien.sandbox.render import entities_to_html


@pytest.fixture
async def client() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        yield session


class Api:
    """The calls the page makes, against one running sandbox."""

    def __init__(self, session: aiohttp.ClientSession, box: Sandbox) -> None:
        self.session, self.url = session, box.url

    async def get(self, path: str) -> Any:
        async with self.session.get(self.url + path) as response:
            assert response.status == 200, await response.text()
            return await response.json()

    async def post(self, path: str, body: dict[str, Any], status: int = 200) -> Any:
        async with self.session.post(self.url + path, json=body) as response:
            assert response.status == status, await response.text()
            return await response.json()

    async def state(self, actor: int) -> Any:
        return await self.get(f"/api/state?actor={actor}")


def channel(state: Any, key: str) -> Any:
    return next(c for c in state["channels"] if c["key"] == key)


def member_ids(state: Any, key: str) -> set[int]:
    return {m["id"] for m in channel(state, key)["members"] if m["status"] == "member"}


async def test_new_user_joins_the_free_channel_when_the_clock_moves(
    tmp_path: Path, client: aiohttp.ClientSession
) -> None:
    async with Sandbox(port=0, db_path=str(tmp_path / "s.db"), reset=True) as box:
        api = Api(client, box)
        async with client.get(box.url + "/") as page:
            assert page.status == 200 and "app.js" in await page.text()

        state = await api.state(world.NEW_ID)
        kinds = {a["id"]: (a["admin"], a["vip"]) for a in state["actors"]}
        assert kinds[world.ADMIN_ID] == (True, False)
        assert kinds[world.VIP_ID] == (False, True)  # she redeemed an invitation at startup
        assert member_ids(state, "vip") == {world.VIP_ID}
        assert state["messages"] == []

        await api.post("/api/send", {"actor": world.NEW_ID, "text": "/start"})
        state = await api.state(world.NEW_ID)
        greeting = state["messages"][-1]
        assert not greeting["out"] and "Lucien" in greeting["html"]
        labels = [b["text"] for row in greeting["buttons"] for b in row]
        assert "The vestibule" in labels

        joined = await api.post("/api/join", {"actor": world.NEW_ID, "channel": "free"})
        assert joined["outcome"] == "requested"
        state = await api.state(world.NEW_ID)
        assert [r["id"] for r in channel(state, "free")["requests"]] == [world.NEW_ID]
        assert "10 minutes" in state["messages"][-1]["html"]

        before = (await api.get("/api/calls"))["next"]
        await api.post("/api/clock", {"minutes": 9})
        assert world.NEW_ID not in member_ids(await api.state(world.NEW_ID), "free")
        moved = await api.post("/api/clock", {"minutes": 2})
        assert moved["now"] == box.clock.now().isoformat()
        state = await api.state(world.NEW_ID)
        assert world.NEW_ID in member_ids(state, "free")
        assert channel(state, "free")["requests"] == []
        calls = (await api.get(f"/api/calls?since={before}"))["calls"]
        assert [c["method"] for c in calls].count("approveChatJoinRequest") == 1

        # The admin's /start opens the admin menu; a click is answered in place.
        await api.post("/api/send", {"actor": world.ADMIN_ID, "text": "/start"})
        menu = (await api.state(world.ADMIN_ID))["messages"][-1]
        labels = [b["text"] for row in menu["buttons"] for b in row]
        assert "Administración VIP" in labels
        await api.post(
            "/api/click",
            {"actor": world.ADMIN_ID, "message_id": menu["id"], "label": "Administración VIP"},
        )

        # What a client would refuse is a 400 with the reason, not a crash.
        refused = await api.post("/api/click", {"actor": world.NEW_ID, "label": "Nope"}, 400)
        assert "no inline button" in refused["error"]
        refused = await api.post("/api/join", {"actor": world.NEW_ID, "channel": "vip"}, 400)
        assert "invitation" in refused["error"]
        await api.post("/api/clock", {"minutes": -5}, 400)


async def test_vip_expiry_reminder_and_new_person(
    tmp_path: Path, client: aiohttp.ClientSession
) -> None:
    async with Sandbox(port=0, db_path=str(tmp_path / "s.db"), reset=True) as box:
        api = Api(client, box)
        created = await api.post("/api/actors", {"name": "Zoé", "language": "fr"})
        assert created["id"] >= world.FIRST_CUSTOM_ID
        await api.post("/api/send", {"actor": created["id"], "text": "/start"})
        assert (await api.state(created["id"]))["messages"][-1]["buttons"]

        await api.post("/api/clock", {"days": 31})  # one jump, but the jobs see each step
        state = await api.state(world.VIP_ID)
        texts = [m["html"] for m in state["messages"]]
        assert any("1 día" in t for t in texts), texts  # the reminder on the way
        assert world.VIP_ID not in member_ids(state, "vip")  # removed at expiry
        assert not next(a for a in state["actors"] if a["id"] == world.VIP_ID)["vip"]


async def test_restart_keeps_the_world_and_reset_starts_fresh(
    tmp_path: Path, client: aiohttp.ClientSession
) -> None:
    db = str(tmp_path / "s.db")
    async with Sandbox(port=0, db_path=db, reset=True) as box:
        api = Api(client, box)
        zoe = (await api.post("/api/actors", {"name": "Zoé", "language": "fr"}))["id"]
        await api.post("/api/join", {"actor": world.NEW_ID, "channel": "free"})
        await api.post("/api/clock", {"days": 2})
        clock = box.clock.now()
        tokens = len(box.emulator.calls_of("createChatInviteLink"))

    async with Sandbox(port=0, db_path=db) as box:
        api = Api(client, box)
        state = await api.state(zoe)
        assert box.clock.now() >= clock  # never back in time
        assert member_ids(state, "vip") == {world.VIP_ID}  # still VIP, put back in the salon
        assert not box.emulator.calls_of("createChatInviteLink")  # no second invitation
        # The free channel's stored link still works in the rebuilt emulator.
        joined = await api.post("/api/join", {"actor": zoe, "channel": "free"})
        assert joined["outcome"] == "requested", joined
        assert tokens >= 1

    async with Sandbox(port=0, db_path=db, reset=True) as box:
        ids = {a["id"] for a in (await Api(client, box).state(world.NEW_ID))["actors"]}
        assert ids == {world.ADMIN_ID, world.VIP_ID, world.NUEVO_ID, world.NEW_ID}


def test_rendering_escapes_everything_but_telegram_formatting() -> None:
    text = "<script>x</script> bold 🎩 link https://example.com/a?b=1&c=2."
    entities = [
        {"type": "bold", "offset": 19, "length": 4},
        {"type": "text_link", "offset": 27, "length": 4, "url": "javascript:alert(1)"},
    ]
    out = entities_to_html(text, entities)
    assert out.startswith("&lt;script&gt;x&lt;/script&gt; <b>bold</b> 🎩 <span>link</span>")
    assert 'href="https://example.com/a?b=1&amp;c=2"' in out and out.endswith("</a>.")
    assert "javascript" not in out
    nested = entities_to_html(
        "a b c",
        [
            {"type": "italic", "offset": 0, "length": 5},
            {"type": "text_link", "offset": 2, "length": 1, "url": "https://x.org"},
        ],
    )
    assert re.fullmatch(r'<i>a <a href="https://x.org"[^>]*>b</a> c</i>', nested)


async def test_command_prints_the_url_and_stops_on_sigint(tmp_path: Path) -> None:
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "lucien",
        "run",
        "--sandbox",
        "--port",
        str(port),
        "--db",
        str(tmp_path / "cli.db"),
        "--reset",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout is not None
    seen = []
    try:
        async with asyncio.timeout(60):
            while not any(f"http://127.0.0.1:{port}" in line for line in seen):
                line = (await proc.stdout.readline()).decode()
                assert line, "".join(seen)
                seen.append(line)
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{port}/api/state") as response,
        ):
            assert response.status == 200
        proc.send_signal(signal.SIGINT)
        async with asyncio.timeout(30):
            rest = (await proc.stdout.read()).decode()
            assert await proc.wait() == 0, "".join(seen) + rest
        assert "stopped" in rest
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def test_a_cross_site_form_post_cannot_drive_the_sandbox(
    tmp_path: Path, client: aiohttp.ClientSession
) -> None:
    """A page elsewhere may POST text/plain without a CORS preflight: it must be refused."""
    async with Sandbox(port=0, db_path=str(tmp_path / "s.db"), reset=True) as box:
        body = json.dumps({"actor": world.ADMIN_ID, "text": "/start"})
        async with client.post(
            box.url + "/api/send", data=body, headers={"Content-Type": "text/plain"}
        ) as response:
            assert response.status == 400
        state = await Api(client, box).state(world.ADMIN_ID)
        assert state["messages"] == []


async def test_a_busy_visitor_is_never_locked_out_while_the_clock_stands(
    tmp_path: Path, client: aiohttp.ClientSession
) -> None:
    """The sandbox's clock stands still between jumps: a rate over it would silence a
    visitor after a burst, so there flood control is off."""
    async with Sandbox(port=0, db_path=str(tmp_path / "s.db"), reset=True) as box:
        api = Api(client, box)
        for _ in range(15):
            await api.post("/api/send", {"actor": world.NEW_ID, "text": "/start"})
        replies = [m for m in (await api.state(world.NEW_ID))["messages"] if not m["out"]]
        assert len(replies) == 15 and all("Lucien" in m["html"] for m in replies)


async def test_a_click_presses_the_button_at_its_place_when_labels_repeat() -> None:
    """A list repeats "Decline" on every row: the page says which one (row, column)."""
    from lucien.core.testing.emulator import Emulator
    from lucien.sandbox.web import _button_at

    emulator = Emulator()
    bot = emulator.create_bot()
    ana = emulator.add_user("Ana")
    ana.chat_with(bot).started = True
    keyboard = {
        "inline_keyboard": [
            [{"text": "Decline", "callback_data": "d:1"}],
            [{"text": "Decline", "callback_data": "d:2"}],
        ]
    }
    status, _ = await emulator.execute(
        bot, "sendMessage", {"chat_id": ana.id, "text": "Queue", "reply_markup": keyboard}
    )
    assert status == 200
    message = ana.last
    assert _button_at(ana, message.message_id, 1, 0, "Decline") == (message, "d:2")
    assert _button_at(ana, message.message_id, 0, 0, "Decline") == (message, "d:1")
    # A label that moved (the page is out of date) is not pressed blindly.
    assert _button_at(ana, message.message_id, 1, 0, "Approve") is None
    assert _button_at(ana, message.message_id, 5, 0, "Decline") is None
