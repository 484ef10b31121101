"""The entry ritual through the emulator, in Spanish and English (SQLite and PostgreSQL).

After a redemption (or an admin's grant) the member is walked through three stages
before the link: the acknowledgment ("Continuar"), what the Divan is and asks ("Estoy
listo"), the one-time link as a "Cruzar el umbral" button valid for 24 hours. The stage
is stored: a member who leaves finds it again from the VIP menu, /vip or /start; a period
that ends mid-ritual closes it with one line and offers nothing more; a renewal by a
member already inside skips it; buttons of another user, of an earlier ritual or of one
finished are answered politely and move nothing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from lucien.plugins.vip.models import Ritual, Subscription
from lucien.plugins.vip.tests.card_helpers import (
    CONTINUE,
    CROSS,
    READY,
    button_data,
    card,
    cross_ritual,
    link_of,
    press,
    start_with_channel,
    vip,
)

pytestmark = pytest.mark.lucien(plugins=["voice", "admin", "vip"])

LANGS = ("es", "en")
PLAN = {"es": "Oro", "en": "Gold"}
DAYS_30 = {"es": "30 días", "en": "30 days"}
DIVAN = {"es": "Diván", "en": "Divan"}
CIRCLE = {"es": "círculo exclusivo", "en": "exclusive circle"}
VALID_24H = {"es": "válido durante 24 horas", "en": "valid for 24 hours"}
MENU = {"es": "Mi membresía VIP", "en": "My VIP membership"}
RENEW = {"es": "Renovar", "en": "Renew"}
#: vip.ritual.closed, both variants, as a message and as an alert.
CLOSED = {
    "es": ("terminó antes de que cruzara el umbral", "se cerró antes de que usted la alcanzara"),
    "en": ("came to an end before you crossed", "closed before you reached it"),
}
BEHIND = {"es": "Ese umbral ya quedó atrás", "en": "That threshold is already behind you"}
NOT_YOURS = {"es": "preparado para otra persona", "en": "prepared for someone else"}
TAKEN = {"es": "Ese paso ya está dado", "en": "That step has already been taken"}
EARLIER = {"es": "pertenece a una entrada anterior", "en": "belongs to an earlier entrance"}
#: vip.renewed, both variants: the new end date, no ritual.
RENEWED = {
    "es": ("Su estancia en el Diván se prolonga", "Renovación recibida"),
    "en": ("Your stay in the Divan is extended", "Renewal received"),
}


async def ritual_or_none(harness: Any, user_id: int) -> Ritual | None:
    async with harness.ctx.db.session(readonly=True) as s:
        return await s.get(Ritual, user_id)


async def ritual_row(harness: Any, user_id: int) -> Ritual:
    """The user's ritual row (there must be one)."""
    found = await ritual_or_none(harness, user_id)
    assert found is not None
    return found


async def member_with_token(harness: Any, lang: str, *, days: int = 30) -> tuple[Any, Any]:
    """The bot with a VIP channel, a plan and a user who has just sent an invitation;
    (channel, user)."""
    channel = await start_with_channel(harness)
    svc = vip(harness)
    plan = await svc.create_plan(PLAN[lang], days, 999, "USD")
    [code] = await svc.generate_tokens(plan.id, 1, by=None)
    user = harness.user("Ana", language_code=lang)
    await user.send(f"/start {code}")
    return channel, user


def says(text: str | None, phrases: tuple[str, ...]) -> bool:
    return any(p in (text or "") for p in phrases)


