"""The reaction buttons under a channel post: members react, change and withdraw their
reaction; a non-member is refused politely and nothing is stored; the buttons' counts
follow through coalesced edits (a burst of 40 taps costs a handful of edits, no 429) and
end equal to the rows (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram.types import User

from lucien.plugins.publish.handlers.posts import statistics_section
from lucien.plugins.publish.services.reactions import EDIT_EVERY_S
from lucien.plugins.publish.tests.helpers import (
    POST_ENTRY_POINTS,
    POST_PLUGINS,
    button_counts,
    channel,
    join,
    posts,
    reaction_counts,
)

pytestmark = pytest.mark.lucien(entry_points=POST_ENTRY_POINTS, plugins=POST_PLUGINS)


async def _post(harness: Any, admin: Any, divan: Any, text: str) -> tuple[Any, int]:
    """`admin` publishes `text` in the VIP channel now: the post and its row's id."""
    await admin.send("/post")
    await admin.send(text)
    await admin.click("The Divan (VIP)")
    await admin.click("See the preview")
    await admin.click("Publish now")
    await harness.run_jobs()
    post = divan.posts[-1]
    assert post.text == text
    return post, (await posts(harness))[-1].id


async def _published(harness: Any, text: str = "New photos tonight") -> tuple[Any, Any, int]:
    """The VIP channel, its post with the default reaction buttons, and the post's id."""
    admin = harness.admin("Ada", language_code="en")
    await harness.start_app()
    divan = await channel(harness, "vip", "Divan")
    post, post_id = await _post(harness, admin, divan, text)
    return divan, post, post_id


def _label(post: Any, emoji: str) -> str:
    """The button of `emoji` as the post shows it now ("❤️ 2")."""
    return next(label for row in post.buttons for label in row if label.startswith(f"{emoji} "))


async def test_members_react_change_and_withdraw_and_the_counts_agree(harness: Any) -> None:
    divan, post, post_id = await _published(harness)
    ana = harness.user("Ana", language_code="en")
    bruno = harness.user("Bruno", language_code="es")
    carla = harness.user("Carla", language_code="en")  # never joins
    await join(divan, ana, bruno)

    tap = await ana.click_in(divan, post, "🔥 0")
    assert (tap.text, tap.show_alert) == ("Noted: 🔥", False)
    tap = await bruno.click_in(divan, post, "❤️ 0")
    assert (tap.text, tap.show_alert) == ("Anotado: ❤️", False)
    tap = await ana.click_in(divan, post, "❤️ 0")  # her mind changed: one reaction each
    assert tap.text == "Changed to ❤️"
    assert await reaction_counts(harness, post_id) == {"❤️": 2}
    assert post.buttons == [["🔥 0", "❤️ 0", "😍 0"]]  # not edited yet

    tap = await carla.click_in(divan, post, "😍 0")
    assert tap.show_alert
    assert (
        tap.text == "Reactions are for the channel's members. Join it, and your voice will count."
    )
    assert await reaction_counts(harness, post_id) == {"❤️": 2}

    await harness.run_jobs()
    assert post.buttons == [["🔥 0", "❤️ 2", "😍 0"]]
    assert button_counts(post) == await reaction_counts(harness, post_id)
    [row] = await posts(harness)
    assert row.reactions_dirty_at is None

    # The same emoji again withdraws it; the next edit waits for the channel's turn.
    tap = await ana.click_in(divan, post, "❤️ 2")
    assert tap.text == "Reaction withdrawn"
    await harness.run_jobs()
    assert post.buttons == [["🔥 0", "❤️ 2", "😍 0"]]
    await harness.advance(EDIT_EVERY_S)
    assert post.buttons == [["🔥 0", "❤️ 1", "😍 0"]]
    assert button_counts(post) == await reaction_counts(harness, post_id) == {"❤️": 1}

    # Telegram cannot say who is a member just now: said so, nothing stored.
    harness.emulator.faults.add("getChatMember", status=502, times=1)
    tap = await bruno.click_in(divan, post, "🔥 0")
    assert tap.show_alert and tap.text == (
        "No puedo comprobar su pertenencia al canal en este momento; "
        "inténtelo de nuevo en un instante."
    )
    assert await reaction_counts(harness, post_id) == {"❤️": 1}

    # Forged data (another post, a place past the set) is refused politely.
    tap = await ana.press(post, f"pr:{post_id + 7}:0")
    assert tap.show_alert and tap.text == "That post no longer takes reactions."
    tap = await ana.press(post, f"pr:{post_id}:9")
    assert tap.show_alert and tap.text == "That post no longer takes reactions."
    assert await reaction_counts(harness, post_id) == {"❤️": 1}


