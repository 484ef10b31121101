"""`lucien run --sandbox`: the whole bot against the built-in emulator, with a web chat.

It lives beside the plugins, not in the core: seeding the demo world uses the vip and
free plugins' services, and the core never imports a plugin.

One process and one event loop hold a FakeClock (time moves only when the page asks), the
Bot API emulator on an internal port, the real BotApplication (every plugin, SQLite, no
Redis, webhook delivery, jobs running) and the web chat on the public port. No Telegram
token is needed: the bot account lives in the emulator.

This module stays light: importing aiogram takes seconds, so `run_sandbox` says it is
starting before it loads the bot (`Sandbox` lives in `box.py`, imported on first use).
"""

from __future__ import annotations

import asyncio
import signal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .box import Sandbox

__all__ = ["Sandbox", "run_sandbox"]


def __getattr__(name: str) -> Any:
    if name == "Sandbox":
        from .box import Sandbox

        return Sandbox
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


async def run_sandbox(port: int = 8080, reset: bool = False, db_path: str | None = None) -> int:
    """Run the sandbox until Ctrl-C or SIGTERM; returns the exit code."""
    print(f"Lucien sandbox: starting{' from a fresh database' if reset else ''}...", flush=True)
    # Handlers first: a Ctrl-C while the bot loads stops it cleanly rather than mid-start.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    from lucien.core.logging import setup_logging

    from .box import Sandbox

    setup_logging("text", "WARNING")
    sandbox = Sandbox(port=port, db_path=db_path, reset=reset)
    if stop.is_set():
        return 0
    try:
        await sandbox.start()
    except OSError as exc:
        await sandbox.stop()
        print(
            f"error: cannot serve the web chat on port {port}: {exc.strerror or exc}\n"
            "       choose another with --port",
            flush=True,
        )
        return 1
    except BaseException:
        await sandbox.stop()
        raise
    bar = "=" * 60
    off = [
        f"{r.name} ({r.reason})" for r in sandbox.ctx.registry.installed() if r.state == "disabled"
    ]
    lines = [
        f"  Lucien sandbox is running: open {sandbox.url}",
        "  (no Telegram: the built-in emulator plays Telegram)",
        f"  database: {sandbox.db_path}",
        *([f"  plugins off: {', '.join(off)}"] if off else []),
        "  Ctrl-C to stop; --reset starts from a fresh database",
    ]
    print(f"\n{bar}\n" + "\n".join(lines) + f"\n{bar}\n", flush=True)
    await stop.wait()
    print("stopping...", flush=True)
    await sandbox.stop()
    print("stopped", flush=True)
    return 0
