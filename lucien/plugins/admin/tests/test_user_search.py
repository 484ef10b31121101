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
    assert f"First seen {when}.\nLast seen {when}.\n" in card
    assert "Role: free\nNot blocked." in card
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
