"""Error alerts reach every admin, grouped by cause and rate-limited: a handler that keeps
failing, the "Silence 1 h" button, a job failure, a plugin that could not start, Telegram's
webhook errors, and a Redis outage and its end."""

from __future__ import annotations

import asyncio
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from lucien.core.error_alerts import SilenceCallback, error_alerts, report_job_failure
from lucien.core.testing.redis_server import PrivateRedis

HERE = "tests.core.error_plugins"
SILENCE_EN, SILENCE_ES = "Silence 1 h", "Silenciar 1 h"


def _with(*names: str) -> list[EntryPoint]:
    extra = [EntryPoint(n, f"{HERE}:{n}", "lucien.plugins") for n in names]
    return [*entry_points(group="lucien.plugins"), *extra]


pytestmark = pytest.mark.lucien(
    plugins=["voice", "admin", "boom", "broken"], entry_points=_with("boom", "broken")
)


def alerts(actor: Any, words: str) -> list[Any]:
    return [m for m in actor.messages if words in (m.text or "")]


def admins(harness: Any) -> tuple[Any, Any]:
    """Two admins who started the bot before (it may write to them), one per language;
    the bot learns their languages when they write (`greet`)."""
    ada = harness.admin("Ada", language_code="en")
    bea = harness.admin("Bea", language_code="es")
    for admin in (ada, bea):
        admin.chat_with().started = True
    return ada, bea


async def greet(*actors: Any) -> None:
    for actor in actors:
        await actor.send("/start")


async def test_a_handler_failing_50_times_alerts_once_then_counts(harness: Any) -> None:
    ada, bea = admins(harness)
    await harness.start_app(flood_rate=0)  # fifty in a row: no flood control in the way
    await greet(ada, bea)
    ana = harness.user("Ana", language_code="en")

    for _ in range(50):
        await ana.send("/boom")
    assert len(ana.messages) == 50  # each time an apology, never silence

    # One alert per admin, at once, in each one's language, with the cause and the count.
    [first] = alerts(ada, "ZeroDivisionError")
    assert "boom" in first.text and "ZeroDivisionError: integer division" in first.text
    assert "tests.core.error_plugins:divide_share" in first.text  # the innermost frame
    assert "Occurrences since the last note: 1." in first.text
    assert [b["text"] for b in first.inline_buttons] == [SILENCE_EN]
    [primera] = alerts(bea, "ZeroDivisionError")
    assert "Veces desde el último aviso: 1." in primera.text
    assert [b["text"] for b in primera.inline_buttons] == [SILENCE_ES]

    # Within the window (ten minutes): nothing more, however many failures.
    await harness.advance(minutes=5)
    await ana.send("/boom")
    await harness.advance(minutes=4)
    assert len(alerts(ada, "ZeroDivisionError")) == 1
    assert len(alerts(bea, "ZeroDivisionError")) == 1

    # The window over: one alert with the count since the last one (49 + 1).
    await harness.advance(minutes=2)
    assert len(alerts(ada, "ZeroDivisionError")) == 2
    assert "Occurrences since the last note: 50." in ada.last.text
    assert "Veces desde el último aviso: 50." in bea.last.text
    # Nothing happened since: the next window passes quietly.
    await harness.advance(minutes=11)
    assert len(alerts(ada, "ZeroDivisionError")) == 2

    # After a quiet window, the next failure alerts at once again.
    await ana.send("/boom")
    assert len(alerts(ada, "ZeroDivisionError")) == 3
    assert "Occurrences since the last note: 1." in ada.last.text


@pytest.mark.lucien(plugins=["voice", "admin", "boom"], entry_points=_with("boom"), redis=True)
async def test_silence_1_h_mutes_the_cause_for_every_admin(harness: Any) -> None:
    ada, bea = admins(harness)
    await harness.start_app()
    await greet(ada, bea)
    ana = harness.user("Ana", language_code="en")
    await ana.send("/boom")
    [alert] = alerts(ada, "ZeroDivisionError")

    # Somebody who is not an admin cannot silence it (a forwarded button, a crafted query).
    data = SilenceCallback.unpack(alert.inline_buttons[0]["callback_data"])
    refused = await ana.press(alert, data.pack())
    assert refused.text == "Forgive me: only the house's custodians may silence these notes."
    assert not await error_alerts(harness.ctx).silenced(data.fp)

    answer = await ada.click(SILENCE_EN)
    assert answer.text == "Silenced for an hour, for every custodian." and answer.show_alert
    assert await error_alerts(harness.ctx).silenced(data.fp)

    # An hour of silence for both admins, windows or not; the failures are still counted.
    for _ in range(3):
        await ana.send("/boom")
    await harness.advance(minutes=11)
    await harness.advance(minutes=30)
    assert len(alerts(ada, "ZeroDivisionError")) == 1
    assert len(alerts(bea, "ZeroDivisionError")) == 1
    # The hour over: one alert with what happened meanwhile.
    await harness.advance(minutes=20)
    assert len(alerts(ada, "ZeroDivisionError")) == 2
    assert "Occurrences since the last note: 3." in ada.last.text


