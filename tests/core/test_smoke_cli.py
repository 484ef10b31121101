"""`lucien smoke URL` against a running bot and the emulator: all green, then one fault at
a time (the webhook moved, a branch behind its head, Redis gone), each named.

The bot runs in this test's event loop (every plugin, webhook mode, Redis); the command
runs through click in a worker thread with the deployment's variables, as it would after
a deploy, so its own `asyncio.run` does not block the bot it checks.
"""

from __future__ import annotations

import asyncio
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiogram.types import WebhookInfo
from click.testing import CliRunner

from lucien.core.cli import core_group
from lucien.core.cli.smoke import webhook_checks
from lucien.core.db.migrate import downgrade_branch, migration_status, upgrade_all
from lucien.core.smoke_probe import PROBE_FIELD, probe_body, proof
from lucien.core.testing.harness import BotHarness, free_port
from tests.core.clikit import _DEPLOYMENT_PREFIXES

pytestmark = pytest.mark.lucien(redis=True)

HEALTH_TOKEN = "smoke-health-token"
SECRET = "test-secret"  # the harness's WEBHOOK_SECRET


def deployment_env(harness: BotHarness, **extra: str | None) -> dict[str, str | None]:
    """The variables the deployment runs with (and none of this machine's)."""
    env: dict[str, str | None] = {
        k: None for k in os.environ if k.startswith(_DEPLOYMENT_PREFIXES) or k == "HEALTH_TOKEN"
    }
    env.update(
        BOT_TOKEN=harness.account.token,
        DATABASE_URL=harness.database_url,
        REDIS_URL=harness.redis_url,
        TELEGRAM_API_URL=harness.emulator.base_url,
        WEBHOOK_SECRET=SECRET,
        HEALTH_TOKEN=HEALTH_TOKEN,
        SANDBOX=None,
        ENV=None,
    )
    env.update(extra)
    return env


async def smoke(env: dict[str, str | None], *args: str) -> tuple[int, str]:
    """`lucien smoke ARGS`: its exit code and what it printed on stdout."""
    result = await asyncio.to_thread(
        CliRunner().invoke, core_group(), ["smoke", *args], env=env, standalone_mode=False
    )
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    code = result.return_value if result.exit_code == 0 else result.exit_code
    return code, result.stdout


async def smoke_json(env: dict[str, str | None], url: str) -> tuple[int, dict[str, Any]]:
    code, out = await smoke(env, url, "--json", "--timeout", "5")
    report = json.loads(out.strip().splitlines()[-1])
    assert report["ok"] is (code == 0)
    return code, report


def failed(report: dict[str, Any]) -> dict[str, str]:
    return {c["name"]: c["detail"] for c in report["checks"] if c["status"] == "FAILED"}


