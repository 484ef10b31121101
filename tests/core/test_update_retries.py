"""Nothing acknowledged before it happened (issue 16, items 1, 2 and 4): an update in
progress on a live replica, one that failed on a passing fault before any effect, and one
cut short by shutdown are answered 503, so Telegram delivers them again; everything else
is acknowledged once handled (or apologised for)."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest

from lucien.core.testing.databases import redis_test_url
from lucien.core.testing.harness import BotHarness
from tests.webhookkit import command_update, post_update

pytestmark = pytest.mark.lucien(plugins=["greeter"])

APOLOGY = "Something went wrong"  # error.generic's plain line (no voice plugin here)


def _update(update_id: int, text: str, user_id: int = 4242) -> bytes:
    return command_update(update_id, text, user_id)


def _statuses(harness: BotHarness, update_id: int) -> list[int | None]:
    return [d.status for d in harness.emulator.deliveries if d.update_id == update_id]


@pytest.fixture
async def greeter_harness(harness: BotHarness, greeter_entry_points: list[Any]) -> BotHarness:
    import lucien_greeter  # installed by greeter_entry_points

    lucien_greeter.ATTEMPTS.clear()  # message ids restart with each emulator
    harness.entry_points = greeter_entry_points
    return harness


async def test_a_passing_fault_before_any_effect_is_redelivered_and_handled_once(
    greeter_harness: BotHarness,
) -> None:
    await greeter_harness.start_app()
    ana = greeter_harness.user("Ana")
    await ana.send("/outage 2")
    texts = [m.text for m in ana.messages]
    assert texts == ["done at attempt 3"]  # no apology, no silence, no double
    update_id = greeter_harness.emulator.deliveries[-1].update_id
    assert _statuses(greeter_harness, update_id) == [503, 503, 200]
    assert greeter_harness.app.metrics.updates_retried._value.get() == 2


@pytest.mark.parametrize("redis", [False, True], ids=["memory", "redis"])
async def test_a_retried_update_leaves_the_conversation_where_it_was(
    greeter_harness: BotHarness, redis: bool
) -> None:
    """The failed attempt moved the conversation on; its redelivery must not find it
    moved (it would be taken as the answer to the next question)."""
    if redis:
        greeter_harness.redis_url = redis_test_url()
    await greeter_harness.start_app()
    ana = greeter_harness.user("Ana")
    await ana.send("/outage_state 1")
    assert [m.text for m in ana.messages] == ["found state None"]


async def test_a_call_without_an_answer_is_an_effect_of_unknown_outcome() -> None:
    """A send whose answer never came may have been made: not retried after a fault."""
    from aiogram.exceptions import TelegramBadRequest, TelegramNetworkError
    from aiogram.methods import GetMe, SendMessage

    from lucien.core.effects import OUTCOME, EffectTracker, UpdateOutcome

    tracker = EffectTracker()
    send = SendMessage(chat_id=1, text="hi")

    async def run(error: Exception | None, method: Any = send) -> UpdateOutcome:
        outcome = UpdateOutcome(may_retry=True)
        token = OUTCOME.set(outcome)

        async def make_request(bot: Any, method: Any) -> Any:
            if error is not None:
                raise error
            return "ok"

        try:
            await tracker(make_request, None, method)  # type: ignore[arg-type]
        except Exception:
            pass
        finally:
            OUTCOME.reset(token)
        return outcome

    lost = await run(TelegramNetworkError(send, "timeout"))
    assert lost.uncertain and not lost.retryable
    refused = await run(TelegramBadRequest(send, "Bad Request: chat not found"))
    assert refused.retryable and not refused.effects  # Telegram answered: not done
    done = await run(None)
    assert done.effects and not done.retryable
    read = await run(TelegramNetworkError(GetMe(), "timeout"), GetMe())
    assert read.retryable  # a read changes nothing


async def test_a_fault_after_an_effect_is_apologised_for_not_repeated(
    greeter_harness: BotHarness,
) -> None:
    await greeter_harness.start_app()
    ana = greeter_harness.user("Ana")
    await ana.send("/outage_after 1")
    texts = [m.text for m in ana.messages]
    # Delivering it again would say "half done" twice: the user is told instead.
    assert texts[0] == "half done" and len(texts) == 2 and texts[1].startswith(APOLOGY)
    update_id = greeter_harness.emulator.deliveries[-1].update_id
    assert _statuses(greeter_harness, update_id) == [200]


async def test_past_the_retry_bound_the_user_gets_the_apology(
    greeter_harness: BotHarness,
) -> None:
    await greeter_harness.start_app(update_retries=1)
    ana = greeter_harness.user("Ana")
    await ana.send("/outage 5")
    texts = [m.text for m in ana.messages]
    assert len(texts) == 1 and texts[0].startswith(APOLOGY)
    update_id = greeter_harness.emulator.deliveries[-1].update_id
    assert _statuses(greeter_harness, update_id) == [503, 200]


@pytest.mark.lucien(plugins=["greeter"], redis=True)
@pytest.mark.parametrize("db_kind", ["postgres"], indirect=True)
async def test_an_update_live_on_another_replica_is_retried_later_not_acknowledged(
    greeter_harness: BotHarness,
) -> None:
    first = await greeter_harness.start_app()
    second = await greeter_harness.start_app()
    body = _update(7001, "/slow 0.6")
    running = asyncio.create_task(post_update(first, body))
    await asyncio.sleep(0.2)
    # In progress on `first`: `second` must not answer 200, or Telegram would count it
    # done even if `first` died now.
    assert (await post_update(second, body))[0] == 503
    status, reply = await running
    assert status == 200 and json.loads(reply)["text"] == "slow done"
    assert await post_update(second, body) == (200, b"{}")  # handled: a duplicate now


@pytest.mark.lucien(plugins=["greeter"], redis=True)
@pytest.mark.parametrize("db_kind", ["postgres"], indirect=True)
async def test_shutdown_cancels_what_overruns_the_drain_and_another_replica_handles_it(
    greeter_harness: BotHarness,
) -> None:
    leaving = await greeter_harness.start_app(drain_timeout=0.5)
    staying = await greeter_harness.start_app()
    body = _update(7002, "/slow 30")  # a handler stuck on a Bot API that hangs
    running = asyncio.create_task(post_update(leaving, body))
    await asyncio.sleep(0.2)
    started = time.monotonic()
    await leaving.stop()
    took = time.monotonic() - started
    assert (await running)[0] == 503  # Telegram will deliver it again
    # Bounded by DRAIN_TIMEOUT plus the grace to release claims, not by the handler.
    assert took < 0.5 + 3.0 + 2.0, took
    # The claim and the user's lock were released: the redelivery is handled at once.
    status, reply = await post_update(staying, _update(7002, "/slow 0"))
    assert status == 200 and json.loads(reply)["text"] == "slow done"
