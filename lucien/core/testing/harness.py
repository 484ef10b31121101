"""Drive the whole bot through the emulator, as users would.

    async def test_start(bot_app):
        ana = bot_app.user("Ana")
        await ana.send("/start")
        assert "Ana" in ana.last.text

    async def test_start_budget(bot_app):
        ana = bot_app.user("Ana")
        await ana.send("/start")                  # known from now on
        async with bot_app.count_queries() as q:  # the SQL of the updates inside
            await ana.send("/start")
        q.assert_at_most(0, "a known user's /start")  # else fails listing them

`BotHarness` starts the emulator, a bot account in it, and the real application (HTTP
server, webhook, database, plugins), wired so that updates go emulator -> POST /webhook ->
handlers -> Bot API calls back to the emulator. Every actor action returns once the bot
has handled it; nothing sleeps.

The voice's frame (the house style's header before every private text, on in production
and in the sandbox) is off here unless asked for (`house_style=True`, or
`@pytest.mark.lucien(house_style=True)`): suites assert the exact texts plugins write.
"""

from __future__ import annotations

import secrets
import socket
from collections.abc import Iterable
from contextlib import AbstractAsyncContextManager
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

from lucien.core.clock import Clock, FakeClock
from lucien.core.framing import frame_point
from lucien.core.runner import BotApplication
from lucien.core.settings import Settings
from lucien.core.testing.emulator import Emulator
from lucien.core.testing.queries import QueryCount, count_queries, job_run


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class BotHarness:
    """One emulator and any number of bot applications (replicas) sharing a bot account."""

    def __init__(
        self,
        *,
        database_url: str,
        clock: Clock | None = None,
        limits: str = "off",
        redis_url: str | None = None,
        webhook: bool = True,
        admin_ids: Iterable[int] = (),
        plugins: list[str] | None = None,
        disabled_plugins: Iterable[str] = (),
        entry_points: Iterable[EntryPoint] | None = None,
        env: dict[str, str] | None = None,
        house_style: bool = False,
    ) -> None:
        self.clock = clock or FakeClock()
        self.emulator = Emulator(clock=self.clock, limits=limits)
        self.database_url = database_url
        self.redis_url = redis_url
        self.webhook = webhook
        self.admin_ids = list(admin_ids)
        self.plugins = plugins
        self.disabled_plugins = list(disabled_plugins)
        self.entry_points = entry_points
        self.env = env or {}
        # Off by default: the suites assert the texts plugins write, not the header the core
        # puts before them (on, each replica frames as the voice says: VOICE_HOUSE_STYLE).
        self.house_style = house_style
        self.apps: list[BotApplication] = []
        self.account: Any = None
        self.redis_prefix = f"lucien-test-{secrets.token_hex(4)}"

    async def __aenter__(self) -> BotHarness:
        await self.emulator.start()
        self.account = self.emulator.create_bot()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        for app in self.apps:
            await app.stop()
        await self.emulator.stop()

    def settings(self, **overrides: Any) -> Settings:
        """Settings of one replica; environment-like overrides take plain field names."""
        port = free_port()
        values: dict[str, Any] = {
            "bot_token": self.account.token,
            "database_url": self.database_url,
            "redis_url": self.redis_url,
            "redis_key_prefix": self.redis_prefix,
            "telegram_api_url": self.emulator.base_url,
            "webhook_base_url": f"http://127.0.0.1:{port}" if self.webhook else None,
            "webhook_secret": "test-secret",
            "host": "127.0.0.1",
            "port": port,
            "admin_ids": self.admin_ids,
            "lucien_plugins": self.plugins,
            "lucien_disabled_plugins": self.disabled_plugins,
            "env": "development",
            "drain_timeout": 5.0,
        }
        values.update(overrides)
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]

    async def start_app(
        self, *, run_jobs: bool = False, house_style: bool | None = None, **overrides: Any
    ) -> BotApplication:
        """Start one more replica; jobs are run explicitly with `run_jobs()` by default.
        `house_style` overrides the harness's choice for this replica."""
        app = BotApplication(
            self.settings(**overrides), clock=self.clock, entry_points=self.entry_points
        )
        self.apps.append(app)
        await app.start(run_jobs=run_jobs)
        if not (self.house_style if house_style is None else house_style):
            # Nothing private is sent during startup: switched off before the first update.
            frame_point(app.ctx).set_header("")
        return app

    @property
    def app(self) -> BotApplication:
        return self.apps[0]

    @property
    def ctx(self) -> Any:
        return self.app.ctx

    def user(self, first_name: str = "Ana", **kwargs: Any) -> Any:
        """A Telegram user who can talk to the bot."""
        return self.emulator.add_user(first_name, **kwargs)

    def admin(self, first_name: str = "Admin", **kwargs: Any) -> Any:
        """A user whose id is in ADMIN_IDS (call before `start_app`)."""
        actor = self.emulator.add_user(first_name, **kwargs)
        self.admin_ids.append(actor.id)
        return actor

    async def run_jobs(self, only: Iterable[str] | None = None) -> None:
        """Run every replica's jobs once, now (after moving the clock); `only` names the
        jobs to run (`{"free.approvals", "core.outbox"}`), when the others would blur what
        a test measures."""
        names = None if only is None else set(only)
        with job_run():  # a query count tells these statements apart (`jobs=True`)
            for app in self.apps:
                if names is None:
                    await app.run_jobs_once()
                    continue
                for job in app.jobs():
                    if job.name in names:
                        await job.run(app.ctx)
        await self.emulator.wait_idle()

    def count_queries(self, *, jobs: bool = False) -> AbstractAsyncContextManager[QueryCount]:
        """Count the SQL statements every replica runs for the updates handled inside
        the block (`q.count`, `q.statements`, `q.assert_at_most(n)`); job runs count too
        with `jobs=True`. See `lucien.core.testing.queries`."""
        return count_queries(self.apps, jobs=jobs, emulator=self.emulator)

    async def advance(self, seconds: float = 0, **delta: float) -> None:
        """Move the clock forward, then run the jobs that became due."""
        if not isinstance(self.clock, FakeClock):
            raise TypeError("advance() needs the FakeClock")
        self.clock.advance(seconds, **delta)
        await self.run_jobs()


def artifacts_dir() -> Path:
    path = Path("artifacts")
    path.mkdir(exist_ok=True)
    return path
