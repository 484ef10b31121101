"""Finding a user (issue 18): by id, by @username, by part of the name (paged, in a stable
order), by a forwarded message; what cannot be understood is asked again, and Cancel
closes the search. Plain defaults (no voice), so the texts are exact.
"""

from __future__ import annotations

from typing import Any

import pytest

from lucien.core.formatting import format_datetime
from lucien.plugins.admin.tests.helpers import (
    ENTRY_POINTS,
    forge_click,
    forward_message_of,
    seed_people,
)

pytestmark = [
    pytest.mark.lucien(entry_points=ENTRY_POINTS, plugins=["admin", "ledger", "broken"]),
]

PROMPT = (
    "Find a user: send their Telegram id, their @username or part of their name, "
    "or forward one of their messages."
)


async def test_find_by_username_id_name_and_forward(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="en")
    bea = harness.user("Beatriz", username="Bea_K")
    await harness.start_app()
    await bea.send("/start")
    ctx = harness.ctx
    await ctx.users.drain()

    await ada.send("/start")
    await ada.click("Users")
    assert ada.last.text == PROMPT
    assert ada.last.buttons == [["Cancel"]]

    # Each mistake is answered and asked again; the search stays open.
    await ada.send("x")
    assert ada.last.text == "Send at least two letters of the name."
    await ada.send("@no such name")
    assert ada.last.text == (
        "'@no such name' is neither an id, an @username nor a name. Try again, or cancel."
    )
    await ada.send("Zacarías")
    assert ada.last.text == (
        "Nobody matching 'Zacarías' has written to the bot. Try another search, or cancel."
    )
    assert ada.last.buttons == [["Cancel"]]

    # @username, in any case: the card.
    await ada.send("@bea_k")
    card = ada.last.text
    assert card.startswith(f"Beatriz · id {bea.id}\nUsername: @Bea_K\nLanguage: es\n")
    when = format_datetime(harness.clock.now(), "en")  # the plain voice: English, UTC
    assert f"First seen {when} (UTC).\nLast seen {when} (UTC).\n" in card
    assert "Role: guest\nNot blocked." in card
    # The ledger's section (the broken plugin's is left out), then the audit log.
    assert f"Ledger\nEntry 1 <{bea.id}>\nEntry 2 <{bea.id}>" in card
    assert card.endswith("Latest actions\nNo action recorded yet.")
    assert ada.last.buttons == [
        ["Ledger action"],
        ["Block", "Make administrator"],
        ["New search", "Main menu"],
    ]

    # The id; then a forwarded message of hers; each opens her card.
    await ada.click("New search")
    await ada.send(str(bea.id))
    assert ada.last.text == card
    await ada.click("New search")
    await forward_message_of(harness, ada, bea, "a note of hers")
    assert ada.last.text == card

    # A forward whose author hides their account, and a channel post: said plainly.
    await ada.click("New search")
    await forward_message_of(harness, ada, None, hidden="Mystery")
    assert ada.last.text == (
        "That person hides their account in forwarded messages, so I cannot tell who they "
        "are. Send their @username or part of their name instead."
    )
    channel = harness.emulator.create_channel("News")
    await ada.forward_from(channel.id)
    assert ada.last.text.startswith("That message comes from a channel or a group")

    # Part of the name matching one person: her card at once. Then Cancel.
    await ada.send("TRIZ")
    assert ada.last.text == card
    await ada.click("New search")
    await ada.click("Cancel")
    assert ada.last.text == "Search closed."
    await ada.send("Beatriz")  # no search open: not taken as one
    assert ada.last.text != card


async def test_a_name_search_pages_in_a_stable_order(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="en")
    await harness.start_app()
    ctx = harness.ctx
    # Ten people whose names hold "Sol:" (the separator of callback data), given in
    # shuffled order, and one whose name holds "sol" without the colon.
    numbers = [7, 2, 10, 1, 5, 9, 3, 8, 6, 4]
    ids = await seed_people(ctx, [f"Sol: {n:02d}" for n in numbers], first_id=900)
    by_name = dict(zip(numbers, ids, strict=True))
    await seed_people(ctx, ["Marisol"], first_id=990)

    await ada.send("/users")
    await ada.send("sol:")
    assert ada.last.text == (
        "10 users match 'sol:' (page 1 of 2). Choose one, or send another search."
    )
    assert ada.last.buttons == [
        *[[f"Sol: {n:02d}"] for n in range(1, 9)],
        ["Next »"],
        ["Cancel"],
    ]
    await ada.click("Next »")
    assert (
        ada.last.text == "10 users match 'sol:' (page 2 of 2). Choose one, or send another search."
    )
    assert ada.last.buttons == [["Sol: 09"], ["Sol: 10"], ["« Previous"], ["Cancel"]]
    await ada.click("« Previous")
    assert ada.last.buttons[0] == ["Sol: 01"]

    # Someone new arrives named like them: the pages stay in name order.
    await seed_people(ctx, ["Sol: 00"], first_id=999)
    await ada.click("Next »")
    assert ada.last.buttons == [["Sol: 08"], ["Sol: 09"], ["Sol: 10"], ["« Previous"], ["Cancel"]]

    # The search is still open: another one replaces it; a result opens the card.
    await ada.send("sol: 0")
    assert ada.last.text.startswith("10 users match 'sol: 0' (page 1 of 2).")
    await ada.click("Sol: 05")
    assert ada.last.text.startswith(f"Sol: 05 · id {by_name[5]}\nNo @username.\nLanguage: es\n")

    # A page button forged past the end shows the last page.
    query = await forge_click(harness, ada, "usr:page:99:sol%3A")
    assert query.answered
    assert ada.last.buttons[0] == ["Sol: 08"]


