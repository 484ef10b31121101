"""With SENTRY_DSN set, a handler's failure reaches Sentry (here a local HTTP server
standing in for it: sentry-sdk posts envelopes to /api/<project>/envelope/), with its
fingerprint, the release and the environment, and the bot token nowhere in the bytes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from importlib.metadata import EntryPoint, entry_points, version
from typing import Any

import pytest
import pytest_asyncio
import sentry_sdk
from aiohttp import web

from lucien.core.error_alerts import report_job_failure
from lucien.core.sentry_setup import SCRUBBED, scrubber


class FakeSentry:
    """Collects the (decompressed) bodies sentry-sdk posts."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        self.runner: web.AppRunner | None = None
        self.port = 0

    async def envelope(self, request: web.Request) -> web.Response:
        # aiohttp undoes the Content-Encoding (gzip or br) itself: the envelope's JSON.
        raw = await request.read()
        assert raw.startswith(b"{"), request.headers.get("Content-Encoding")
        self.bodies.append(raw)
        return web.json_response({})

    def events(self) -> list[dict[str, Any]]:
        """The event items of every envelope (header line, then item header and body)."""
        found = []
        for body in self.bodies:
            lines = body.split(b"\n")
            for header, payload in zip(lines[1::2], lines[2::2], strict=False):
                if json.loads(header).get("type") == "event":
                    found.append(json.loads(payload))
        return found


@pytest_asyncio.fixture
async def fake_sentry() -> AsyncIterator[FakeSentry]:
    sentry = FakeSentry()
    app = web.Application()
    app.router.add_post("/api/1/envelope/", sentry.envelope)
    sentry.runner = web.AppRunner(app)
    await sentry.runner.setup()
    site = web.TCPSite(sentry.runner, "127.0.0.1", 0)
    await site.start()
    sentry.port = sentry.runner.addresses[0][1]
    try:
        yield sentry
    finally:
        sentry_sdk.init()  # no DSN: the next tests send nothing anywhere
        await sentry.runner.cleanup()


def _with_boom() -> list[EntryPoint]:
    boom = EntryPoint("boom", "tests.core.error_plugins:boom", "lucien.plugins")
    return [*entry_points(group="lucien.plugins"), boom]


@pytest.mark.lucien(plugins=["voice", "admin", "boom"], entry_points=_with_boom())
@pytest.mark.parametrize("db_kind", ["sqlite"], indirect=True)
async def test_a_handler_failure_reaches_sentry_without_the_token(
    harness: Any, fake_sentry: FakeSentry
) -> None:
    await harness.start_app(
        sentry_dsn=f"http://public@127.0.0.1:{fake_sentry.port}/1",
        sentry_environment="drill",
    )
    ana = harness.user("Ana", language_code="en")
    await ana.send("/start")  # Bot API calls: their URLs carry the token (breadcrumbs)
    await ana.send("/boom")
    # The sdk sends from its own thread; this loop serves the fake endpoint meanwhile.
    await asyncio.to_thread(sentry_sdk.flush, 10)

    events = fake_sentry.events()
    failures = [
        e
        for e in events
        if any(v["type"] == "ZeroDivisionError" for v in e.get("exception", {}).get("values", []))
    ]
    assert len(failures) == 1, [e.get("message") for e in events]
    event = failures[0]
    assert event["release"] == version("lucien")
    assert event["environment"] == "drill"
    assert event["tags"]["plugin"] == "boom" and event["tags"]["alert"] == "alert.handler_failed"
    assert len(event["fingerprint"]) == 1  # the alerts' own: both group failures alike
    frames = event["exception"]["values"][-1]["stacktrace"]["frames"]
    assert frames[-1]["function"] == "divide_share"

    # A job failing on every tick: one event per alert window, not one per tick.
    for _ in range(3):
        try:
            {}["ledger"]
        except KeyError as exc:
            await report_job_failure(harness.ctx, "demo.reconcile", exc)
    await asyncio.to_thread(sentry_sdk.flush, 10)
    jobs = [e for e in fake_sentry.events() if e.get("tags", {}).get("job") == "demo.reconcile"]
    assert len(jobs) == 1 and jobs[0]["exception"]["values"][-1]["type"] == "KeyError"

    received = b"".join(fake_sentry.bodies)
    token = harness.account.token
    assert token.encode() not in received
    assert token.split(":")[1].encode() not in received
    assert SCRUBBED.encode() in received  # there was a token to take out, and it was


def test_the_scrubber_reaches_keys_values_and_truncated_tokens() -> None:
    token = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
    scrub = scrubber([token, token.split(":")[1], "webhook-secret-value"])
    event = {
        "breadcrumbs": [{"data": {"url": f"http://api/bot{token}/sendMessage"}}],
        "vars": {token: ("x", f"Bot(token='{token[:20]}…')")},  # cut by the sdk's limit
        "message": "secret webhook-secret-value in a header",
        "level": 40,
    }
    text = json.dumps(scrub(event))
    assert "AAHdqTcv" not in text and "webhook-secret-value" not in text
    assert scrub(event)["level"] == 40