async def test_a_job_failure_alerts_and_an_outage_is_left_to_the_watch(harness: Any) -> None:
    ada, _bea = admins(harness)
    await harness.start_app()
    await greet(ada)

    def reconcile() -> None:
        raise KeyError("ledger-42")

    for _ in range(3):
        try:
            reconcile()
        except KeyError as exc:
            await report_job_failure(harness.ctx, "vip.reconcile", exc)
    await harness.emulator.wait_idle()
    [alert] = alerts(ada, "the job vip.reconcile has failed")
    assert "KeyError: 'ledger-42'" in alert.text
    assert "test_error_alerts:test_a_job_failure" in alert.text  # the innermost frame

    # A message quoting a Bot API URL reaches the admins without the token in it.
    token = harness.account.token
    try:
        raise ValueError(f"GET https://api.telegram.org/bot{token}/getMe refused")
    except ValueError as exc:
        await report_job_failure(harness.ctx, "core.probe", exc)
    await harness.emulator.wait_idle()
    [probe] = alerts(ada, "the job core.probe has failed")
    assert "/bot[Filtered]/getMe" in probe.text and token.split(":")[1] not in probe.text

    # A passing fault (the database away) is the dependency's alert, not each job's.
    down = OperationalError("SELECT 1", None, ConnectionRefusedError(111, "refused"))
    await report_job_failure(harness.ctx, "free.approvals", down)
    await harness.emulator.wait_idle()
    assert not alerts(ada, "free.approvals")


async def test_a_plugin_that_fails_at_startup_alerts_the_admins(harness: Any) -> None:
    ada, bea = admins(harness)
    app = await harness.start_app()
    await harness.emulator.wait_idle()
    assert app.ctx.registry.get("broken").state == "failed"
    # (The bot has not heard from them since it started: the voice's default language.)
    for admin in (ada, bea):
        [alert] = alerts(admin, "el complemento broken no pudo arrancar")
        assert "the broken plugin cannot find its ledger" in alert.text
    # The rest of the house serves.
    ana = harness.user("Ana", language_code="en")
    await ana.send("/start")
    assert "Ana" in ana.last.text


async def test_a_webhook_error_reported_by_telegram_alerts_once(harness: Any) -> None:
    ada, _bea = admins(harness)
    await harness.start_app()
    await greet(ada)
    await harness.advance(minutes=1)
    assert not alerts(ada, "Telegram cannot deliver")

    # Telegram could not deliver an update (as getWebhookInfo tells it).
    now = int(harness.clock.now().timestamp())
    harness.account.queue.last_error = (now, "Wrong response from the webhook: 502 Bad Gateway")
    await harness.advance(minutes=1)
    [alert] = alerts(ada, "Telegram cannot deliver the updates")
    assert "502 Bad Gateway" in alert.text
    # The same error, seen again by the next checks: told once.
    await harness.advance(minutes=1)
    await harness.advance(minutes=1)
    assert len(alerts(ada, "Telegram cannot deliver")) == 1


@pytest.mark.lucien(plugins=["voice", "admin"])
@pytest.mark.parametrize("db_kind", ["sqlite"], indirect=True)
async def test_a_redis_outage_and_its_end_are_told(harness: Any, tmp_path: Path) -> None:
    ada, _bea = admins(harness)
    redis = PrivateRedis(tmp_path)
    redis.start()
    try:
        harness.redis_url = redis.url
        app = await harness.start_app()
        await greet(ada)
        await harness.advance(seconds=15)
        assert not alerts(ada, "does not answer")

        redis.stop()
        await harness.advance(seconds=15)
        [down] = alerts(ada, "Redis does not answer")
        await harness.advance(seconds=15)
        assert len(alerts(ada, "Redis does not answer")) == 1

        redis.start()
        for _ in range(200):  # the state backend's own reconnection probe
            if app.ctx.state.connected:
                break
            await asyncio.sleep(0.05)
        await harness.advance(seconds=15)
        [up] = alerts(ada, "Redis answers again after")
        assert down.message_id < up.message_id
    finally:
        await harness.close()
        harness.apps.clear()
        redis.stop()
