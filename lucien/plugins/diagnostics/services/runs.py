"""Background runs from chat: per-plugin test runs and live profiles.

- One run at a time across replicas: a Redis lock (released only by the replica that
  holds it), or an in-process lock when Redis is absent or down.
- Test runs: the core runner (`lucien.core.testing.suites`) in a background task, so the
  webhook answers at once; a progress message edited in place; the full report follows
  as a document.
- Profiles: the core's live pyinstrument profile, sent back as an HTML document whose
  caption counts the window's SQL statements and names the slowest.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
from collections.abc import Coroutine
from datetime import UTC
from typing import TYPE_CHECKING, Any

from aiogram.types import BufferedInputFile

from lucien.core.profiling import (
    ProfileBusy,
    StatementStats,
    brief_sql,
    clamp_seconds,
    profile_live,
    profile_running,
)
from lucien.core.testing.suites import (
    RunResult,
    SuiteResult,
    UnknownPlugin,
    collect_suites,
    run_suites,
)
from lucien.plugins.diagnostics.services.common import Outcome
from lucien.plugins.diagnostics.services.report import paginate
from lucien.plugins.diagnostics.services.wording import quote

if TYPE_CHECKING:
    from lucien.core.context import AppContext

log = logging.getLogger("lucien.diagnostics")

# The profile's caption names the slowest statements: three, each cut short, keep it
# well inside a caption's 1,024 characters (the whole story is in the HTML's timings).
SLOWEST_SHOWN = 3
SQL_IN_CAPTION = 100
# Failures named in chat under each suite's line (the rest: counted, and in the report);
# the messages are paged under Telegram's 4,096 characters.
FAILURES_IN_CHAT = 20

# Compare-and-delete: a replica only releases the lock it holds (not one taken after
# its own expired).
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


def suite_env(ctx: AppContext) -> dict[str, str]:
    """The environment a suite run starts from: this process's, without any installed
    plugin's settings (VOICE_CREATOR_ID, FREE_...), enabled or not. A suite asserts the
    defaults; the deployment's choices made an admin test fail from chat in the sandbox,
    which names its creator through VOICE_CREATOR_ID. The runner scrubs production
    resources on top of this."""
    prefixes: list[str] = []
    for record in ctx.registry.installed():
        with contextlib.suppress(Exception):  # a broken plugin's model: nothing to drop
            model = ctx.registry.call_plugin(record, "lucien_settings_model")
            prefix = str(getattr(model, "model_config", {}).get("env_prefix") or "")
            if prefix:
                prefixes.append(prefix.upper())
    found = tuple(prefixes)
    return {k: v for k, v in os.environ.items() if not found or not k.upper().startswith(found)}


class BackgroundRuns:
    """Test runs and profiles in background tasks; the in-process lock and those tasks."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self._local_lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[Any]] = set()

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
        # A float: the voice writes it as the admin's language does ("2,5" / "2.5").
        duration = round(result.duration, 1)
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

    async def _result_lines(self, result: SuiteResult, user: Any) -> list[str]:
        """The suite's line, then its failing tests by name with the first line of their
        error (up to FAILURES_IN_CHAT, then how many more the report holds)."""
        say = self.ctx.voice.say
        lines = [await self._result_line(result, user)]
        shown = result.failures[:FAILURES_IN_CHAT]
        for failure in shown:
            lines.append(
                await say(
                    "diagnostics.tests.failure",
                    user=user,
                    plugin=result.plugin,
                    test=quote(failure.name, 120),
                    reason=quote(failure.reason),
                )
            )
        if len(result.failures) > len(shown):
            more = len(result.failures) - len(shown)
            lines.append(await say("diagnostics.tests.more_failures", user=user, count=more))
        return lines

    async def _progress(self, chat_id: int, message_id: int, lines: list[str]) -> None:
        """Edit the progress message; past one message it shows the latest page (the
        final report is paged in full)."""
        pages = paginate(lines)
        text = pages[0] if len(pages) == 1 else "…\n" + pages[-1]
        await self._edit(chat_id, message_id, text)

    async def _deliver(self, chat_id: int, message_id: int, lines: list[str]) -> None:
        """The final report: its first page in the progress message, the others after
        it, each under Telegram's limit."""
        first, *rest = paginate(lines)
        await self._edit(chat_id, message_id, first)
        for page in rest:
            await self.ctx.bot.send_message(chat_id, page)

    async def _edit(self, chat_id: int, message_id: int, text: str) -> None:
        """Edit the progress message with `text` (one page)."""
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
            lines.extend(await self._result_lines(result, user))
            status = await say("diagnostics.tests.progress", user=user, done=done, total=total)
            await self._progress(chat_id, message_id, [header, *lines, "", status])

        try:
            run = await run_suites(
                suites,
                time_limit=settings.test_timeout,
                on_progress=progress,
                allow_postgres=settings.allow_postgres,
                env=suite_env(self.ctx),
            )
            # Each failing suite's tests are named under its line, above.
            key = "diagnostics.tests.done_ok" if run.ok else "diagnostics.tests.done_failed"
            await self._deliver(chat_id, message_id, [*lines, "", await say(key, user=user)])
            stamp = self._stamp()
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

    def _stamp(self) -> str:
        """A report's time in its file name: the context's clock (the sandbox's and the
        tests' own time, not the machine's), UTC."""
        return self.ctx.clock.now().astimezone(UTC).strftime("%Y%m%d-%H%M%S")

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
            profile = await profile_live(seconds, self.ctx.db.engine)
        except ProfileBusy:
            await self.ctx.bot.send_message(
                chat_id, await say("diagnostics.profile.busy", user=user)
            )
            return
        stamp = self._stamp()
        document = BufferedInputFile(profile.html.encode(), f"lucien-profile-{stamp}.html")
        caption = await say("diagnostics.profile.ready", user=user, duration=f"{seconds:g}")
        caption += "\n" + await self._statements_text(user, profile.statements)
        await self.ctx.bot.send_document(chat_id, document, caption=caption)

    async def _statements_text(self, user: Any, stats: StatementStats) -> str:
        """'N statements, the slowest:' and one line each (SQL escaped by the voice)."""
        say = self.ctx.voice.say
        if not stats.count:
            return await say("diagnostics.profile.no_statements", user=user)
        lines = [await say("diagnostics.profile.statements", user=user, count=stats.count)]
        for stat in stats.slowest(SLOWEST_SHOWN):
            lines.append(
                await say(
                    "diagnostics.profile.statement",
                    user=user,
                    duration=round(stat.slowest * 1000, 1),
                    count=stat.count,
                    sql=brief_sql(stat.sql, SQL_IN_CAPTION),
                )
            )
        return "\n".join(lines)
