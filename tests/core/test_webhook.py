"""The webhook: secret, body checks, handling before acknowledging, replies in the body."""

from __future__ import annotations

import json
import logging
from typing import Any

import aiohttp
import pytest

from lucien.core.testing.harness import BotHarness

pytestmark = pytest.mark.lucien(plugins=["greeter"])


def _update(update_id: int, text: str, user_id: int = 4242) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1767268800,
            "text": text,
            "chat": {"id": user_id, "type": "private", "first_name": "Ana"},
            "from": {"id": user_id, "is_bot": False, "first_name": "Ana"},
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
        },
    }


@pytest.fixture
async def greeter_app(harness: BotHarness, greeter_entry_points: list[Any]) -> BotHarness:
    harness.entry_points = greeter_entry_points
    await harness.start_app()
    return harness


async def _post(app: Any, body: bytes, secret: str | None) -> tuple[int, bytes]:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{app.base_url}/webhook", data=body, headers=headers) as response,
    ):
        return response.status, await response.read()


@pytest.mark.parametrize("secret", [None, "wrong-secret", ""])
async def test_wrong_or_missing_secret_is_401_and_no_handler_runs(
    greeter_app: BotHarness, secret: str | None
) -> None:
    app = greeter_app.app
    before = app.metrics.updates._value.get()
    status, _ = await _post(app, json.dumps(_update(1, "/greet")).encode(), secret)
    assert status == 401
    assert app.metrics.updates._value.get() == before
    assert greeter_app.emulator.calls_of("sendMessage") == []


async def test_malformed_json_is_400(greeter_app: BotHarness) -> None:
    status, _ = await _post(greeter_app.app, b"{not json", "test-secret")
    assert status == 400
    status, _ = await _post(greeter_app.app, b'{"no_update_id": true}', "test-secret")
    assert status == 400


async def test_oversized_body_is_413(greeter_app: BotHarness) -> None:
    status, _ = await _post(greeter_app.app, b"x" * 2_000_000, "test-secret")
    assert status == 413


async def test_correct_update_is_handled_and_answered_in_the_response(
    greeter_app: BotHarness,
) -> None:
    status, body = await _post(
        greeter_app.app, json.dumps(_update(7, "/greet")).encode(), "test-secret"
    )
    assert status == 200
    reply = json.loads(body)
    assert reply["method"] == "sendMessage"
    assert reply["chat_id"] == 4242
    assert "Greetings from a third-party plugin, Ana." == reply["text"]


async def test_a_user_sees_the_answer_through_the_emulator(greeter_app: BotHarness) -> None:
    ana = greeter_app.user("Ana")
    await ana.send("/greet")
    assert ana.last.text == "Greetings from a third-party plugin, Ana."


async def test_a_failing_handler_apologises_instead_of_silence(greeter_app: BotHarness) -> None:
    ana = greeter_app.user("Ana")
    await ana.send("/boom")
    assert ana.last is not None
    assert ana.last.text  # the plain default of error.generic
    assert "Traceback" not in ana.last.text


@pytest.mark.parametrize("db_kind", ["sqlite"], indirect=True)
async def test_set_webhook_only_when_something_changed(
    harness: BotHarness, greeter_entry_points: list[Any]
) -> None:
    """getWebhookInfo hides the secret: a new secret must still reach Telegram."""
    harness.entry_points = greeter_entry_points
    port = harness.settings().port
    first = await harness.start_app(port=port, webhook_base_url=f"http://127.0.0.1:{port}")
    assert len(harness.emulator.calls_of("setWebhook")) == 1
    await first.stop()
    harness.apps.clear()
    again = await harness.start_app(port=port, webhook_base_url=f"http://127.0.0.1:{port}")
    assert len(harness.emulator.calls_of("setWebhook")) == 1  # nothing changed: not called
    await again.stop()
    harness.apps.clear()
    await harness.start_app(
        port=port, webhook_base_url=f"http://127.0.0.1:{port}", webhook_secret="rotated-secret"
    )
    assert len(harness.emulator.calls_of("setWebhook")) == 2
    ana = harness.user("Ana")
    await ana.send("/greet")  # delivered with the new secret, answered
    assert ana.last.text == "Greetings from a third-party plugin, Ana."


@pytest.mark.parametrize("db_kind", ["sqlite"], indirect=True)
async def test_each_update_is_logged_with_its_latency_at_debug(
    greeter_app: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="lucien.webhook")
    await _post(greeter_app.app, json.dumps(_update(99, "/greet")).encode(), "test-secret")
    records = [
        r
        for r in caplog.records
        if getattr(r, "update_id", None) == 99 and hasattr(r, "latency_ms")
    ]
    assert records and records[0].latency_ms > 0


@pytest.mark.parametrize("db_kind", ["sqlite"], indirect=True)
async def test_a_handler_past_the_deadline_is_cancelled_and_its_redelivery_handled(
    greeter_app: BotHarness, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Telegram gives up on a webhook call after about a minute: the handler is cancelled
    before that. Nothing had happened yet, so the call is answered 503 (an empty 200 would
    lose it: Telegram never redelivers an acknowledged update) and the update is left
    unclaimed (lock released, not marked done): the redelivery is handled normally."""
    import lucien.core.webhook as webhook

    monkeypatch.setattr(webhook, "HANDLER_TIMEOUT", 0.3)
    body = json.dumps(_update(501, "/slow 0.8")).encode()
    status, _ = await _post(greeter_app.app, body, "test-secret")
    assert status == 503
    assert any(
        "nothing done" in r.getMessage() for r in caplog.records if r.levelno == logging.ERROR
    )
    assert greeter_app.app.in_flight == 0

    monkeypatch.setattr(webhook, "HANDLER_TIMEOUT", 55.0)
    status, reply = await _post(greeter_app.app, body, "test-secret")  # the redelivery
    assert status == 200
    assert json.loads(reply)["text"] == "slow done"
    status, reply = await _post(greeter_app.app, body, "test-secret")  # now a duplicate
    assert (status, json.loads(reply)) == (200, {})


async def test_a_lone_surrogate_in_a_users_text_is_still_handled(greeter_app: BotHarness) -> None:
    """pydantic's JSON parser refuses a lone surrogate escape that json accepts: such an
    update must not be answered 400 (Telegram would give up on it)."""
    body = json.dumps(_update(777, "/greet")).replace(
        '"first_name": "Ana"', '"first_name": "Ana \\ud83d"', 1
    )
    status, reply = await _post(greeter_app.app, body.encode(), "test-secret")
    assert status == 200
    assert json.loads(reply)["method"] == "sendMessage"
