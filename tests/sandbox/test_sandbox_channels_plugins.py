"""What the sandbox serves for issue 20's sixth item, through the JSON API the page calls
(no browser): a channel post forwarded to the bot as the chosen person, the way the
admins' channel prompt first asks to be shown a channel; the Telegram ids the prompts ask
for; several lines in one message; the favicon; a download named by the sandbox clock;
and LUCIEN_DISABLED_PLUGINS=vip honoured, the demo world starting without the vip plugin.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest

from lucien.core.testing.emulator import UserActor
from lucien.sandbox import Sandbox, world

from .test_sandbox_api import Api, channel


@pytest.fixture
async def box(tmp_path: Path) -> AsyncIterator[Sandbox]:
    async with Sandbox(port=0, db_path=str(tmp_path / "s.db"), reset=True) as sandbox:
        yield sandbox


@pytest.fixture
async def api(box: Sandbox) -> AsyncIterator[Api]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        yield Api(session, box)


async def bot_posts(box: Sandbox, chat_id: int, text: str, **extra: object) -> int:
    """The bot posts `text` in a channel (as the publish plugin would); the post's id."""
    status, sent = await box.emulator.execute(
        box.emulator.bot, "sendMessage", {"chat_id": chat_id, "text": text, **extra}
    )
    assert status == 200, sent
    return int(sent["result"]["message_id"])


def labels(actor: UserActor) -> list[str]:
    last = actor.last
    assert last is not None
    return [label for row in last.buttons for label in row]


async def test_admin_names_the_free_channel_by_forwarding_one_of_its_posts(
    box: Sandbox, api: Api
) -> None:
    diana = box.actors[world.ADMIN_ID]
    post_id = await bot_posts(box, world.FREE_CHANNEL_ID, "Bienvenidos al vestíbulo")
    version = await box.ctx.config.version("free", "channel_id")

    # Diana opens the free channel's setting: the prompt asks for a forwarded post first.
    await api.post("/api/send", {"actor": world.ADMIN_ID, "text": "/config"})
    assert diana.last is not None
    screen = {"actor": world.ADMIN_ID, "message_id": diana.last.message_id}
    await api.post("/api/click", {**screen, "label": "Canal gratuito"})
    assert "Reenvíeme un mensaje del canal gratuito" in (diana.last_text or "")

    # From the channels view, "Forward to the bot" on that post, as Diana.
    forwarded = await api.post(
        "/api/forward", {"actor": world.ADMIN_ID, "channel": "free", "message_id": post_id}
    )
    assert forwarded["ok"] and "Vestíbulo (Free)" in forwarded["message"]

    # The bot got the post as Telegram forwards it, and the prompt took the channel.
    mine = [m for m in diana.chat_with().messages.values() if not m.from_bot]
    assert mine[-1].text == "Bienvenidos al vestíbulo"
    assert mine[-1].forward_origin is not None
    origin = mine[-1].forward_origin
    assert (origin["type"], origin["chat"]["id"], origin["message_id"]) == (
        "channel",
        world.FREE_CHANNEL_ID,
        post_id,
    )
    assert "Diana · Vestíbulo (Free)" in (diana.last_text or "")  # the bot read the origin
    assert await box.ctx.config.version("free", "channel_id") == version + 1
    assert (await box.ctx.config.get("free")).channel_id == world.FREE_CHANNEL_ID

    # The page shows her forward in her chat, with the post's text.
    state = await api.state(world.ADMIN_ID)
    assert any(m["out"] and "Bienvenidos al vestíbulo" in m["html"] for m in state["messages"])


async def test_forwarding_without_a_post_protected_posts_and_wrong_requests(
    box: Sandbox, api: Api
) -> None:
    new = box.actors[world.NEW_ID]
    vip = box.emulator.chat(world.VIP_CHANNEL_ID)
    assert vip.posts == []

    # A channel with no post yet: a short one is written, then forwarded.
    await api.post("/api/forward", {"actor": world.NEW_ID, "channel": "vip"})
    [post] = vip.posts
    [sent] = [m for m in new.chat_with().messages.values() if not m.from_bot]
    assert sent.forward_origin is not None
    assert sent.forward_origin["message_id"] == post.message_id
    assert sent.text == post.text == "A post in Diana · Salón privado (VIP)"
    assert new.last is not None  # the bot answered the stranger's forward

    # Without a message id, the newest post goes.
    newest = await bot_posts(box, world.VIP_CHANNEL_ID, "La sesión de hoy")
    await api.post("/api/forward", {"actor": world.NEW_ID, "channel": "vip"})
    last = [m for m in new.chat_with().messages.values() if not m.from_bot][-1]
    assert last.forward_origin is not None and last.forward_origin["message_id"] == newest

    # A protected post cannot be forwarded, as in a Telegram client; nothing reaches the bot.
    before = len(new.chat_with().messages)
    protected = await bot_posts(box, world.VIP_CHANNEL_ID, "Solo aquí", protect_content=True)
    refused = await api.post(
        "/api/forward",
        {"actor": world.NEW_ID, "channel": "vip", "message_id": protected},
        400,
    )
    assert "protected" in refused["error"]
    missing = await api.post(
        "/api/forward", {"actor": world.NEW_ID, "channel": "vip", "message_id": 999}, 400
    )
    assert "no post 999" in missing["error"]
    assert len(new.chat_with().messages) == before
    wrong = await api.post("/api/forward", {"actor": world.NEW_ID, "channel": "elsewhere"}, 400)
    assert "free" in wrong["error"]
    await api.post("/api/forward", {"actor": 1, "channel": "vip"}, 400)


