"""Database and business logic of the diagnostics plugin.

- The report: one screen built from the core's health, migration status, the webhook as
  Telegram sees it, cache counters, jobs and the bot's rights in every configured channel.
- Test runs: the core runner (`lucien.core.testing.suites`) in a background task, so the
  webhook answers at once; one run at a time across replicas (a Redis lock, or an
  in-process lock without Redis); a progress message edited in place; the full report
  as a document.
- Profiles: the core's live pyinstrument profile, sent back as an HTML document.

The plugin owns no tables: it reads, it never writes production data.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiogram.types import BufferedInputFile
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from lucien.core.health import collect_health
from lucien.core.profiling import ProfileBusy, clamp_seconds, profile_live, profile_running
from lucien.core.testing.suites import (
    MAX_FAILURES_SHOWN,
    RunResult,
    SuiteResult,
    UnknownPlugin,
    collect_suites,
    run_suites,
)

if TYPE_CHECKING:
    from lucien.core.context import AppContext

log = logging.getLogger("lucien.diagnostics")

# Compare-and-delete: a replica only releases the lock it holds (not one taken after
# its own expired).
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class DiagnosticsSettings(BaseSettings):
    """`DIAGNOSTICS_*`: limits of test runs from chat."""

    model_config = SettingsConfigDict(env_prefix="DIAGNOSTICS_", extra="ignore")

    test_timeout: float = Field(600.0, gt=0, description="Seconds a whole test run may take")
    allow_postgres: bool = Field(
        False, description="Let suites use LUCIEN_TEST_PG_URL for throwaway PostgreSQL databases"
    )


@dataclass
class Outcome:
    """What a handler should answer: a voice key and its context (None: nothing more)."""

    key: str | None
    context: dict[str, Any]


def _uptime(seconds: float) -> str:
    seconds = int(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h {minutes:02d} min"
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min {secs:02d} s"


def replica_name() -> str:
    """Railway's replica id when deployed, else host and process id."""
    return os.environ.get("RAILWAY_REPLICA_ID") or f"{socket.gethostname()}:{os.getpid()}"


def _compact(data: dict[str, Any]) -> str:
    return ", ".join(f"{k} {v}" for k, v in data.items() if k not in ("status", "detail"))


