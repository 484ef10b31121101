"""The free entry as the original bot made it, told as the requester lives it (issue 20).

A request is answered in Lucien's voice: the wait framed as many requests being attended,
the exact time unless the `show_wait` setting withholds it, the creator's networks as
buttons named by network to follow meanwhile. The welcome carries a button into the
channel. Asking again, opening the vestibule while waiting, a banned requester: each gets
a voiced answer in their language. Every test runs on SQLite and PostgreSQL (`harness`).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from lucien.core.testing.emulator import membership
from lucien.plugins.free.keyboards import FreeCallback
from lucien.plugins.free.tests.helpers import rows, set_free, setup_free, url_buttons

pytestmark = pytest.mark.lucien(plugins=["voice", "free"])

#: Every network the creator might list, typed as an admin would paste them: one per
#: line, after commas, after spaces, with a bare @handle (a Telegram username).
TYPED = (
    "https://www.instagram.com/diana, https://tiktok.com/@diana\n"
    "https://x.com/diana https://youtube.com/@diana\n"
    "https://onlyfans.com/diana,https://facebook.com/diana @diana_canal\n"
    "https://example.org/diana"
)
BUTTONS = {
    "Instagram": "https://www.instagram.com/diana",
    "TikTok": "https://tiktok.com/@diana",
    "X": "https://x.com/diana",
    "YouTube": "https://youtube.com/@diana",
    "OnlyFans": "https://onlyfans.com/diana",
    "Facebook": "https://facebook.com/diana",
    "Telegram": "https://t.me/diana_canal",
    "example.org": "https://example.org/diana",
}
#: Words that would betray English (or a raw key) on a Spanish screen.
ENGLISH = re.compile(
    r"\b(the|your|request|minutes?|approved|channel|welcome|free|pending|wait)\b|free\.",
    re.IGNORECASE,
)


def spanish(text: str) -> str:
    """`text`, after checking it holds no English word and speaks as Lucien does (usted)."""
    assert not ENGLISH.search(text), f"English on a Spanish screen: {text!r}"
    assert not re.search(r"\b(tú|tu|te|ti|puedes|quieres)\b", text.lower()), text
    return text


async def open_vestibule(user: Any, label: str) -> Any:
    """/start, then the vestibule button of the main menu; the screen shown."""
    await user.send("/start")
    await user.click(label)
    return user.last


async def test_spanish_request_wait_networks_then_welcome_with_the_way_in(harness: Any) -> None:
    await harness.start_app()
    channel = harness.emulator.create_channel("Vestíbulo", username="diana_vestibulo")
    await set_free(harness, "channel_id", channel.id)
    await set_free(harness, "wait_minutes", 10)
    await set_free(harness, "social_links", TYPED)  # one value, three kinds of separator
    assert (await harness.ctx.config.get("free")).social_links == [
        "https://www.instagram.com/diana",
        "https://tiktok.com/@diana",
        "https://x.com/diana",
        "https://youtube.com/@diana",
        "https://onlyfans.com/diana",
        "https://facebook.com/diana",
        "@diana_canal",
        "https://example.org/diana",
    ]
    lucia = harness.user("Lucía", language_code="es")
    screen = await open_vestibule(lucia, "El vestíbulo")
    spanish(screen.text)
    join = url_buttons(screen)["Solicitar la entrada"]
    assert join not in screen.text and "10 minutos" in screen.text  # the button alone
    before = len(lucia.messages)

    assert await lucia.join(join) == "requested"
    [told] = lucia.messages[before:]
    spanish(told.text)
    assert "Lucía" in told.text and "10 minutos" in told.text
    assert "muchas" in told.text.lower()  # the wait framed as many requests attended
    assert "Diana" in told.text  # her networks, to pass the time
    assert url_buttons(told) == BUTTONS
    assert [len(row) for row in told.buttons] == [2, 2, 2, 2]
    assert "https://" not in told.text  # the links are the buttons, not text

    await harness.advance(minutes=10)
    assert channel.members.get(lucia.id) == "member"
    welcome = lucia.last
    spanish(welcome.text)
    assert "Lucía" in welcome.text and "vestíbulo" in welcome.text
    # The channel has a public name: the button opens it, and she is inside already.
    assert url_buttons(welcome) == {"Entrar al vestíbulo": "https://t.me/diana_vestibulo"}
    assert await lucia.join("https://t.me/diana_vestibulo") == "already_member"
    assert len(lucia.messages) == before + 2

    # The vestibule screen now knows she is inside: the way in, no request link.
    screen = await open_vestibule(lucia, "El vestíbulo")
    spanish(screen.text)
    assert "Lucía" in screen.text and join not in screen.text
    buttons = url_buttons(screen)
    assert buttons["Entrar al vestíbulo"] == "https://t.me/diana_vestibulo"
    assert "Solicitar la entrada" not in buttons


async def test_asking_again_while_waiting_shows_the_time_left_in_spanish(harness: Any) -> None:
    await harness.start_app()
    channel, link = await setup_free(harness, wait=10, links=[])
    mateo = harness.user("Mateo", language_code="es")
    await mateo.send("/start")
    assert await mateo.join(link) == "requested"
    first = spanish(mateo.last_text)
    assert "10 minutos" in first and not mateo.last.inline_buttons  # no networks: no buttons
    assert await mateo.join(link) == "already_requested"  # Telegram itself refuses a second

    # He withdraws in his client and asks again four minutes later: the first wait runs on.
    await harness.advance(minutes=4)
    channel.join_requests.pop(mateo.id)
    assert await mateo.join(link) == "requested"
    again = spanish(mateo.last_text)
    assert "6 minutos" in again and again != first
    # The vestibule screen says the same while he waits, and offers no second request.
    await harness.advance(minutes=5)
    screen = await open_vestibule(mateo, "El vestíbulo")
    spanish(screen.text)
    assert "1 minuto" in screen.text and link not in screen.text
    assert url_buttons(screen) == {}
    await harness.advance(minutes=1)
    assert channel.members.get(mateo.id) == "member"
    [row] = await rows(harness)
    assert (row.status, row.times_requested) == ("approved", 2)


async def test_the_exact_wait_can_be_withheld(harness: Any) -> None:
    await harness.start_app()
    channel, link = await setup_free(harness, wait=7)
    await set_free(harness, "show_wait", 0)
    ana = harness.user("Ana", language_code="en")
    assert await ana.join(link) == "requested"
    told = ana.last_text
    assert "many" in told.lower() and "Ana" in told
    assert not re.search(r"\d", told) and "minute" not in told  # the time stays a secret
    assert set(url_buttons(ana.last)) == {"Instagram", "Telegram"}

    await harness.advance(minutes=3)
    channel.join_requests.pop(ana.id)
    assert await ana.join(link) == "requested"
    assert not re.search(r"\d", ana.last_text) and "minute" not in ana.last_text
    screen = await open_vestibule(ana, "The vestibule")
    assert "request" in screen.text and not re.search(r"\d", screen.text)

    # Shown again: the screen tells the time left.
    await set_free(harness, "show_wait", 1)
    screen = await open_vestibule(ana, "The vestibule")
    assert "4 minutes" in screen.text
    await harness.advance(minutes=4)
    assert channel.members.get(ana.id) == "member"


async def test_the_vestibule_screen_without_the_wait_spanish(harness: Any) -> None:
    await harness.start_app()
    _channel, link = await setup_free(harness, wait=7, links=[])
    await set_free(harness, "show_wait", 0)
    sara = harness.user("Sara", language_code="es")
    screen = await open_vestibule(sara, "El vestíbulo")
    spanish(screen.text)
    # The way in is the button alone: the link is not written out in the text as well.
    assert link not in screen.text and not re.search(r"\d", screen.text)
    assert url_buttons(screen) == {"Solicitar la entrada": link}
    assert await sara.join(link) == "requested"
    spanish(sara.last_text)
    assert not re.search(r"\d", sara.last_text) and "muchas" in sara.last_text.lower()


@pytest.mark.parametrize(
    ("language", "closed"),
    [("es", "custodios de la casa"), ("en", "custodians of the house")],
)
async def test_a_banned_requester_is_told_the_door_stays_closed(
    harness: Any, language: str, closed: str
) -> None:
    await harness.start_app()
    channel, _link = await setup_free(harness, wait=10)
    gil = harness.user("Gil", language_code=language)
    # Telegram stops a banned user before the request; a ban racing the request is
    # written into the emulator's state directly.
    await harness.emulator.wait_handled(
        membership.change_status(harness.emulator, channel, gil.id, "kicked", actor_id=gil.id)
    )
    await harness.emulator.wait_handled(
        membership.request_to_join(harness.emulator, channel, gil.id, None)
    )
    assert gil.id not in channel.join_requests  # declined
    [told] = gil.messages
    assert "Gil" in told.text and closed in told.text
    if language == "es":
        spanish(told.text)
    assert [r.status for r in await rows(harness)] == ["declined"]
    # Later, from the menu: the same closed door, no link to ask again.
    label = "El vestíbulo" if language == "es" else "The vestibule"
    screen = await open_vestibule(gil, label)
    assert closed in screen.text
    assert "Solicitar la entrada" not in url_buttons(screen)
    assert "Ask to enter" not in url_buttons(screen)


async def test_old_and_forged_vestibule_buttons_get_a_voiced_answer(harness: Any) -> None:
    await harness.start_app()
    await setup_free(harness, wait=5)
    eva = harness.user("Eva", language_code="es")
    screen = await open_vestibule(eva, "El vestíbulo")
    # The free channel is unset meanwhile: the screen's button, pressed again from this
    # message, says so in her language.
    await set_free(harness, "channel_id", None)
    await eva.press(screen, FreeCallback(screen="menu").pack())
    spanish(eva.last_text)
    assert "custodios de la casa" in eva.last_text
    assert url_buttons(eva.last) == {
        "Instagram": "https://instagram.com/diana",
        "Telegram": "https://t.me/diana_tiktok",
    }
    # A forged screen name: the house's line for a stale button, not silence.
    query = await eva.press(eva.last, "free:nowhere")
    assert query.answered and query.text
    spanish(query.text)