@pytest.mark.parametrize("lang", LANGS)
async def test_the_three_stages_then_the_threshold(harness: Any, lang: str) -> None:
    channel, ana = await member_with_token(harness, lang)
    bea = harness.user("Bea", language_code=lang)

    # Stage 1: the step acknowledged, the facts first; no link made yet.
    first = ana.last
    assert PLAN[lang] in first.text and DAYS_30[lang] in first.text
    assert first.buttons == [[CONTINUE[lang]]]
    assert harness.emulator.calls_of("createChatInviteLink") == []
    row = await ritual_row(harness, ana.id)
    assert (row.stage, row.status, row.source) == (1, "open", "token")

    # Stage 2: what the space is and asks; the pressed button is gone.
    await ana.click(CONTINUE[lang])
    second = ana.last
    assert DIVAN[lang] in second.text and CIRCLE[lang] in second.text
    assert second.buttons == [[READY[lang]]]
    assert ana.messages[ana.messages.index(first)].buttons == []
    assert (await ritual_row(harness, ana.id)).stage == 2

    # Stage 3: the one-time link as a URL button, its 24 hours as a duration.
    await ana.click(READY[lang])
    third = ana.last
    assert VALID_24H[lang] in third.text
    assert third.buttons == [[CROSS[lang]]]
    link = link_of(third)
    assert link is not None and link not in third.text  # a button, not a pasted address
    [created] = harness.emulator.calls_of("createChatInviteLink")
    assert created.params["member_limit"] == 1
    expires = harness.clock.now() + timedelta(hours=24)
    assert int(created.params["expire_date"]) == int(expires.timestamp())
    row = await ritual_row(harness, ana.id)
    assert (row.stage, row.status) == (3, "open")
    # Each pressed message lost its buttons once: no second edit Telegram would refuse.
    edits = harness.emulator.calls_of("editMessageReplyMarkup")
    assert len(edits) == 2 and all(c.status == 200 for c in edits)

    # She crosses: the ritual is done; the VIP menu is the member's again.
    assert await ana.join(link) == "joined"
    assert channel.status_of(ana.id) == "member"
    assert (await ritual_row(harness, ana.id)).status == "done"
    await ana.send("/vip")
    assert PLAN[lang] in ana.last.text and ana.last.buttons[0] != [CONTINUE[lang]]

    # An old button of the finished ritual: a polite alert, nothing sent, nothing moved.
    sent = len(ana.messages)
    query = await ana.press(first, f"vipr:next:{ana.id}:{row.nonce}:1")
    assert query.show_alert and BEHIND[lang] in (query.text or "")
    # Someone else's button (forged): told it was not theirs.
    await bea.send("/start")
    query = await bea.press(bea.last, f"vipr:next:{ana.id}:{row.nonce}:2")
    assert query.show_alert and NOT_YOURS[lang] in (query.text or "")
    assert len(ana.messages) == sent and (await ritual_or_none(harness, bea.id)) is None
    assert len(harness.emulator.calls_of("createChatInviteLink")) == 1


@pytest.mark.parametrize("lang", LANGS)
async def test_leaving_after_stage_1_and_coming_back(harness: Any, lang: str) -> None:
    _channel, ana = await member_with_token(harness, lang)
    first = ana.last
    continue_data = button_data(first, CONTINUE[lang])
    harness.clock.advance(days=3)  # she goes away for a while

    # /start: the greeting is the stage she left, with its own button, as if no time
    # had passed.
    await ana.send("/start")
    greeting = ana.last
    assert PLAN[lang] in greeting.text and DAYS_30[lang] in greeting.text
    assert greeting.buttons == [[CONTINUE[lang]]]
    await ana.send("/menu")  # the main menu is still one command away
    # The VIP menu leads to the same stage, with its button.
    await ana.click(MENU[lang])
    assert PLAN[lang] in ana.last.text and DAYS_30[lang] in ana.last.text
    assert ana.last.buttons == [[CONTINUE[lang]]]
    # /vip too.
    await ana.send("/vip")
    resumed = ana.last
    assert PLAN[lang] in resumed.text and resumed.buttons == [[CONTINUE[lang]]]
    row = await ritual_row(harness, ana.id)
    assert (row.stage, row.status) == (1, "open")

    # Each copy took the buttons off the one before: one live stage message.
    assert live(ana, CONTINUE[lang]) == [resumed.message_id]

    # On from there; the first message's Continue, pressed late (a client not yet
    # refreshed), moves nothing twice: it becomes the "step taken" line, nothing is sent.
    await ana.click(CONTINUE[lang], message=resumed)
    assert DIVAN[lang] in ana.last.text and ana.last.buttons == [[READY[lang]]]
    sent = len(ana.messages)
    query = await ana.press(first, continue_data)
    assert not query.show_alert
    assert len(ana.messages) == sent
    old = next(m for m in ana.messages if m.message_id == first.message_id)
    assert TAKEN[lang] in old.text and old.buttons == []
    assert (await ritual_row(harness, ana.id)).stage == 2

    # Gone again at stage 2: /vip brings her back to stage 2, then to the link.
    await ana.send("/vip")
    again = ana.last
    assert DIVAN[lang] in again.text and again.buttons == [[READY[lang]]]
    assert len(live(ana, READY[lang])) == 1
    await ana.click(READY[lang], message=again)
    assert VALID_24H[lang] in ana.last.text and ana.last.buttons == [[CROSS[lang]]]
    assert len(harness.emulator.calls_of("createChatInviteLink")) == 1