class DiagnosticsService:
    """Kept per application (`diagnostics_service(ctx)`): the in-process lock and tasks."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self._local_lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[Any]] = set()

    # -- the report -----------------------------------------------------------------------

    async def report(self, user: Any) -> str:
        """The whole diagnostics screen, HTML, every value escaped by the voice."""
        ctx, app = self.ctx, self.ctx.app
        say = ctx.voice.say
        health = await collect_health(app)
        checks = health["checks"]
        counts = {"pass": 0, "warn": 0, "fail": 0}
        for entry in [*checks.values(), *health["plugins"].values()]:
            counts[entry["status"]] += 1
        lines = [
            await say(
                "diagnostics.report.header",
                user=user,
                passed=counts["pass"],
                warned=counts["warn"],
                failed=counts["fail"],
            ),
            await say(
                "diagnostics.report.version",
                user=user,
                version=app.version,
                uptime=_uptime(time.monotonic() - app.started_monotonic),
                replica=replica_name(),
            ),
            "",
            await say("diagnostics.report.section.components", user=user),
        ]
        for name, entry in checks.items():
            detail = " ".join(p for p in (entry.get("detail", ""), _compact(entry)) if p)
            lines.append(
                await say(
                    "diagnostics.report.check",
                    user=user,
                    name=name,
                    status=entry["status"],
                    detail=detail,
                )
            )
        lines.append(await self._webhook_line(user))
        lines += ["", await say("diagnostics.report.section.plugins", user=user)]
        for name, entry in sorted(health["plugins"].items()):
            lines.append(
                await say(
                    "diagnostics.report.plugin",
                    user=user,
                    name=name,
                    version=entry.get("version", "?"),
                    state=entry["state"],
                    reason=entry.get("reason") or "",
                )
            )
        lines += ["", await say("diagnostics.report.section.migrations", user=user)]
        lines += await self._migration_lines(user)
        lines += ["", await say("diagnostics.report.section.cache", user=user)]
        lines += await self._cache_lines(user)
        lines += ["", await say("diagnostics.report.section.jobs", user=user)]
        lines += await self._job_lines(user, checks)
        channel_lines = await self._channel_lines(user)
        if channel_lines:
            lines += ["", await say("diagnostics.report.section.channels", user=user)]
            lines += channel_lines
        return "\n".join(lines)

    async def _webhook_line(self, user: Any) -> str:
        say = self.ctx.voice.say
        try:
            info = await self.ctx.bot.get_webhook_info()
        except Exception as exc:  # Telegram unreachable is itself worth reporting
            return await say(
                "diagnostics.report.check",
                user=user,
                name="webhook",
                status="fail",
                detail=repr(exc),
            )
        error = info.last_error_message or await say("diagnostics.report.none", user=user)
        if info.last_error_message and info.last_error_date:
            error = f"{error} ({info.last_error_date:%Y-%m-%d %H:%M} UTC)"
        return await say(
            "diagnostics.report.webhook", user=user, pending=info.pending_update_count, error=error
        )

    async def _migration_lines(self, user: Any) -> list[str]:
        from lucien.core.db.migrate import migration_status

        say = self.ctx.voice.say
        try:
            statuses = await migration_status(self.ctx.settings, self.ctx.registry)
        except Exception as exc:
            return [
                await say(
                    "diagnostics.report.check",
                    user=user,
                    name="migrations",
                    status="fail",
                    detail=repr(exc),
                )
            ]
        return [
            await say(
                "diagnostics.report.migration",
                user=user,
                branch=s.branch,
                current=s.current or "-",
                head=s.head or "-",
                pending=len(s.pending),
            )
            for s in statuses
            if s.enabled or s.current
        ]

    async def _cache_lines(self, user: Any) -> list[str]:
        lines = []
        for ns, stats in sorted(self.ctx.cache.stats().items()):
            hits = int(stats.get("hits", 0))
            lookups = hits + int(stats.get("misses", 0))
            rate = f"{hits / lookups:.0%}" if lookups else "-"
            lines.append(
                await self.ctx.voice.say(
                    "diagnostics.report.cache",
                    user=user,
                    namespace=ns,
                    rate=rate,
                    hits=hits,
                    lookups=lookups,
                )
            )
        return lines

    async def _job_lines(self, user: Any, checks: dict[str, Any]) -> list[str]:
        """Jobs with their interval; a depth when a plugin's health check publishes it
        (data `queues: {job name: rows waiting}`)."""
        queues: dict[str, Any] = {}
        for entry in checks.values():
            if isinstance(entry.get("queues"), dict):
                queues.update(entry["queues"])
        return [
            await self.ctx.voice.say(
                "diagnostics.report.job",
                user=user,
                name=job.name,
                interval=f"{job.interval:g}",
                depth=queues.get(job.name, "-"),
            )
            for job in self.ctx.app.jobs()
        ]

    async def _channel_lines(self, user: Any) -> list[str]:
        """For every channel setting in force, the rights the bot lacks there."""
        ctx, say = self.ctx, self.ctx.voice.say
        lines: list[str] = []
        for record in ctx.registry.enabled():
            if record.settings is None:
                continue
            channels = {
                name: (f.json_schema_extra or {}).get("lucien", {})  # type: ignore[union-attr]
                for name, f in type(record.settings).model_fields.items()
                if isinstance(f.json_schema_extra, dict)
                and f.json_schema_extra.get("lucien", {}).get("kind") == "channel"  # type: ignore[union-attr]
            }
            if not channels:
                continue
            values = await ctx.config.get(record.name)
            for name, meta in channels.items():
                channel = getattr(values, name, None)
                if channel in (None, ""):
                    continue
                setting = f"{record.name}.{name}"
                wanted = list(meta.get("rights", []))
                try:
                    member = await ctx.bot.get_chat_member(channel, ctx.bot.id)
                except Exception as exc:
                    lines.append(
                        await say(
                            "diagnostics.report.channel_unreachable",
                            user=user,
                            setting=setting,
                            channel=str(channel),
                            error=str(exc),
                        )
                    )
                    continue
                if member.status == "creator":
                    missing: list[str] = []
                elif member.status != "administrator":
                    missing = ["administrator", *wanted]
                else:
                    missing = [r for r in wanted if not getattr(member, r, False)]
                key = (
                    "diagnostics.report.channel_missing"
                    if missing
                    else "diagnostics.report.channel_ok"
                )
                lines.append(
                    await say(
                        key,
                        user=user,
                        setting=setting,
                        channel=str(channel),
                        missing=", ".join(missing),
                    )
                )
        return lines

    # -- one run at a time ----------------------------------------------------------------

    def _redis(self) -> Any:
        state = self.ctx.state
        redis = getattr(state, "redis", None)
        up = getattr(getattr(state, "availability", None), "up", True)
        return redis if redis is not None and up else None

    @property
    def _lock_key(self) -> str:
        return f"{self.ctx.settings.redis_key_prefix}:diagnostics:tests"

    async def _acquire(self, ttl: float) -> str | None:
        """A token when this replica may run tests now, None when a run is under way."""
        token = secrets.token_hex(8)
        redis = self._redis()
        if redis is not None:
            with contextlib.suppress(Exception):
                ok = await redis.set(self._lock_key, token, nx=True, ex=int(ttl) + 60)
                return token if ok else None
        if self._local_lock.locked():
            return None
        await self._local_lock.acquire()
        return "local:" + token

    async def _release(self, token: str) -> None:
        if token.startswith("local:"):
            self._local_lock.release()
            return
        redis = self._redis()
        if redis is not None:
            with contextlib.suppress(Exception):
                await redis.eval(_RELEASE, 1, self._lock_key, token)

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def wait_idle(self) -> None:
        """Wait for the background runs and profiles started so far (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # -- test runs ------------------------------------------------------------------------

    async def start_test_run(self, user: Any, chat_id: int, plugin: str | None) -> Outcome:
        """Start a run in the background, or say why not (busy, unknown plugin, nothing)."""
        try:
            suites = collect_suites(self.ctx.registry, plugin)
        except UnknownPlugin:
            return Outcome("diagnostics.tests.unknown_plugin", {"plugin": plugin})
        if not suites:
            return Outcome("diagnostics.tests.none", {})
        settings = await self.ctx.config.get("diagnostics")
        token = await self._acquire(settings.test_timeout)
        if token is None:
            return Outcome("diagnostics.tests.busy", {})
        try:
            names = ", ".join(name for name, _ in suites)
            text = await self.ctx.voice.say("diagnostics.tests.running", user=user, plugin=names)
            message = await self.ctx.bot.send_message(chat_id, text)
        except BaseException:
            await self._release(token)
            raise
        self._spawn(self._run_tests(token, user, chat_id, message.message_id, suites, settings))
        return Outcome(None, {})

    async def _result_line(self, result: SuiteResult, user: Any) -> str:
        say = self.ctx.voice.say
        duration = f"{result.duration:.1f}"
        if result.timed_out:
            line = await say(
                "diagnostics.tests.timeout", user=user, plugin=result.plugin, duration=duration
            )
        elif result.ok:
            line = await say(
                "diagnostics.tests.passed",
                user=user,
                plugin=result.plugin,
                passed=result.passed,
                duration=duration,
            )
        else:
            line = await say(
                "diagnostics.tests.failed",
                user=user,
                plugin=result.plugin,
                passed=result.passed,
                failed=result.failed,
                duration=duration,
            )
        if result.skipped:
            line += " " + await say("diagnostics.tests.skipped", user=user, skipped=result.skipped)
        if result.coverage_floor is not None:
            # The share of the plugin's own package its suite ran (pytest-cov, this run).
            line += " " + await say(
                "diagnostics.tests.coverage", user=user, coverage=result.coverage_floor
            )
        return line

    async def _edit(self, chat_id: int, message_id: int, text: str) -> None:
        try:
            await self.ctx.bot.edit_message_text(text, chat_id=chat_id, message_id=message_id)
        except Exception as exc:  # deleted or unchanged: the final message still comes
            log.debug("progress edit failed: %r", exc)

    async def _run_tests(
        self,
        token: str,
        user: Any,
        chat_id: int,
        message_id: int,
        suites: list[tuple[str, str]],
        settings: Any,
    ) -> RunResult | None:
        say = self.ctx.voice.say
        names = ", ".join(name for name, _ in suites)
        header = await say("diagnostics.tests.running", user=user, plugin=names)
        lines: list[str] = []

        async def progress(result: SuiteResult, done: int, total: int) -> None:
            lines.append(await self._result_line(result, user))
            status = await say("diagnostics.tests.progress", user=user, done=done, total=total)
            await self._edit(chat_id, message_id, "\n".join([header, *lines, "", status]))

        try:
            run = await run_suites(
                suites,
                time_limit=settings.test_timeout,
                on_progress=progress,
                allow_postgres=settings.allow_postgres,
            )
            final = list(lines)
            if run.ok:
                final += ["", await say("diagnostics.tests.done_ok", user=user)]
            else:
                final += ["", await say("diagnostics.tests.done_failed", user=user)]
                for plugin, failure in run.failures(MAX_FAILURES_SHOWN):
                    final.append(
                        await say(
                            "diagnostics.tests.failure",
                            user=user,
                            plugin=plugin,
                            test=failure.name,
                            reason=failure.reason,
                        )
                    )
            await self._edit(chat_id, message_id, "\n".join(final))
            stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
            document = BufferedInputFile(run.report_text().encode(), f"lucien-tests-{stamp}.txt")
            caption = await say("diagnostics.tests.report_caption", user=user)
            await self.ctx.bot.send_document(chat_id, document, caption=caption)
            return run
        except Exception:
            log.exception("test run failed")
            await self._edit(chat_id, message_id, await say("error.generic", user=user))
            return None
        finally:
            await self._release(token)

    # -- profiles -------------------------------------------------------------------------

    async def start_profile(self, user: Any, chat_id: int, seconds: float) -> Outcome:
        """Profile this process in the background; the HTML report follows as a document."""
        if profile_running():
            return Outcome("diagnostics.profile.busy", {})
        seconds = clamp_seconds(seconds)
        self._spawn(self._profile(user, chat_id, seconds))
        return Outcome("diagnostics.profile.started", {"seconds": f"{seconds:g}"})

    async def _profile(self, user: Any, chat_id: int, seconds: float) -> None:
        say = self.ctx.voice.say
        try:
            html = await profile_live(seconds)
        except ProfileBusy:
            await self.ctx.bot.send_message(
                chat_id, await say("diagnostics.profile.busy", user=user)
            )
            return
        stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
        document = BufferedInputFile(html.encode(), f"lucien-profile-{stamp}.html")
        caption = await say("diagnostics.profile.ready", user=user, duration=f"{seconds:g}")
        await self.ctx.bot.send_document(chat_id, document, caption=caption)


def diagnostics_service(ctx: AppContext) -> DiagnosticsService:
    return ctx.service("diagnostics", DiagnosticsService)
