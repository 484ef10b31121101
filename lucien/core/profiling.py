"""Profiling with pyinstrument: the live process (`/profile`) and a local run (`lucien profile`).

The live profile samples the event loop's thread while the bot keeps serving, so the
report shows every handler, service and library call that ran meanwhile, whichever task
it belonged to (hence `async_mode="disabled"`: "enabled" would follow only the task that
started the profiler, which merely sleeps). Only one profile runs at a time per process:
two profilers on one thread would fight over the interpreter's profile hook.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
import time
from pathlib import Path
from typing import Any

log = logging.getLogger("lucien.profiling")

MAX_SECONDS = 60.0
# Fine enough to catch a handler that runs for a millisecond, cheap enough for a minute.
INTERVAL = 0.0005

_running = False


class ProfileBusy(RuntimeError):
    """A profile is already being taken in this process."""


def profile_running() -> bool:
    """Whether a profile is being taken in this process right now."""
    return _running


def clamp_seconds(seconds: float) -> float:
    """Between a tenth of a second and a minute: longer would only bloat the report."""
    return max(0.1, min(float(seconds), MAX_SECONDS))


async def profile_live(seconds: float) -> str:
    """Sample this process for `seconds` (at most 60) while it serves; the HTML report."""
    from pyinstrument import Profiler

    global _running
    if _running:
        raise ProfileBusy
    _running = True
    try:
        profiler = Profiler(interval=INTERVAL, async_mode="disabled")
        profiler.start()
        try:
            await asyncio.sleep(clamp_seconds(seconds))  # the rest of the process keeps serving
        finally:
            profiler.stop()
        return str(profiler.output_html())
    finally:
        _running = False


async def _drive_traffic(actors: list[Any], until: float) -> int:
    """The actors say /start in turn until `until`; returns how many updates were handled."""
    sent = 0
    while time.monotonic() < until:
        for actor in actors:
            await actor.send("/start")
            sent += 1
    return sent


async def profile_local_run(seconds: float = 10, output: str = "lucien-profile.html") -> int:
    """`lucien profile`: the whole bot against the emulator on a temp SQLite, under load.

    Nothing outside this process is touched: the emulator stands in for Telegram, the
    database is a throwaway file, and Redis is not used.
    """
    from pyinstrument import Profiler

    from lucien.core.clock import Clock
    from lucien.core.testing.harness import BotHarness

    seconds = clamp_seconds(seconds)
    with tempfile.TemporaryDirectory(prefix="lucien-profile-") as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'profile.db'}"
        async with BotHarness(database_url=url, clock=Clock()) as harness:
            actors = [harness.admin("Custodian"), *(harness.user(f"Guest{i}") for i in range(3))]
            await harness.start_app()
            profiler = Profiler(interval=INTERVAL, async_mode="disabled")
            profiler.start()
            try:
                sent = await _drive_traffic(actors, time.monotonic() + seconds)
            finally:
                profiler.stop()
    # Once, after the run: a blocking write no longer delays anything being measured.
    Path(output).write_text(profiler.output_html(), encoding="utf-8")  # noqa: ASYNC240
    print(f"profiled {seconds:.1f} s, {sent} updates handled; report written to {output}")
    return 0
