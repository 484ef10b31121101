"""The sandbox itself: the emulator, the bot and the web chat, started and stopped together.

One process and one event loop hold a FakeClock (time moves only when the page asks), the
Bot API emulator on an internal port, the real BotApplication (every plugin, SQLite, no
Redis, webhook delivery, jobs run under the page's lock) and the web chat on the public port. No Telegram
token is needed: the bot account lives in the emulator.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

# Aliased: importing the `.web` submodule rebinds the package attribute `web`.
from aiohttp import web as aiohttp_web
from sqlalchemy import text

from lucien.core.clock import FakeClock
from lucien.core.runner import BotApplication
from lucien.core.settings import Settings
from lucien.core.testing.emulator import Emulator, UserActor

from . import world
from .world import ActorSpec

log = logging.getLogger("lucien.sandbox")

DEFAULT_DB = "sandbox.db"
#: Jobs run at least this often while the clock jumps, so a long jump still sees every
#: step on the way (the VIP reminder 24 h before the end, then the expiry).
MAX_STEP = timedelta(hours=12)
# How often the page's bot runs its jobs in real time (between the page's jumps).
JOB_TICK_S = 1.0
_STATE_TABLE = "sandbox_state"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Sandbox:
    """The emulator, the bot and the web chat, started and stopped together."""

    def __init__(
        self,
        *,
        port: int = 8080,
        db_path: str | None = None,
        reset: bool = False,
        host: str = "127.0.0.1",
        plugins: list[str] | None = None,
        disabled_plugins: list[str] | None = None,
    ) -> None:
        self.host = host
        # Which plugins run: LUCIEN_PLUGINS / LUCIEN_DISABLED_PLUGINS from the environment
        # unless given here, as for the bot itself (an empty list is "none disabled").
        self._plugin_choice: dict[str, Any] = {}
        if plugins is not None:
            self._plugin_choice["lucien_plugins"] = plugins
        if disabled_plugins is not None:
            self._plugin_choice["lucien_disabled_plugins"] = disabled_plugins
        self.port = port
        self.db_path = Path(db_path or DEFAULT_DB).resolve()
        self.reset = reset
        self.clock = FakeClock(world.now_utc())
        self.emulator = Emulator(clock=self.clock, limits="off")
        self.app: BotApplication | None = None
        self.actors: dict[int, UserActor] = {}
        self.specs: dict[int, ActorSpec] = {}
        self.url = ""
        self._web: aiohttp_web.AppRunner | None = None
        #: One thing happens at a time: a user acting mid-jump would see a half-moved clock.
        self.lock = asyncio.Lock()
        self._ticker: asyncio.Task[None] | None = None

    # -- lifecycle ----------------------------------------------------------------------

    @property
    def ctx(self) -> Any:
        assert self.app is not None, "the sandbox is not started"
        return self.app.ctx

    async def start(self) -> None:
        """Bring everything up and seed the demo world; `url` is the web chat."""
        saved = self._prepare_files()
        custom = [ActorSpec(**a) for a in saved.get("actors", [])]
        if saved.get("clock"):
            # Never go back in time: the database holds dates the clock already passed.
            self.clock.set(max(self.clock.now(), datetime.fromisoformat(saved["clock"])))
        self.actors = world.build_world(self.emulator, custom)
        self.specs = {s.id: s for s in (*world.BUILT_IN, *custom)}
        await self.emulator.start()

        bot_port = _free_port()
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            sandbox=True,
            bot_token=world.BOT_TOKEN,
            database_url=f"sqlite+aiosqlite:///{self.db_path}",
            redis_url=None,
            telegram_api_url=self.emulator.base_url,
            webhook_base_url=f"http://127.0.0.1:{bot_port}",
            webhook_secret="sandbox-secret",
            host="127.0.0.1",
            port=bot_port,
            admin_ids=[world.ADMIN_ID],
            env="development",
            drain_timeout=5.0,
            # Flood control counts on the bot's clock, which here stands still between
            # the page's jumps: any limit would lock a user out until the next jump.
            flood_rate=0,
            **self._plugin_choice,
        )
        self.app = BotApplication(settings, clock=self.clock)
        # The jobs run only under the page's lock (each second, and at each step of a jump
        # of time), never beside a jump: a delivery in flight while the clock leapt 12 h
        # would see its lease expired and be claimed again (a reminder sent twice).
        await self.app.start(serve_http=True, run_jobs=False)
        await self._ensure_state_table()

        await world.configure(self.ctx)
        await world.restore_links(self.ctx, self.emulator)
        await world.seed_vip_member(self.ctx, self.emulator, self.actors[world.VIP_ID])
        await self.emulator.wait_idle()

        from .web import build_web_app

        self._web = aiohttp_web.AppRunner(
            build_web_app(self), access_log=None, handle_signals=False
        )
        await self._web.setup()
        await aiohttp_web.TCPSite(self._web, self.host, self.port).start()
        bound = self._web.addresses[0][1] if self._web.addresses else self.port
        self.url = f"http://{self.host}:{bound}"
        self._ticker = asyncio.create_task(self._tick())

    async def _tick(self) -> None:
        """Run the jobs every real second, the clock standing still: what is due now (a
        broadcast sent, a post published, the outbox) happens without a jump of time.
        Their loops sleep on the sandbox's clock, which only the page moves."""
        assert self.app is not None
        while True:
            await asyncio.sleep(JOB_TICK_S)
            async with self.lock:
                try:
                    await self.app.run_jobs_once()
                except Exception:  # a job's failure is logged by it; the page goes on
                    log.exception("sandbox job tick")

    async def stop(self) -> None:
        """Save the clock and the people, then stop the page, the bot and the emulator."""
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None
        if self.app is not None and self.app.ctx is not None and self.app.ctx.db is not None:
            with contextlib.suppress(Exception):
                await self._save_state()
        if self._web is not None:
            await self._web.cleanup()
            self._web = None
        if self.app is not None:
            await self.app.stop()
        await self.emulator.stop()

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- what the page does -------------------------------------------------------------

    def add_actor(self, name: str, language: str) -> UserActor:
        """A new Telegram user (any language code) who has never talked to the bot."""
        new_id = max([world.FIRST_CUSTOM_ID - 1, *self.specs]) + 1
        spec = ActorSpec(
            new_id, name.strip()[:64] or "Usuario", language.strip()[:8] or "es", "user"
        )
        self.specs[new_id] = spec
        self.actors[new_id] = self.emulator.add_user(
            spec.name, language_code=spec.language, user_id=new_id
        )
        return self.actors[new_id]

    async def advance(self, delta: timedelta) -> datetime:
        """Move the clock forward, running the jobs on the way and once at the end."""
        assert self.app is not None
        async with self.lock:
            remaining = delta
            while remaining > timedelta(0):
                step = min(remaining, MAX_STEP)
                self.clock.advance(step.total_seconds())
                remaining -= step
                await self.app.run_jobs_once()
                await self.emulator.wait_idle()
            await self._save_state()
            return self.clock.now()

    # -- persistence of the in-memory side ----------------------------------------------

    def _prepare_files(self) -> dict[str, Any]:
        """Delete the database on --reset, make its folder, and read the saved state.

        Synchronous on purpose: it runs once, before anything else is served.
        """
        if self.reset:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{self.db_path}{suffix}").unlink(missing_ok=True)
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        return self._read_saved_state()

    def _read_saved_state(self) -> dict[str, Any]:
        """The clock and page-created people of the previous run (sync: before the loop works)."""
        if not self.db_path.exists():
            return {}
        import sqlite3

        try:
            with contextlib.closing(sqlite3.connect(self.db_path)) as conn:
                rows = conn.execute(f"SELECT key, value FROM {_STATE_TABLE}").fetchall()
        except sqlite3.Error:
            return {}
        return {key: json.loads(value) for key, value in rows}

    async def _ensure_state_table(self) -> None:
        async with self.ctx.db.session() as s:
            await s.execute(
                text(
                    f"CREATE TABLE IF NOT EXISTS {_STATE_TABLE} "
                    "(key TEXT PRIMARY KEY, value TEXT NOT NULL)"
                )
            )

    async def _save_state(self) -> None:
        custom = [s.__dict__ for s in self.specs.values() if s.id >= world.FIRST_CUSTOM_ID]
        values = {"clock": self.clock.now().isoformat(), "actors": custom}
        async with self.ctx.db.session() as s:
            for key, value in values.items():
                await s.execute(
                    text(f"INSERT OR REPLACE INTO {_STATE_TABLE} (key, value) VALUES (:k, :v)"),
                    {"k": key, "v": json.dumps(value)},
                )
