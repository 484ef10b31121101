"""/health tells anyone whether the bot is ready, per component, and nothing more; the
detail (channel ids, counts, reasons, latencies) needs HEALTH_TOKEN, and /diag's
in-process report keeps it."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest

from lucien.core.health import collect_health
from lucien.core.plugin import HealthResult

pytestmark = pytest.mark.lucien(plugins=["admin", "vip"])

TOKEN = "s3cret-health-token"
REASON = "cannot reach the archive at vault-7"


async def started(harness: Any) -> tuple[Any, int]:
    """The bot with a VIP channel set and one plugin check failing with a reason."""
    app = await harness.start_app(health_token=TOKEN)
    channel = harness.emulator.create_channel("Salon")
    await harness.ctx.config.update("vip", "channel_id", channel.id, expected_version=0, by=None)

    async def archive() -> HealthResult:
        return HealthResult("archive", "fail", REASON, {"pending": 4217})

    app.plugin_health_checks.append(archive)
    return app, channel.id


async def get_health(app: Any, **kwargs: Any) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{app.base_url}/health", **kwargs) as r,
    ):
        return r.status, await r.text()


async def test_public_health_shows_no_id_count_or_reason(harness: Any) -> None:
    app, channel_id = await started(harness)
    status, text = await get_health(app)
    assert status == 200  # a plugin's failure is no reason to fail the deploy check
    assert str(channel_id) not in text
    assert REASON not in text and "4217" not in text
    assert "latency" not in text and "detail" not in text and "queues" not in text
    body = json.loads(text)
    assert body["ready"] is True and body["status"] == "warn"
    assert body["checks"]["archive"] == {"status": "fail"}
    assert body["checks"]["vip"] == {"status": "pass"}
    assert body["checks"]["database"] == {"status": "pass"}
    assert body["plugins"]["vip"] == {"status": "pass", "state": "enabled"}


async def test_the_token_unlocks_the_detail_a_wrong_one_does_not(harness: Any) -> None:
    app, channel_id = await started(harness)
    for kwargs in ({"headers": {"Authorization": f"Bearer {TOKEN}"}}, {"params": {"token": TOKEN}}):
        status, text = await get_health(app, **kwargs)
        assert status == 200
        body = json.loads(text)
        assert body["checks"]["vip"]["detail"] == f"channel {channel_id}"
        assert body["checks"]["archive"]["detail"] == REASON
        assert body["checks"]["archive"]["pending"] == 4217
        assert "latency_ms" in body["checks"]["database"]

    for kwargs in (
        {"headers": {"Authorization": "Bearer not-the-token"}},
        {"params": {"token": TOKEN[:-1]}},
        {"headers": {"Authorization": TOKEN}},  # no Bearer scheme
    ):
        status, text = await get_health(app, **kwargs)
        assert status == 200
        assert str(channel_id) not in text and REASON not in text


async def test_diagnostics_still_reads_the_detail_in_process(harness: Any) -> None:
    app, channel_id = await started(harness)
    body = await collect_health(app)
    assert body["checks"]["vip"]["detail"] == f"channel {channel_id}"
    assert body["checks"]["archive"]["detail"] == REASON


@pytest.mark.lucien(plugins=["admin"])
async def test_without_a_configured_token_nobody_gets_the_detail(harness: Any) -> None:
    app = await harness.start_app()
    status, text = await get_health(app, params={"token": ""})
    assert status == 200
    assert "latency" not in text and json.loads(text)["checks"]["database"] == {"status": "pass"}


async def test_not_ready_is_503_with_or_without_the_token(harness: Any) -> None:
    app, _ = await started(harness)
    app.accepting = False  # what shutdown does first
    assert (await get_health(app))[0] == 503
    status, text = await get_health(app, params={"token": TOKEN})
    assert status == 503 and json.loads(text)["checks"]["dispatcher"]["detail"] != ""
    app.accepting = True