def live(user: Any, label: str) -> list[int]:
    """The ids of the messages that still carry a button `label`."""
    return [
        m.message_id
        for m in user.visible_messages
        if any(b.get("text") == label for b in m.inline_buttons)
    ]


@pytest.mark.parametrize("lang", LANGS)
async def test_old_buttons_and_comebacks_leave_one_live_stage(harness: Any, lang: str) -> None:
    """The sandbox walkthrough: older Continue / I am ready pressed after their step,
    then /vip and /start at stage 3, left five "Cross" buttons; one stays live."""
    _channel, ana = await member_with_token(harness, lang)
    first = ana.last
    continue_data = button_data(first, CONTINUE[lang])
    await ana.send("/vip")  # stage 1 again: two Continue in the chat (one live)
    resumed = ana.last
    await ana.click(CONTINUE[lang], message=resumed)
    stage_2 = ana.last
    assert DIVAN[lang] in stage_2.text
    ready_data = button_data(stage_2, READY[lang])
    sent = len(ana.messages)
    # A second, older Continue after stage 2 was shown: no second stage 2.
    await ana.press(first, continue_data)
    assert len(ana.messages) == sent and live(ana, READY[lang]) == [stage_2.message_id]

    await ana.click(READY[lang], message=stage_2)
    assert VALID_24H[lang] in ana.last.text
    sent = len(ana.messages)
    # Older Estoy listo / Continue: the step is taken, no new stage 3.
    for old, data in ((stage_2, ready_data), (resumed, continue_data)):
        query = await ana.press(old, data)
        assert not query.show_alert or TAKEN[lang] in (query.text or "")
        old_now = next(m for m in ana.messages if m.message_id == old.message_id)
        assert TAKEN[lang] in old_now.text and old_now.buttons == []
    assert len(ana.messages) == sent

    # Back by /vip and /start: the link again, the copy before loses its button.
    await ana.send("/vip")
    await ana.send("/start")
    assert VALID_24H[lang] in ana.last.text and ana.last.buttons == [[CROSS[lang]]]
    assert live(ana, CROSS[lang]) == [ana.last.message_id]
    assert live(ana, READY[lang]) == [] and live(ana, CONTINUE[lang]) == []
    assert len(harness.emulator.calls_of("createChatInviteLink")) == 1
    row = await ritual_row(harness, ana.id)
    assert (row.stage, row.message_id) == (3, ana.last.message_id)