async def test_ids_several_lines_favicon_and_a_download_named_by_the_sandbox_clock(
    box: Sandbox, api: Api, client: aiohttp.ClientSession
) -> None:
    # The ids the prompts ask for: each person's Telegram id and each channel's id.
    state = await api.state(world.NEW_ID)
    assert {a["id"]: a["name"] for a in state["actors"]} == {
        spec.id: spec.name for spec in world.BUILT_IN
    }
    assert channel(state, "vip")["id"] == world.VIP_CHANNEL_ID
    assert channel(state, "free")["id"] == world.FREE_CHANNEL_ID
    assert {"vip", "free", "admin"} <= set(state["plugins"])

    # Several lines arrive as one message with its line breaks.
    await api.post("/api/send", {"actor": world.NEW_ID, "text": "  Hola\nsegunda línea\n\n"})
    [sent] = [m for m in box.actors[world.NEW_ID].chat_with().messages.values() if not m.from_bot]
    assert sent.text == "Hola\nsegunda línea"

    # The favicon is the package's own, also where browsers look by default.
    for path in ("/static/favicon.svg", "/favicon.ico"):
        async with client.get(box.url + path) as response:
            assert response.status == 200, path
            assert response.content_type == "image/svg+xml"
            assert "<svg" in await response.text()
    async with client.get(box.url + "/") as page:
        assert 'rel="icon" type="image/svg+xml" href="/static/favicon.svg"' in await page.text()

    # Forty days on the sandbox clock: the export is named by that date, not today's.
    await api.post("/api/clock", {"days": 40})
    now = box.clock.now()
    assert now.date() != datetime.now(UTC).date()
    async with client.get(box.url + "/api/calls/export") as response:
        assert response.status == 200
        disposition = response.headers["Content-Disposition"]
        body = await response.json()
    stamp = now.strftime("%Y%m%d-%H%M%S")
    assert disposition == f'attachment; filename="lucien-sandbox-calls-{stamp}.json"'
    assert body["clock"] == now.isoformat()
    assert {call["method"] for call in body["calls"]} >= {"getMe", "sendMessage"}


@pytest.fixture
async def client() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        yield session


async def test_disabled_vip_plugin_the_world_starts_without_it(
    tmp_path: Path, client: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LUCIEN_DISABLED_PLUGINS", "vip")
    async with Sandbox(port=0, db_path=str(tmp_path / "s.db"), reset=True) as box:
        api = Api(client, box)
        assert not box.ctx.registry.is_enabled("vip")
        state = await api.state(world.ADMIN_ID)
        assert "vip" not in state["plugins"] and "free" in state["plugins"]
        assert [c["key"] for c in state["channels"]] == ["free"]
        assert not any(a["vip"] for a in state["actors"])
        # Valeria redeemed nothing: no plan, no token, nothing in her chat.
        assert box.actors[world.VIP_ID].chat_with().messages == {}

        # Diana's menu and settings have nothing of the VIP plugin's.
        diana = box.actors[world.ADMIN_ID]
        await api.post("/api/send", {"actor": world.ADMIN_ID, "text": "/start"})
        menu = labels(diana)
        assert "Configuración" in menu
        assert not [label for label in menu if re.search(r"\bVIP\b", label)], menu
        await api.post("/api/send", {"actor": world.ADMIN_ID, "text": "/config"})
        settings = labels(diana)
        assert "Canal gratuito" in settings and "Canal VIP" not in settings, settings
        await api.post("/api/send", {"actor": world.ADMIN_ID, "text": "/vipadmin"})
        # No VIP screen: the command is unknown here, answered as any unknown command.
        assert not [label for label in labels(diana) if "VIP" in label]
        assert "VIP" not in (diana.last_text or "")

        # The free channel works as before: a new user asks to join.
        joined = await api.post("/api/join", {"actor": world.NEW_ID, "channel": "free"})
        assert joined["outcome"] == "requested"
        refused = await api.post("/api/join", {"actor": world.NEW_ID, "channel": "vip"}, 400)
        assert "free" in refused["error"]
