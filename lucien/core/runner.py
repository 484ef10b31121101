"""The process: startup in order, serving, and a graceful shutdown.

Startup: settings -> plugins -> migrations -> Redis -> bot -> plugin startup hooks ->
dispatcher -> HTTP -> setWebhook (only when it differs) or long polling -> ready.
Shutdown: /health turns 503, no new updates, in-flight ones finish (bounded), jobs stop,
plugin shutdown hooks, pools close. The webhook is never deleted: the next deployment
owns it.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hashlib
import json
import logging
import signal
import sys
import time
from collections.abc import Iterable
from importlib.metadata import EntryPoint
from typing import Any

from aiogram.types import WebhookInfo
from aiohttp import web

from lucien import __version__
from lucien.core import sentry_setup
from lucien.core.api_metrics import count_api_errors
from lucien.core.app import build_dispatcher, create_bot
from lucien.core.clock import Clock
from lucien.core.config_store import ConfigStore
from lucien.core.context import AppContext
from lucien.core.effects import note_effect
from lucien.core.error_alerts import report_job_failure, report_plugin_failures
from lucien.core.health import APP_KEY, health_view, live_view, metrics_view
from lucien.core.metrics import Metrics
from lucien.core.plugin import HealthResult, Job, MessageKey
from lucien.core.plugins import PluginRegistry, discover_plugins
from lucien.core.roles import collect_roles
from lucien.core.sender import Sender
from lucien.core.settings import ConfigError, Settings
from lucien.core.users import UserTracker
from lucien.core.voice import PlainVoice
from lucien.core.webhook import WebhookHandler

log = logging.getLogger("lucien")

# Seconds the updates cancelled at the drain deadline get to release their claims.
CANCEL_GRACE = 3.0
# Seconds for all the plugins' shutdown hooks together (docs/deploy.md: drainingSeconds).
SHUTDOWN_HOOKS_LIMIT = 10.0


def _one_line(exc: BaseException, limit: int = 300) -> str:
    """The error's type and the first line of its message (SQLAlchemy's run to many)."""
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0] if lines else ''}"[:limit]


class StartupError(Exception):
    """Startup cannot go on (bad plugins, a failed migration); the message says why."""


class BotApplication:
    """One running bot: its context, HTTP server, dispatcher and background jobs."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        entry_points: Iterable[EntryPoint] | None = None,
        registry: PluginRegistry | None = None,
        migrate_in_subprocess: bool = False,
        freeze_heap: bool = False,
    ) -> None:
        self.settings = settings
        # `lucien run` migrates in a child process so that Alembic never loads here.
        self.migrate_in_subprocess = migrate_in_subprocess
        # `lucien run` only: one application per process (tests start many; frozen
        # objects' cycles are never collected).
        self.freeze_heap = freeze_heap
        self._expected_versions: set[str] | None = None
        self.version = __version__
        self._entry_points = entry_points
        self._registry = registry
        self.clock = clock or Clock()
        self.ctx: AppContext = None  # type: ignore[assignment]
        self.metrics = Metrics()
        self.phase = "created"
        self.ready = False
        self.accepting = False
        self.in_flight = 0
        # Read when /metrics is scraped, rather than two gauge updates per update.
        self.metrics.in_flight.set_function(lambda: self.in_flight)
        self.idle = asyncio.Event()
        self.idle.set()
        # The deadlines of the updates being handled: shutdown cuts them short.
        self.deadlines: set[asyncio.Timeout] = set()
        self.cancelling = False
        self.started_monotonic = time.monotonic()
        self.plugin_health_checks: list[Any] = []
        self.messages: dict[str, MessageKey] = {}
        self.base_url: str | None = None
        self._runner: web.AppRunner | None = None
        self._jobs: list[asyncio.Task[None]] = []
        self._polling: asyncio.Task[None] | None = None
        self._stopping = False
        self._at_head_checked = 0.0
        self._at_head = False

    # -- startup --------------------------------------------------------------------------

    async def start(self, *, serve_http: bool = True, run_jobs: bool = True) -> None:
        """Bring the bot up; raises ConfigError / StartupError with a clear message."""
        settings = self.settings
        sentry_setup.init(settings)
        self.phase = "plugins"
        registry = self._registry or discover_plugins(settings, self._entry_points)
        problems = registry.load_plugin_settings()
        if problems and settings.lucien_strict_plugins:
            raise ConfigError(problems)
        ctx = self.ctx = AppContext(settings, registry, self.clock)
        ctx.app = self

        self.phase = "database"
        from lucien.core.db import Database

        ctx.db = Database(settings.database)
        ctx.db.after_commit = note_effect
        self.phase = "migrations"
        if self.migrate_in_subprocess:
            self._expected_versions = await self._migrate_out_of_process()
        else:
            from lucien.core.db.migrate import upgrade_all

            await upgrade_all(settings, registry)
        self._at_head, self._at_head_checked = True, time.monotonic()

        self.phase = "redis"
        from lucien.core.cache import CORE_NAMESPACES
        from lucien.core.state import build_state

        token = settings.bot_token or ""
        ctx.state = await build_state(settings, bot_id=int(token.split(":")[0]), database=ctx.db)
        for ns in CORE_NAMESPACES:
            ctx.cache.register(ns)
        for _record, namespaces in registry.call_each("lucien_cache_namespaces", fail=True):
            for ns in namespaces:
                ctx.cache.register(ns)
        self.metrics.watch_cache(ctx)

        self.phase = "bot"
        ctx.bot = create_bot(token, settings.telegram_api_url)
        count_api_errors(ctx.bot, self.metrics)  # lucien_telegram_api_errors{method,code}
        ctx.users = UserTracker(ctx)
        ctx.config = ConfigStore(ctx)
        ctx.sender = Sender(
            ctx.bot,
            per_second=settings.send_rate,
            on_blocked=ctx.users.mark_blocked,
            redis=ctx.state.redis,
            key_prefix=settings.redis_key_prefix,
        )
        self._collect_messages()
        voice = registry.call_first("lucien_voice", ctx=ctx, messages=self.messages, fail=True)
        ctx.voice = voice if voice is not None else PlainVoice(self.messages)

        self.phase = "plugin startup"
        await registry.acall_each("lucien_startup", ctx=ctx, fail=True)
        # After startup: a plugin that failed to start grants no role.
        ctx.roles = collect_roles(registry)
        for _record, checks in registry.call_each("lucien_health_checks", ctx=ctx):
            self.plugin_health_checks.extend(checks)

        self.phase = "dispatcher"
        ctx.dispatcher = build_dispatcher(ctx, ctx.state.storage, ctx.state.events_isolation)
        if serve_http:
            await self._serve_http()
        me = await ctx.bot.get_me()
        ctx.bot_username = me.username or ""
        if run_jobs:
            self._start_jobs()
        await report_plugin_failures(ctx)
        if self.freeze_heap:
            # What startup loaded (modules, pydantic schemas, routers, the catalogue) lives
            # as long as the process. Left to the collector, each full collection walks
            # all of it: a pause of about 0.4 s every few thousand updates, on every
            # update in flight. Frozen, it is never walked again (measured: 8 ms).
            gc.collect()
            gc.freeze()
        self.accepting = True
        if settings.webhook_url:
            self.phase = "webhook"
            await self._ensure_webhook()
        else:
            self.phase = "polling"
            self._polling = asyncio.create_task(self._poll())
        self.ready = True
        self.phase = "ready"
        log.info(
            "ready: %s plugins enabled (%s), %s",
            len(registry.enabled()),
            ", ".join(r.name for r in registry.enabled()),
            f"webhook {settings.webhook_url}" if settings.webhook_url else "long polling",
        )

    def _collect_messages(self) -> None:
        for record, declared in self.ctx.registry.call_each("lucien_messages", fail=True):
            for message in declared:
                if message.key in self.messages:
                    log.warning("message key %s declared twice (%s)", message.key, record.name)
                self.messages[message.key] = message

    async def _serve_http(self) -> None:
        http = web.Application(client_max_size=self.settings.webhook_max_body)
        http[APP_KEY] = self
        http.router.add_post(self.settings.webhook_path, WebhookHandler(self).__call__)
        http.router.add_get("/health", health_view)
        http.router.add_get("/live", live_view)
        http.router.add_get("/metrics", metrics_view)
        # Before the app is frozen by setup(); a plugin raising leaves its routes out.
        self.ctx.registry.call_each("lucien_http_routes", ctx=self.ctx, app=http)
        # shutdown_timeout: aiohttp's own wait for open requests (60 s by default) comes
        # after our drain, which already settled every update: a second wait is too many.
        self._runner = web.AppRunner(
            http, access_log=None, handle_signals=False, shutdown_timeout=CANCEL_GRACE
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.host, self.settings.port, backlog=1024)
        await site.start()
        port = self._runner.addresses[0][1] if self._runner.addresses else self.settings.port
        self.base_url = f"http://127.0.0.1:{port}"
        log.info("HTTP on %s:%s", self.settings.host, port)

    async def _ensure_webhook(self) -> None:
        """setWebhook only when Telegram's view or what we last set differs.

        getWebhookInfo does not show the secret, so a fingerprint of (url, secret, update
        types) is kept in the database: a changed WEBHOOK_SECRET (or token) is pushed too.
        """
        settings = self.settings
        bot = self.ctx.bot
        allowed = self.ctx.dispatcher.resolve_used_update_types()
        fingerprint = hashlib.sha256(
            "\x00".join(
                [settings.webhook_url or "", settings.effective_webhook_secret, *allowed]
            ).encode()
        ).hexdigest()
        info: WebhookInfo = await bot.get_webhook_info()
        same = info.url == settings.webhook_url and sorted(info.allowed_updates or []) == allowed
        if same and await self._stored_webhook_fingerprint() == fingerprint:
            log.info("webhook already set")
            return
        await bot.set_webhook(
            settings.webhook_url or "",
            secret_token=settings.effective_webhook_secret,
            allowed_updates=allowed,
            max_connections=40,
        )
        await self._store_webhook_fingerprint(fingerprint)
        log.info("webhook set to %s for %s", settings.webhook_url, ", ".join(allowed))

    async def _stored_webhook_fingerprint(self) -> str | None:
        from sqlalchemy import select

        from lucien.core.db.models import PluginSetting

        async with self.ctx.db.session(readonly=True) as session:
            return await session.scalar(
                select(PluginSetting.value).where(
                    PluginSetting.plugin == "core", PluginSetting.key == "webhook_fingerprint"
                )
            )

    async def _store_webhook_fingerprint(self, fingerprint: str) -> None:
        from lucien.core.db import upsert
        from lucien.core.db.models import PluginSetting

        row = {
            "plugin": "core",
            "key": "webhook_fingerprint",
            "value": fingerprint,
            "version": 1,
            "updated_at": self.clock.now(),
        }
        async with self.ctx.db.session() as session:
            await session.execute(
                upsert(
                    session,
                    PluginSetting,
                    row,
                    conflict=["plugin", "key"],
                    update=["value", "version", "updated_at"],
                )
            )

    async def _poll(self) -> None:
        dp = self.ctx.dispatcher
        with contextlib.suppress(asyncio.CancelledError):
            await dp.start_polling(
                self.ctx.bot,
                handle_signals=False,
                close_bot_session=False,
                allowed_updates=dp.resolve_used_update_types(),
            )

    # -- background jobs ------------------------------------------------------------------

    def jobs(self) -> list[Job]:
        found: list[Job] = []
        for _record, jobs in self.ctx.registry.call_each("lucien_jobs", ctx=self.ctx):
            found.extend(jobs)
        return found

    def _start_jobs(self) -> None:
        for job in self.jobs():
            self._jobs.append(asyncio.create_task(self._job_loop(job), name=f"job:{job.name}"))

    async def _job_loop(self, job: Job) -> None:
        """Run `job` every interval until shutdown. An outage (PostgreSQL down) fails every
        tick alike: one warning when it starts, one line when it ends, a count between;
        the traceback goes to debug so a long outage does not flood the log."""
        failing: str | None = None  # the kind of failure in progress, if any
        failed = 0
        while not self._stopping:
            try:
                await job.run(self.ctx)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                kind = type(exc).__qualname__
                failed += 1
                if kind != failing:
                    failing = kind
                    log.warning("job %s failing: %s", job.name, _one_line(exc))
                log.debug("job %s failed (tick %d)", job.name, failed, exc_info=True)
                await report_job_failure(self.ctx, job.name, exc)
            else:
                if failing is not None:
                    log.info("job %s recovered after %d failed runs", job.name, failed)
                    failing, failed = None, 0
            await self.clock.sleep(job.interval)

    async def run_jobs_once(self) -> None:
        """Run every job once, now (tests and the sandbox use it after moving the clock)."""
        for job in self.jobs():
            await job.run(self.ctx)

    # -- health helpers -------------------------------------------------------------------

    async def database_health(self) -> HealthResult:
        latency = await self.ctx.db.ping()
        return HealthResult("database", "pass", "ok", {"latency_ms": round(latency * 1000, 2)})

    async def _migrate_out_of_process(self) -> set[str]:
        """Run `lucien migrate --json` as a child; its failure stops startup."""
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "lucien",
            "migrate",
            "--json",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await proc.communicate()
        if proc.returncode != 0:
            raise StartupError(
                "migrations failed: "
                + (err.decode(errors="replace").strip() or f"exit {proc.returncode}")
            )
        report = json.loads(out.decode().strip().splitlines()[-1])
        for branch, revision in report["applied"]:
            log.info("migrated %s to %s", branch, revision)
        return set(report["versions"])

    async def migrations_health(self) -> HealthResult:
        if time.monotonic() - self._at_head_checked > 30:
            if self._expected_versions is not None:
                from lucien.core.db.versions import recorded_versions

                recorded = await recorded_versions(self.ctx.db.engine)
                self._at_head = recorded == self._expected_versions
            else:
                from lucien.core.db.migrate import is_at_head

                self._at_head = await is_at_head(self.settings, self.ctx.registry)
            self._at_head_checked = time.monotonic()
        if self._at_head:
            return HealthResult("migrations", "pass", "at head")
        return HealthResult("migrations", "fail", "not at head")

    # -- shutdown -------------------------------------------------------------------------

    async def stop(self) -> None:
        """Drain and close; safe to call twice."""
        if self._stopping:
            return
        self._stopping = True
        self.accepting = False
        self.ready = False
        self.phase = "draining"
        log.info("shutting down: draining %s update(s) in flight", self.in_flight)
        ctx = self.ctx
        if self._polling is not None and ctx and ctx.dispatcher:
            with contextlib.suppress(RuntimeError):
                await ctx.dispatcher.stop_polling()
            self._polling.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._polling
        try:
            await asyncio.wait_for(self.idle.wait(), self.settings.drain_timeout)
        except TimeoutError:
            await self._cancel_in_flight()
        for task in self._jobs:
            task.cancel()
        await asyncio.gather(*self._jobs, return_exceptions=True)
        if ctx is not None:
            try:
                # One budget for every plugin's shutdown hook and the last user writes:
                # the deployment's drainingSeconds allows DRAIN_TIMEOUT + this, no more.
                async with asyncio.timeout(SHUTDOWN_HOOKS_LIMIT):
                    if ctx.dispatcher is not None:
                        await ctx.registry.acall_each(
                            "lucien_shutdown", ctx=ctx, time_limit=SHUTDOWN_HOOKS_LIMIT
                        )
                    users = getattr(ctx, "users", None)
                    if users is not None:
                        await users.drain()
            except TimeoutError:
                log.warning("shutdown hooks overran %.0f s; cut short", SHUTDOWN_HOOKS_LIMIT)
        if self._runner is not None:
            await self._runner.cleanup()
        if ctx is not None:
            if ctx.state is not None:
                await ctx.state.close()
            if ctx.bot is not None:
                await ctx.bot.session.close()
            if ctx.db is not None:
                await ctx.db.dispose()
        self.phase = "stopped"
        log.info("stopped")

    async def _cancel_in_flight(self) -> None:
        """Cut short the updates still running at the drain deadline: each releases its
        claim and answers 503, so Telegram redelivers it to another replica (a Bot API
        that hangs must not keep the process past Railway's drainingSeconds)."""
        log.warning("drain timeout: cancelling %s update(s) in flight", self.in_flight)
        self.cancelling = True
        now = asyncio.get_running_loop().time()
        for deadline in list(self.deadlines):
            with contextlib.suppress(RuntimeError):  # finished meanwhile
                deadline.reschedule(now)
        # Each one's release is one Redis or database call; a few seconds at most.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.idle.wait(), CANCEL_GRACE)

    async def run_until_signal(self) -> int:
        """Start, serve until SIGTERM or SIGINT, then stop. Returns the exit code."""
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        try:
            await self.start()
        except BaseException:
            await self.stop()
            raise
        await stop.wait()
        log.info("signal received")
        await self.stop()
        return 0