async def test_a_burst_of_taps_costs_a_few_edits_and_no_429(harness: Any) -> None:
    divan, post, post_id = await _published(harness)
    crowd = [harness.user(f"M{i}", language_code="en") for i in range(40)]
    await join(divan, *crowd)
    edits_before = len(harness.emulator.calls_of("editMessageReplyMarkup"))

    for i, member in enumerate(crowd):
        emoji = ("🔥", "❤️", "😍")[i % 3]
        tap = await member.click_in(divan, post, _label(post, emoji))
        assert not tap.show_alert
        harness.clock.advance(0.25)  # 40 taps over 10 seconds, the job every second
        if i % 4 == 3:
            await harness.run_jobs()
    await harness.advance(EDIT_EVERY_S)

    edits = harness.emulator.calls_of("editMessageReplyMarkup")[edits_before:]
    assert 1 <= len(edits) <= 5  # one per channel turn, not one per tap
    assert not [c for c in harness.emulator.calls if c.status == 429]
    assert button_counts(post) == await reaction_counts(harness, post_id)
    assert button_counts(post) == {"🔥": 14, "❤️": 13, "😍": 13}

    # Quiet now: no more edits.
    await harness.advance(EDIT_EVERY_S * 3)
    assert len(harness.emulator.calls_of("editMessageReplyMarkup")[edits_before:]) == len(edits)


async def test_two_replicas_edit_a_post_once_per_turn(harness: Any) -> None:
    divan, post, post_id = await _published(harness)
    await harness.start_app()  # a second replica: its job runs too
    ana, bruno = harness.user("Ana"), harness.user("Bruno")
    await join(divan, ana, bruno)
    before = len(harness.emulator.calls_of("editMessageReplyMarkup"))
    await ana.click_in(divan, post, "🔥 0")
    await bruno.click_in(divan, post, "🔥 0")
    await harness.run_jobs()  # both replicas' jobs: one of them edits
    assert len(harness.emulator.calls_of("editMessageReplyMarkup")) == before + 1
    assert post.buttons == [["🔥 2", "❤️ 0", "😍 0"]]
    assert button_counts(post) == await reaction_counts(harness, post_id)


async def test_the_statistics_count_posts_reactions_and_the_most_reacted(harness: Any) -> None:
    admin = harness.admin("Ada", language_code="en")
    await harness.start_app()
    divan = await channel(harness, "vip", "Divan")
    ana, bruno, carla = harness.user("Ana"), harness.user("Bruno"), harness.user("Carla")
    await join(divan, ana, bruno, carla)
    old, _ = await _post(harness, admin, divan, "In the old days")
    for person in (ana, bruno):
        await person.click_in(divan, old, "🔥 0")
    await harness.advance(days=10)
    new, _ = await _post(harness, admin, divan, "This week")
    await carla.click_in(divan, new, "😍 0")
    await _post(harness, admin, divan, "Unloved")

    viewer = User(id=admin.id, is_bot=False, first_name="Ada", language_code="en")
    section = await statistics_section(harness.ctx, viewer)
    assert section.title == "Channel posts"
    assert [line.replace("\u202f", " ") for line in section.lines] == [
        "Posts published: 2 in 7 days, 3 in 30",
        "Reactions received: 3",
        "January 1, 2026, the Divan: 2 reactions",
        "January 11, 2026, the Divan: 1 reaction",
    ]
    viewer = User(id=admin.id, is_bot=False, first_name="Ada", language_code="es")
    section = await statistics_section(harness.ctx, viewer)
    assert section.lines[1:] == (
        "Reacciones recibidas: 3",
        "1 de enero de 2026, el Diván: 2 reacciones",
        "11 de enero de 2026, el Diván: 1 reacción",
    )