async def test_smoke_passes_then_names_each_fault(
    harness: BotHarness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no developer's .env reaches the command
    app = await harness.start_app(health_token=HEALTH_TOKEN)
    url = app.settings.webhook_url_base
    assert url is not None
    env = deployment_env(harness)

    # A healthy deployment: every check on its own line, the summary, exit 0.
    code, out = await smoke(env, url)
    assert code == 0, out
    lines = out.strip().splitlines()
    names = [line.split()[1] for line in lines[:-1]]
    assert names == ["live", "health", "plugins", "database", "redis"] + ["webhook"] * 4
    assert all(line.startswith("ok ") for line in lines[:-1]), out
    assert lines[-1] == f"smoke {url}: all 9 checks passed"
    assert f"Telegram sends updates to {url}/webhook" in out
    # The probe reached the webhook, yet nothing was handled and nobody was written to.
    assert harness.emulator.calls_of("sendMessage") == []
    assert app.metrics.updates._value.get() == 0

    # The webhook points elsewhere (another deployment took it).
    await app.ctx.bot.set_webhook("http://127.0.0.1:9/webhook", secret_token=SECRET)
    code, report = await smoke_json(env, url)
    assert code == 1
    assert failed(report) == {
        "webhook url": f"Telegram sends updates to http://127.0.0.1:9/webhook, not {url}/webhook"
    }
    await app.ctx.bot.set_webhook(f"{url}/webhook", secret_token=SECRET)

    # A plugin's branch one revision behind its head.
    reverted = await downgrade_branch(app.settings, app.ctx.registry, "vip", "vip@-1")
    assert len(reverted) == 1
    code, report = await smoke_json(env, url)
    assert code == 1
    problems = failed(report)
    # /health rechecks migrations every 30 s: it may or may not have seen it yet.
    assert set(problems) - {"health"} == {"database"}
    assert problems["database"].startswith("not at head: vip at ")
    assert f"1 pending: {reverted[0]}" in problems["database"]
    await upgrade_all(app.settings, app.ctx.registry)
    statuses = await migration_status(app.settings, app.ctx.registry)
    assert all(s.at_head for s in statuses if s.enabled)

    # Redis down, as the deployment sees it.
    closed = f"redis://127.0.0.1:{free_port()}/0"
    code, report = await smoke_json(deployment_env(harness, REDIS_URL=closed), url)
    assert code == 1
    problems = failed(report)
    assert set(problems) == {"redis"}
    assert problems["redis"].startswith("127.0.0.1:")
    assert "unreachable" in problems["redis"]

    # And the text form names the failure and counts.
    code, out = await smoke(deployment_env(harness, REDIS_URL=closed), url)
    assert code == 1
    assert any(line.startswith("FAILED  redis ") for line in out.splitlines()), out
    assert out.strip().splitlines()[-1] == f"smoke {url}: 1 of 9 checks FAILED: redis"
    assert harness.account.token not in out


async def test_probe_is_answered_with_proof_and_dispatches_nothing(harness: BotHarness) -> None:
    app = await harness.start_app()
    webhook = f"{app.base_url}/webhook"
    nonce = "ab" * 16

    async def post(body: bytes, secret: str | None) -> tuple[int, bytes]:
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        async with (
            aiohttp.ClientSession() as http,
            http.post(webhook, data=body, headers=headers) as response,
        ):
            return response.status, await response.read()

    status, body = await post(probe_body(nonce), SECRET)
    assert status == 200
    assert json.loads(body) == {PROBE_FIELD: proof(SECRET.encode(), nonce)}
    # Refused like any call without the secret: the probe is no way around it.
    assert (await post(probe_body(nonce), None))[0] == 401
    assert (await post(probe_body(nonce), "wrong"))[0] == 401
    # A malformed probe is refused, not taken for an update.
    for bad in (b'{"lucien_smoke_probe":"short"}', b'{"lucien_smoke_probe":1}', b'{"lucien_'):
        assert (await post(bad, SECRET))[0] == 400
    assert app.metrics.updates._value.get() == 0
    assert harness.emulator.calls_of("sendMessage") == []


def test_webhook_checks_flag_a_recent_error_and_a_backlog() -> None:
    now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    info = WebhookInfo(
        url="https://bot.example/webhook",
        has_custom_certificate=False,
        pending_update_count=150,
        last_error_date=now - timedelta(minutes=3),
        last_error_message="Wrong response from the webhook: 502 Bad Gateway",
    )
    checks = webhook_checks(
        info,
        "https://bot.example/webhook",
        now=now.timestamp(),
        max_error_age=10,
        max_pending=100,
    )
    assert [(c.name, c.status, c.detail) for c in checks] == [
        ("webhook url", "ok", "Telegram sends updates to https://bot.example/webhook"),
        (
            "webhook errors",
            "FAILED",
            "delivery failed 3.0 min ago: Wrong response from the webhook: 502 Bad Gateway",
        ),
        ("webhook pending", "FAILED", "150 updates waiting (over 100)"),
    ]
    # An older error and a backlog within the limit pass.
    checks = webhook_checks(
        info, "https://bot.example/webhook", now=now.timestamp(), max_error_age=2, max_pending=150
    )
    assert [c.status for c in checks] == ["ok", "ok", "ok"]


def test_smoke_without_a_token_is_a_configuration_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    env = {k: None for k in os.environ if k.startswith(_DEPLOYMENT_PREFIXES)}
    result = CliRunner().invoke(core_group(), ["smoke", "http://127.0.0.1:9"], env=env)
    assert result.exit_code == 2
    assert "BOT_TOKEN: missing" in result.stderr
