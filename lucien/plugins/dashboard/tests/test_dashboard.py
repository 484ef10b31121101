"""The dashboard (issue 21): an admin's /dashboard gets a one-time link; opening it gives
a session cookie and, on to the clean address, the page; the figures are what happened (updates, a plugin's failing
handler, a 429 from Telegram); anyone else, a used link or no cookie gets 403.

Plain defaults (no voice), both backends; one test in Spanish with the voice.
"""

from __future__ import annotations

from typing import Any

import pytest

from lucien.plugins.dashboard.tests.helpers import ENTRY_POINTS, PLUGINS, link_in, visitor

pytestmark = pytest.mark.lucien(entry_points=ENTRY_POINTS, plugins=PLUGINS)


async def test_an_admin_gets_a_link_and_anyone_else_a_polite_refusal(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="en")
    bea = harness.user("Bea", language_code="en")
    await harness.start_app()

    await ada.send("/dashboard")
    assert ada.last.text.startswith("The dashboard: open it. The link works once, for 5 minutes")
    link = link_in(ada.last)
    assert link.startswith(f"{harness.app.settings.webhook_url_base}/dashboard?t=")
    assert harness.ctx.settings.bot_token.split(":")[1] not in link
    # No preview: Telegram's servers would open the link first and use it up.
    [call] = [c for c in harness.emulator.calls if c.method == "sendMessage"] or [None]
    if call is not None:  # the reply may travel in the webhook's answer instead
        assert call.params.get("link_preview_options", {}).get("is_disabled") is True

    await bea.send("/dashboard")
    assert bea.last.text == "The dashboard is for administrators only."
    assert "href" not in (bea.last.html or "")


async def test_the_figures_are_what_happened_and_outsiders_get_403(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="en")
    bea = harness.user("Bea", language_code="en")
    await harness.start_app()
    base = harness.app.base_url

    await ada.send("/dashboard")
    link = link_in(ada.last)
    for _ in range(4):
        await bea.send("/start")
    for _ in range(3):
        await bea.send("/boom")
    harness.emulator.faults.add(method="sendMessage", status=429, retry_after=1, times=1)
    await bea.send("/ping")
    assert bea.last.text == "later"
    await harness.run_jobs()  # a sample in the history; the page adds what came after
    await bea.send("/start")

    async with visitor() as browser:
        async with browser.get(link, allow_redirects=False) as opened:
            # On to the clean address by the page itself (not a 303: see web.login).
            assert opened.status == 200
            assert 'content="0; url=/dashboard"' in await opened.text()
            cookie = opened.headers["Set-Cookie"]
            assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        async with browser.get(f"{base}/dashboard") as page:
            assert page.status == 200
            assert 'src="/dashboard/static/dashboard.js"' in await page.text()
            assert "'self'" in page.headers["Content-Security-Policy"]
        async with browser.get(f"{base}/dashboard/data.json") as answer:
            assert answer.status == 200
            data = await answer.json()

    # 1 /dashboard + 4 /start + 3 /boom + 1 /ping + 1 /start.
    assert data["day"]["updates"] == 10
    assert data["day"]["failures"] == {"crashy": 3}
    assert data["day"]["api_errors"] == {"sendMessage:429": 1}
    assert data["day"]["r429"] == 1
    assert sum(p["updates"] for p in data["series"]["hour"]) == 10
    assert data["live"]["p50"] is not None
    checks = {c["name"]: c["status"] for c in data["health"]["checks"]}
    assert checks["database"] == "pass"
    assert {g["name"] for g in data["gauges"]} >= {"core.outbox"}

    # /metrics has the same counts, and what the sampler set from gauges and health.
    async with visitor() as scraper:
        async with scraper.get(f"{base}/metrics") as scraped:
            metrics = await scraped.text()
    for line in (
        'lucien_handler_failures_total{plugin="crashy"} 3.0',
        'lucien_telegram_api_errors_total{code="429",method="sendMessage"} 1.0',
        'lucien_queue_depth{queue="core.outbox"} 0.0',
        'lucien_health_status{check="database"} 0.0',
    ):
        assert line in metrics.splitlines(), line

    # The link was used: a second open, even a moment later, is refused.
    async with visitor() as stranger:
        async with stranger.get(link, allow_redirects=False) as again:
            assert again.status == 403
            assert "/dashboard" in await again.text()  # it says how to get a link
        async with stranger.get(f"{base}/dashboard") as page:
            assert page.status == 403
        async with stranger.get(f"{base}/dashboard/data.json") as answer:
            assert answer.status == 403
        forged = link.replace("?t=", "?t=1")
        async with stranger.get(forged, allow_redirects=False) as fake:
            assert fake.status == 403


async def test_an_expired_link_and_an_expired_session_are_refused(harness: Any) -> None:
    ada = harness.admin("Ada", language_code="en")
    await harness.start_app()
    base = harness.app.base_url

    await ada.send("/dashboard")
    stale = link_in(ada.last)
    harness.clock.advance(minutes=6)
    async with visitor() as browser:
        async with browser.get(stale, allow_redirects=False) as opened:
            assert opened.status == 403

    await ada.send("/dashboard")
    async with visitor() as browser:
        async with browser.get(link_in(ada.last), allow_redirects=False) as opened:
            assert opened.status == 200
        async with browser.get(f"{base}/dashboard/data.json") as answer:
            assert answer.status == 200
        harness.clock.advance(hours=9)  # past the 8 h session
        async with browser.get(f"{base}/dashboard/data.json") as answer:
            assert answer.status == 403


@pytest.mark.lucien(entry_points=ENTRY_POINTS, plugins=["voice", *PLUGINS])
async def test_in_spanish_the_butler_hands_over_the_key(harness: Any) -> None:
    diana = harness.admin("Diana", language_code="es")
    cid = harness.user("Cid", language_code="es")
    await harness.start_app()

    await diana.send("/dashboard")
    assert "una sola vez" in diana.last.text and "5 minutos" in diana.last.text
    async with visitor() as browser:
        async with browser.get(link_in(diana.last)) as page:
            assert page.status == 200
            assert "Cuadro de mando" in await page.text()
    await cid.send("/dashboard")
    assert "solo se abre para sus custodios" in cid.last.text