@pytest.mark.parametrize("lang", LANGS)
async def test_the_end_of_the_period_during_stage_2_closes_it(harness: Any, lang: str) -> None:
    _channel, ana = await member_with_token(harness, lang, days=2)
    await ana.click(CONTINUE[lang])
    stage_2 = ana.last
    assert stage_2.buttons == [[READY[lang]]]
    ready = button_data(stage_2, READY[lang])

    # The period ends while she hesitates: one line closes the ritual, nothing more.
    await harness.advance(days=2)
    closing = ana.last
    assert says(closing.text, CLOSED[lang]), closing.text
    assert closing.buttons == []
    assert (await ritual_row(harness, ana.id)).status == "closed"
    assert harness.emulator.calls_of("createChatInviteLink") == []

    # Her old "Estoy listo": the same line, never silence, and no link.
    sent = len(ana.messages)
    query = await ana.click(READY[lang], message=stage_2)
    assert query.show_alert and says(query.text, CLOSED[lang]), query.text
    assert len(ana.messages) == sent and ana.messages[-2].buttons == []  # the button went
    assert harness.emulator.calls_of("createChatInviteLink") == []
    # The menu offers no stage: she is not VIP, and may renew (she was a member).
    await ana.send("/vip")
    assert ana.last.buttons == [[RENEW[lang]]]
    await ana.send("/start")
    assert CONTINUE[lang] not in str(ana.last.buttons) and not says(ana.last.text, CLOSED[lang])

    # A new invitation opens a new ritual; the closed one's button is an earlier one's.
    svc = vip(harness)
    [code] = await svc.generate_tokens((await svc.list_plans())[0].id, 1, by=None)
    await ana.send(code)
    assert ana.last.buttons == [[CONTINUE[lang]]]
    query = await ana.press(stage_2, ready)  # a client not yet refreshed still shows it
    assert query.show_alert and EARLIER[lang] in (query.text or "")
    assert (await ritual_row(harness, ana.id)).stage == 1


@pytest.mark.parametrize("lang", LANGS)
async def test_a_renewal_by_a_member_inside_skips_it(harness: Any, lang: str) -> None:
    channel, ana = await member_with_token(harness, lang)
    assert await ana.join(await cross_ritual(ana, lang)) == "joined"
    done = await ritual_row(harness, ana.id)
    assert done.status == "done"
    links = len(harness.emulator.calls_of("createChatInviteLink"))

    svc = vip(harness)
    [code] = await svc.generate_tokens((await svc.list_plans())[0].id, 1, by=None)
    await ana.send(f"  {code}  ")  # pasted, spaces and all
    assert says(ana.last.text, RENEWED[lang]), ana.last.text
    assert PLAN[lang] in ana.last.text
    assert [CONTINUE[lang]] not in ana.last.buttons
    async with harness.ctx.db.session(readonly=True) as s:
        sub = await s.get(Subscription, ana.id)
    assert sub is not None and sub.ends_at - sub.started_at == timedelta(days=60)
    again = await ritual_row(harness, ana.id)
    assert (again.nonce, again.status) == (done.nonce, "done")
    assert len(harness.emulator.calls_of("createChatInviteLink")) == links
    assert channel.status_of(ana.id) == "member"


@pytest.mark.parametrize("lang", LANGS)
async def test_an_admin_grant_goes_through_it(harness: Any, lang: str) -> None:
    ada = harness.admin("Ada", language_code="en")
    ana = harness.user("Ana", language_code=lang)
    channel = await start_with_channel(harness)
    await vip(harness).create_plan(PLAN[lang], 30, 999, "USD")
    await ana.send("/start")
    await ada.send("/start")

    await press(ada, await card(harness, ada, ana.id), "Make VIP")
    await ada.click(f"{PLAN[lang]} (30 days)")
    await ada.click("Confirm")
    assert ana.last.buttons == [[CONTINUE[lang]]]
    assert PLAN[lang] in ana.last.text
    assert harness.emulator.calls_of("createChatInviteLink") == []  # the link waits
    row = await ritual_row(harness, ana.id)
    assert (row.stage, row.status, row.source) == (1, "open", "admin")

    # She leaves and comes back to the same first stage (the grant's words).
    granted = ana.last.text
    await ana.send("/vip")
    assert PLAN[lang] in ana.last.text and ana.last.buttons == [[CONTINUE[lang]]]
    assert DAYS_30[lang] not in granted  # the grant's acknowledgment, not a token's

    link = await cross_ritual(ana, lang)
    assert VALID_24H[lang] in ana.last.text
    assert await ana.join(link) == "joined"
    assert channel.status_of(ana.id) == "member"
    assert (await ritual_row(harness, ana.id)).status == "done"
    async with harness.ctx.db.session(readonly=True) as s:
        rituals = list(await s.scalars(select(Ritual)))
    assert [r.user_id for r in rituals] == [ana.id]
