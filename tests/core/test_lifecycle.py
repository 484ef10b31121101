"""The process as Railway runs it: plugins isolated at startup, SIGTERM drains."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from lucien.core.testing.emulator import Emulator
from lucien.core.testing.harness import BotHarness, free_port

BROKEN = [
    EntryPoint("import_error", "tests.fixtures.broken.import_error:plugin", "lucien.plugins"),
    EntryPoint("startup_error", "tests.fixtures.broken.startup_error:plugin", "lucien.plugins"),
]


async def test_broken_plugins_are_reported_and_the_others_still_serve(
    harness: BotHarness, greeter_entry_points: list[EntryPoint]
) -> None:
    harness.entry_points = [*greeter_entry_points, *BROKEN]
    await harness.start_app()
    app = harness.app
    records = app.ctx.registry.records
    assert records["import_error"].state == "failed"
    assert "broken on import" in records["import_error"].reason
    assert records["startup_error"].state == "failed"
    assert "cannot start, on purpose" in records["startup_error"].reason

    async with aiohttp.ClientSession() as session, session.get(f"{app.base_url}/health") as r:
        body = await r.json()
    assert r.status == 200  # the core is ready; broken plugins are warnings
    assert body["plugins"]["import_error"]["status"] == "warn"
    assert body["plugins"]["startup_error"]["state"] == "failed"
    assert body["status"] == "warn"

    ana = harness.user("Ana")
    await ana.send("/greet")
    assert ana.last.text == "Greetings from a third-party plugin, Ana."
    await ana.send("/never")  # the failed plugin's router was left out
    assert all("must not be served" not in m.text for m in ana.messages)


async def test_lucien_plugins_lists_state_and_reason(greeter_site: Path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": f"{greeter_site}{os.pathsep}{Path.cwd()}",
        "BOT_TOKEN": "123:" + "a" * 35,
        "LUCIEN_DISABLED_PLUGINS": "diagnostics",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "lucien.core.cli",
        "plugins",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    lines = {line.split()[0]: line for line in out.decode().splitlines()[1:]}
    assert "1.2.3" in lines["greeter"] and "enabled" in lines["greeter"]
    assert "disabled" in lines["diagnostics"] and "LUCIEN_DISABLED_PLUGINS" in lines["diagnostics"]


async def test_the_greeter_contributes_nothing_when_left_out(
    harness: BotHarness, greeter_entry_points: list[EntryPoint]
) -> None:
    harness.entry_points = greeter_entry_points
    harness.plugins = ["voice"]
    await harness.start_app()
    assert harness.app.ctx.registry.records["greeter"].state == "disabled"
    ana = harness.user("Ana")
    await ana.send("/greet")
    # Nothing of the greeter's: the command is unknown to the bot that runs.
    assert all("third-party" not in m.text for m in ana.messages)
    assert len(ana.messages) == 1 and ana.last.buttons  # the unknown-command line + menu


async def _until(session: aiohttp.ClientSession, url: str, ok: Any, within: float = 10.0) -> None:
    """Poll `url` until `ok(response, body)`; the event itself, never a guessed delay."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        async with session.get(url) as r:
            if ok(r, await r.text()):
                return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{url}: condition not met within {within}s")


def _slow_update(update_id: int, seconds: float) -> bytes:
    return json.dumps(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": 1767268800,
                "text": f"/slow {seconds}",
                "chat": {"id": 1000 + update_id, "type": "private", "first_name": "U"},
                "from": {"id": 1000 + update_id, "is_bot": False, "first_name": "U"},
                "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
            },
        }
    ).encode()


@pytest.mark.parametrize("db_kind", ["sqlite"], indirect=True)
async def test_sigterm_drains_twenty_slow_updates(
    greeter_site: Path, tmp_path: Path, database_url: str
) -> None:
    """SIGTERM: /health turns 503, the 20 in-flight updates are answered, exit 0."""
    async with Emulator() as emu:
        account = emu.create_bot()
        port = free_port()
        env = {
            **os.environ,
            "PYTHONPATH": f"{greeter_site}{os.pathsep}{Path.cwd()}",
            "BOT_TOKEN": account.token,
            "TELEGRAM_API_URL": emu.base_url,
            "WEBHOOK_BASE_URL": f"http://127.0.0.1:{port}",
            "WEBHOOK_SECRET": "s3cret",
            "PORT": str(port),
            "HOST": "127.0.0.1",
            "DATABASE_URL": database_url,
            "LUCIEN_PLUGINS": "greeter",
            "DRAIN_TIMEOUT": "10",
            "LOG_FORMAT": "json",
        }
        env.pop("REDIS_URL", None)
        log_path = tmp_path / "lucien.log"  # a file, not a pipe nobody reads meanwhile
        log_file = log_path.open("wb")
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "lucien.core.cli",
            "run",
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=log_file,
        )
        base = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession() as session:
            for _ in range(900):  # startup, on a machine busy with other tests
                try:
                    async with session.get(f"{base}/health") as r:
                        if r.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
            else:
                proc.kill()
                raise AssertionError(log_path.read_text()[-3000:])

            async def post(i: int) -> dict[str, Any]:
                async with session.post(
                    f"{base}/webhook",
                    data=_slow_update(i, 1.5),
                    headers={
                        "X-Telegram-Bot-Api-Secret-Token": "s3cret",
                        "Content-Type": "application/json",
                    },
                ) as r:
                    assert r.status == 200
                    return await r.json()

            tasks = [asyncio.create_task(post(i)) for i in range(1, 21)]
            await _until(
                session, f"{base}/metrics", lambda r, body: "lucien_updates_in_flight 20.0" in body
            )
            signalled = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            await _until(session, f"{base}/health", lambda r, body: r.status == 503)
            assert not any(t.done() for t in tasks)  # 503 came while all twenty were in flight
            replies = await asyncio.gather(*tasks)
        code = await asyncio.wait_for(proc.wait(), 15)
        elapsed = time.monotonic() - signalled
        log_file.close()
        stderr = log_path.read_text()
    assert [r["text"] for r in replies] == ["slow done"] * 20
    assert code == 0, stderr[-3000:]
    assert elapsed < 10
    assert account.token not in stderr
    assert "draining 20 update(s)" in stderr
