"""The house style's frame, end to end: every text the bot sends to a private chat opens
with "🎩 Lucien:" in bold, once, whether it goes through the session or back in the
webhook's response body; copies, alerts and channel posts are never framed; a text the
header would push over Telegram's limit goes unframed rather than refused."""

from __future__ import annotations

import asyncio
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import pytest

from lucien.core.testing.harness import BotHarness
from lucien.plugins.voice.services import HOUSE_HEADER
from lucien.plugins.voice.tests import frame_plugin

SHOWN = "🎩 Lucien:\n"  # the header as the user reads it, "Lucien:" in bold
FRAMED = [
    *entry_points(group="lucien.plugins"),
    EntryPoint("framed", f"{frame_plugin.__name__}:framed", "lucien.plugins"),
]
ON = pytest.mark.lucien(plugins=["voice", "framed"], entry_points=FRAMED, house_style=True)


def framed_once(message: Any) -> bool:
    """The message opens with the header, once, and reads it with "Lucien:" in bold."""
    html = message.html or ""
    bold = [e for e in message.entities if e["type"] == "bold" and e["offset"] == 3]
    return html.startswith(HOUSE_HEADER) and html.count("Lucien:</b>") == 1 and len(bold) == 1


@ON
async def test_the_start_greeting_arrives_framed(harness: BotHarness) -> None:
    ana = harness.user("Ana", language_code="es")
    await harness.start_app()
    await ana.send("/start")
    assert framed_once(ana.last)  # returned by the handler: framed in the response body
    assert ana.last.text.startswith(SHOWN) and "Ana" in ana.last.text
    assert ana.last.text.count("🎩") == 1


@ON
async def test_an_edited_screen_stays_framed_once(harness: BotHarness) -> None:
    ana = harness.user("Ana", language_code="es")
    await harness.start_app()
    await ana.send("/screen")
    screen = ana.last
    assert framed_once(screen) and screen.html == HOUSE_HEADER + "Pantalla <i>uno</i>"

    await ana.click("Next")  # edited through the session
    assert ana.last.message_id == screen.message_id
    assert ana.last.html == HOUSE_HEADER + "Pantalla dos"

    await ana.click("Returned")  # the edit sent back in the webhook's response body
    assert ana.last.html == HOUSE_HEADER + "Pantalla tres"

    await ana.click("Again")  # the message's own HTML, header included, plus a word
    assert ana.last.html == HOUSE_HEADER + "Pantalla tres y más"
    assert framed_once(ana.last)

    await ana.click("Menú principal")  # the built-in menu, edited in place
    assert ana.last.message_id == screen.message_id and framed_once(ana.last)
    assert len(ana.messages) == 1


@ON
async def test_copies_are_never_framed(harness: BotHarness) -> None:
    ana = harness.user("Ana", language_code="es")
    await harness.start_app()
    await ana.send("copy <b>Hola</b> a todos", parse_mode="HTML")  # copied through the session
    assert ana.last.copy_of is not None and ana.last.text == "copy Hola a todos"
    await ana.send("copyback sin adornos")  # the copy returned in the response body
    assert ana.last.copy_of is not None and ana.last.text == "copyback sin adornos"
    assert all(not (m.html or "").startswith(HOUSE_HEADER) for m in ana.messages)
    assert not any("Lucien" in (c.params.get("text") or "") for c in harness.emulator.calls_of(
        "copyMessage"
    ))  # fmt: skip


@ON
async def test_an_alert_is_never_framed(harness: BotHarness) -> None:
    ana = harness.user("Ana", language_code="es")
    await harness.start_app()
    await ana.send("/alert")
    assert framed_once(ana.last)  # the message with the button is a text like any other
    await ana.click("Alert")
    answer = ana.callback_answers[-1]
    assert answer.show_alert and answer.text == "Una alerta, nada más"


@ON
async def test_a_channel_post_is_never_framed(harness: BotHarness) -> None:
    channel = harness.emulator.create_channel("El Diván")
    frame_plugin.CHANNEL["id"] = channel.id
    ana = harness.user("Ana", language_code="es")
    await harness.start_app()
    await ana.send("/post")
    posts = [m for m in channel.messages.values() if m.from_bot]
    assert [(m.text, m.html) for m in posts] == [
        ("Aviso del canal", "Aviso del canal"),
        ("Foto del canal", "Foto del canal"),
    ]
    assert framed_once(ana.last)  # while the private confirmation is framed


@ON
async def test_a_caption_is_framed_unless_the_header_would_pass_its_limit(
    harness: BotHarness,
) -> None:
    ana = harness.user("Ana", language_code="es")
    await harness.start_app()
    await ana.send("/photo 10")
    assert ana.last.kind == "photo" and ana.last.caption == SHOWN + "f" * 10
    await ana.send("/photo 1020")  # 1,020 + 11 > 1,024: sent as it is
    assert ana.last.kind == "photo" and ana.last.caption == "f" * 1020
    assert all(c.status == 200 for c in harness.emulator.calls_of("sendPhoto"))


@ON
async def test_the_header_never_pushes_a_text_over_4096_characters(harness: BotHarness) -> None:
    ana = harness.user("Ana", language_code="es")
    await harness.start_app()
    await ana.send("/long 4000")  # returned in the response body, room for the header
    assert ana.last.text == SHOWN + "x" * 4000
    await ana.send("/long 4090")  # no room: unframed, delivered
    assert ana.last.text == "x" * 4090
    await ana.send("/longsent 4090")  # the same through the session
    assert ana.last.text == "y" * 4090
    await ana.send("/longsent 4096")
    assert ana.last.text == "y" * 4096
    refused = [c for c in harness.emulator.calls_of("sendMessage") if c.status != 200]
    assert refused == []


@ON
async def test_a_text_without_html_is_left_as_it_is(harness: BotHarness) -> None:
    ana = harness.user("Ana", language_code="es")
    await harness.start_app()
    await ana.send("/plain")
    assert ana.last.text == "Sin <b>formato</b>"


@pytest.mark.lucien(
    plugins=["voice", "framed"], entry_points=FRAMED, house_style=True, webhook=False
)
async def test_in_polling_mode_a_returned_reply_is_framed_once(harness: BotHarness) -> None:
    ana = harness.user("Ana", language_code="es")
    await harness.start_app()
    await ana.send("/screen")  # returned: framed by the middleware, then sent by the session
    # Polling confirms an update before its handler answers: wait for the reply itself.
    async with asyncio.timeout(10):
        while ana.last is None:  # noqa: ASYNC110 (the emulator has no event for it)
            await asyncio.sleep(0.01)
    assert ana.last.html == HOUSE_HEADER + "Pantalla <i>uno</i>"


@pytest.mark.lucien(plugins=["voice", "framed"], entry_points=FRAMED)
async def test_with_the_house_style_off_nothing_is_framed(harness: BotHarness) -> None:
    ana = harness.user("Ana", language_code="es")
    await harness.start_app()  # the harness's default: off
    await ana.send("/start")
    await ana.send("/screen")
    await ana.click("Next")
    await ana.send("/photo 10")
    assert ana.messages and all("Lucien:</b>" not in (m.html or "") for m in ana.messages)


@pytest.mark.lucien(plugins=["voice", "framed"], entry_points=FRAMED, house_style=True)
async def test_voice_house_style_false_turns_the_header_off(
    harness: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOICE_HOUSE_STYLE", "false")
    ana = harness.user("Ana", language_code="es")
    await harness.start_app()
    await ana.send("/screen")
    assert ana.last.html == "Pantalla <i>uno</i>"