async def test_an_id_past_telegram_s_range_is_refused_and_the_search_stays_open(
    harness: Any,
) -> None:
    ada = harness.admin("Ada", language_code="en")
    bea = harness.user("Bea")
    await harness.start_app()
    await bea.send("/start")
    await harness.ctx.users.drain()

    # Telegram ids are BIGINT: past it (or 0) an id names nobody and is said so, not
    # looked up (SQLite's driver cannot even bind it); the search stays open.
    await ada.send("/users")
    for typed in ("12345678901234567890", str(2**63), "0"):
        await ada.send(typed)
        assert ada.last.text == f"'{typed}' is not a valid Telegram id. Try again, or cancel."
        assert ada.last.buttons == [["Cancel"]]
    await ada.send(str(2**63 - 1))  # the largest id the column holds: a real search
    assert ada.last.text.startswith(f"Nobody matching '{2**63 - 1}'")
    await ada.send(str(bea.id))
    assert ada.last.text.startswith(f"Bea · id {bea.id}\n")

    # Buttons forged with such an id: nobody the bot knows.
    huge = "12345678901234567890"
    query = await forge_click(harness, ada, f"ucard:{huge}")
    assert query.text == f"User {huge} has never written to the bot." and query.show_alert
    query = await forge_click(harness, ada, f"uact:block:{huge}:1")
    assert query.text == f"User {huge} has never written to the bot." and query.show_alert

    # Adding an administrator by such an id: refused the same way, and asked again.
    await ada.send("/admins")
    await ada.click("Add administrator")
    await ada.send(huge)
    assert ada.last.text == f"'{huge}' is not a valid Telegram id."
    await ada.send(str(bea.id))
    assert ada.last.text == f"User {bea.id} is now an administrator."


async def test_a_name_matches_in_any_case_with_or_without_accents(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="en")
    await harness.start_app()
    ctx = harness.ctx
    await seed_people(ctx, [f"Juan Pérez {n}" for n in (3, 1, 2)], first_id=900)
    [alvaro] = await seed_people(ctx, ["ÁLVARO NÚÑEZ"], first_id=950)
    # Stored decomposed: "e" then a combining acute accent.
    [zoe] = await seed_people(ctx, ["Zoe\u0301 Ibáñez"], first_id=960)
    await seed_people(ctx, ["Pereira", "Perezoso%"], first_id=970)

    await ada.send("/users")
    perez = [["Juan Pérez 1"], ["Juan Pérez 2"], ["Juan Pérez 3"], ["Perezoso%"], ["Cancel"]]
    for typed in ("Pérez", "PÉREZ", "PEREZ", "perez", "pérez"):
        await ada.send(typed)
        assert ada.last.text == (
            f"4 users match '{typed}' (page 1 of 1). Choose one, or send another search."
        )
        assert ada.last.buttons == perez
    # Capitals with accents stored, plain lower case typed (and the other way round).
    await ada.send("alvaro nunez")
    assert ada.last.text.startswith(f"ÁLVARO NÚÑEZ · id {alvaro}\n")
    await ada.click("New search")
    await ada.send("ZOÉ")
    assert ada.last.text.startswith(f"Zoe\u0301 Ibáñez · id {zoe}\n")
    await ada.click("New search")
    await ada.send("ibanez")
    assert ada.last.text.startswith(f"Zoe\u0301 Ibáñez · id {zoe}\n")
    # A LIKE wildcard typed is still a character.
    await ada.click("New search")
    await ada.send("REZOSO%")
    assert ada.last.text.startswith("Perezoso% · id ")
    await ada.click("New search")
    await ada.send("p%z")
    assert ada.last.text.startswith("Nobody matching 'p%z'")
