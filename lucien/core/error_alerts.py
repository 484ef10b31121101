"""Error alerts: what goes wrong in the bot reaches every admin, grouped by cause.

Causes reported here: an unhandled handler exception (the dispatcher's error handler in
app.py), a plugin left out at startup, a background job failing (runner.py), a dependency
(PostgreSQL, Redis) going away and coming back, and the errors Telegram reports when it
delivers the webhook (the last two watched by the `core.watch` job: error_watch.py).

Each report carries a fingerprint: what makes two failures the same cause. For an
exception, its type and the innermost frame in the project's code (lucien and the
plugins' packages: module and function, not the line, so a deploy does not split a
cause), with the plugin and the handler or the job; never the message (it carries ids).

Per fingerprint the first occurrence alerts at once; the next ones within the window
(`AlertService.window`, ten minutes) are only counted; once the window is over `flush`
(the `core.watch` job) sends one alert saying how many happened since the last one, and
so on while they last. The "Silence 1 h" button under each alert mutes its fingerprint
for every admin for an hour (still counted: the first alert after it gives the number).
Counts, silences and windows live in Redis while it is up (shared by the replicas), in
this process otherwise. When the database is away (no outbox), ADMIN_IDS are told
straight through the Bot API.

With SENTRY_DSN every occurrence also goes to Sentry (sentry_setup.py), with the same
fingerprint, so both group failures alike.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import traceback
from collections.abc import Iterator
from types import FrameType, ModuleType
from typing import TYPE_CHECKING, Any, Literal

from aiogram.filters.callback_data import CallbackData

from lucien.core import sentry_setup
from lucien.core.cache import REDIS_FAULTS
from lucien.core.effects import is_transient

if TYPE_CHECKING:
    from lucien.core.context import AppContext

log = logging.getLogger("lucien.errors")

# Seconds startup gives the alert about the plugins it left out.
STARTUP_REPORT_S = 10.0
# An hour, as the button says: long enough to fix a known fault in peace.
SILENCE_S = 3600.0
SILENCE_BUTTON = "alert.silence"
# The last occurrence's text is kept this long for the alert that counts the next ones.
_LAST_TTL_S = 86400
# A count that reached zero leaves the pending set, atomically with the check.
_UNPEND_LUA = """
if tonumber(redis.call('GET', KEYS[1]) or '0') <= 0 then
  redis.call('SREM', KEYS[2], ARGV[1])
  return 1
end
return 0
"""
_AIOGRAM_HANDLER = os.path.join("aiogram", "dispatcher", "event", "handler.py")
# What goes to Sentry: every occurrence, the first of each window only (a job failing on
# every tick would spend the project's quota in an hour), or nothing (it got there
# another way: the registry logs a plugin's failure at error level).
SentryMode = Literal["each", "alerted", "never"]


class SilenceCallback(CallbackData, prefix="mute"):
    """The "Silence 1 h" button under an error alert: its fingerprint."""

    fp: str


def fingerprint(*parts: str) -> str:
    """A short, stable name for a cause (it travels in callback data: 64 bytes at most)."""
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:16]


def one_line(exc: BaseException, limit: int = 200) -> str:
    """The error's type and the first line of its message."""
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0] if lines else ''}".rstrip(": ")[:limit]


def _frames(exc: BaseException) -> Iterator[FrameType]:
    for frame, _lineno in traceback.walk_tb(exc.__traceback__):
        yield frame


def _name(frame: FrameType) -> str:
    return f"{frame.f_globals.get('__name__', '?')}:{frame.f_code.co_qualname}"


def innermost(exc: BaseException, roots: frozenset[str]) -> str:
    """`module:function` of the innermost frame in the project's packages (`roots`)."""
    found = ""
    for frame in _frames(exc):
        if str(frame.f_globals.get("__name__", "")).split(".")[0] in roots:
            found = _name(frame)
    return found or "?"


def handler_of(exc: BaseException) -> str:
    """The aiogram handler the exception went through (the frame aiogram called)."""
    found, after = "", False
    for frame in _frames(exc):
        if after:
            found = _name(frame)
        after = frame.f_code.co_filename.endswith(_AIOGRAM_HANDLER)
    return found or "?"


def error_alerts(ctx: AppContext) -> ErrorAlerts:
    """The context's error alerts, made on first use."""
    return ctx.service("core.errors", ErrorAlerts)


async def report_handler_failure(ctx: AppContext, exc: BaseException, plugin: str) -> None:
    """An unhandled handler exception (never raises: it runs in the error handler)."""
    try:
        await error_alerts(ctx).handler_failed(exc, plugin)
    except Exception:
        log.exception("could not report a handler failure")


async def report_job_failure(ctx: AppContext, job: str, exc: BaseException) -> None:
    """A background job raised (never raises: it runs in the job loop)."""
    if ctx is None:  # an application that never started (tests of the loop alone)
        return
    try:
        await error_alerts(ctx).job_failed(job, exc)
    except Exception:
        log.exception("could not report the failure of job %s", job)


async def report_plugin_failures(ctx: AppContext) -> None:
    """The plugins left out during startup (never raises: startup goes on without them)."""
    try:
        # Bounded: startup must not wait on a slow Telegram (what was queued goes out
        # with the outbox job).
        await asyncio.wait_for(error_alerts(ctx).plugins_failed(), STARTUP_REPORT_S)
    except Exception:
        log.exception("could not report the plugins that failed at startup")


class ErrorAlerts:
    """Counts, windows and silences of error causes; alerts through `ctx.alerts`."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self._roots: frozenset[str] | None = None
        # In-process equivalents of the Redis keys, while Redis is away or absent.
        self._counts: dict[str, int] = {}
        self._last: dict[str, tuple[str, dict[str, Any]]] = {}
        self._muted: dict[str, float] = {}
        # Dependencies found down by this replica (name -> since, app clock): error_watch.
        self.down: dict[str, float] = {}
        # An exception's message may quote a URL with the token in it (Telegram's, a
        # proxy's): alerts are scrubbed like Sentry's events.
        self._scrub = sentry_setup.scrubber(sentry_setup.secrets_of(ctx.settings))

    # -- the causes ---------------------------------------------------------------------

    def roots(self) -> frozenset[str]:
        """Top-level packages of the project's code: lucien and every plugin's."""
        if self._roots is None:
            roots = {"lucien"}
            for record in self.ctx.registry.records.values():
                obj = record.obj
                if obj is not None:
                    # A plugin is a module, a class or an instance of one.
                    module = obj.__name__ if isinstance(obj, ModuleType) else obj.__module__
                    roots.add(str(module).split(".")[0])
            self._roots = frozenset(roots - {"builtins"})
        return self._roots

    async def handler_failed(self, exc: BaseException, plugin: str) -> int:
        """An update's handler raised (the error handler already apologised)."""
        where, handler = innermost(exc, self.roots()), handler_of(exc)
        kind = f"{type(exc).__module__}.{type(exc).__qualname__}"
        return await self.report(
            "alert.handler_failed",
            fingerprint("handler", kind, where, plugin, handler),
            exc=exc,
            plugin=plugin,
            handler=handler,
            error=one_line(exc),
            where=where,
        )

    async def job_failed(self, job: str, exc: BaseException) -> int:
        """A background job raised. A passing fault (the database, Telegram's network) is
        the dependency's outage, which `core.watch` reports once: not one per job."""
        if is_transient(exc):
            return 0
        where = innermost(exc, self.roots())
        kind = f"{type(exc).__module__}.{type(exc).__qualname__}"
        return await self.report(
            "alert.job_failed",
            fingerprint("job", job, kind, where),
            exc=exc,
            sentry="alerted",
            job=job,
            error=one_line(exc),
            where=where,
        )

    async def plugins_failed(self) -> int:
        """Every plugin left out at startup (its reason is in the log and /health too).
        Sentry already has them: the registry logs each at error level."""
        told = 0
        for record in self.ctx.registry.records.values():
            if record.state == "failed":
                told += await self.report(
                    "alert.plugin_failed",
                    fingerprint("startup", record.name),
                    sentry="never",
                    plugin=record.name,
                    reason=record.reason[:300],
                )
        return told

    # -- reporting ----------------------------------------------------------------------

    async def report(
        self,
        key: str,
        fp: str,
        *,
        exc: BaseException | None = None,
        sentry: SentryMode = "each",
        **context: Any,
    ) -> int:
        """Count an occurrence of cause `fp` and alert the admins (message `key` with
        `context` and `count`) unless its window or a silence holds it back. The number
        of admins told."""
        context = self._scrub(context)
        if sentry == "each":
            sentry_setup.capture(exc, key=key, fingerprint=fp, context=context)
        await self._count(fp, key, context)
        if await self.silenced(fp):
            return 0
        if not await self.ctx.alerts.claim(f"err:{fp}"):
            return 0
        if sentry == "alerted":
            sentry_setup.capture(exc, key=key, fingerprint=fp, context=context)
        return await self._alert(fp)

    async def flush(self) -> int:
        """Alert, for every cause counted since its last alert, once its window is over
        (the `core.watch` job). The number of alerts sent."""
        sent = 0
        for fp in await self._pending():
            if await self._unpend_if_done(fp) or await self.silenced(fp):
                continue
            if await self.ctx.alerts.claim(f"err:{fp}"):
                sent += bool(await self._alert(fp))
        return sent

    async def _alert(self, fp: str) -> int:
        """Send the alert of `fp` (its window claimed): the count since the last one."""
        count = await self._take(fp)
        last = await self._last_of(fp)
        if count <= 0 or last is None:
            return 0  # another replica told it meanwhile
        key, context = last
        buttons = [(SILENCE_BUTTON, SilenceCallback(fp=fp).pack())]
        try:
            return await self.ctx.alerts.deliver(
                key, once=f"err:{fp}", buttons=buttons, count=count, **context
            )
        except Exception as exc:
            if is_transient(exc):
                # The database is away (the outbox with it): ADMIN_IDS hear it straight.
                told = await self.ctx.alerts.send_direct(
                    key, buttons=buttons, count=count, **context
                )
                if told:
                    await self.ctx.alerts.claim(f"err:{fp}")  # `deliver` gave it back
                    return told
            await self._count(fp, key, context, by=count)
            log.warning("alert %s not sent: %r", key, exc)
            return 0

    async def silence(self, fp: str, seconds: float = SILENCE_S) -> None:
        """Mute cause `fp` for every admin for `seconds`."""
        until = self.ctx.clock.now().timestamp() + seconds
        redis, prefix = self._redis()
        if redis is not None:
            try:
                await redis.set(f"{prefix}:err:mute:{fp}", repr(until), px=int(seconds * 1000))
                return
            except REDIS_FAULTS as exc:
                self.ctx.state.availability.mark_down(exc)
        self._muted[fp] = until

    async def silenced(self, fp: str) -> bool:
        """Whether cause `fp` is muted right now."""
        now = self.ctx.clock.now().timestamp()
        redis, prefix = self._redis()
        if redis is not None:
            try:
                until = await redis.get(f"{prefix}:err:mute:{fp}")
                return until is not None and float(until) > now
            except REDIS_FAULTS as exc:
                self.ctx.state.availability.mark_down(exc)
        return self._muted.get(fp, 0.0) > now

    # -- storage: Redis while it answers, this process otherwise --------------------------

    def _redis(self) -> tuple[Any, str]:
        state = self.ctx.state
        redis = getattr(state, "redis", None)
        if redis is not None and state.connected:
            return redis, state.prefix
        return None, ""

    async def _count(self, fp: str, key: str, context: dict[str, Any], by: int = 1) -> None:
        redis, prefix = self._redis()
        if redis is not None:
            try:
                async with redis.pipeline(transaction=True) as pipe:
                    pipe.incrby(f"{prefix}:err:n:{fp}", by)
                    pipe.set(
                        f"{prefix}:err:last:{fp}",
                        json.dumps([key, context], default=str),
                        ex=_LAST_TTL_S,
                    )
                    pipe.sadd(f"{prefix}:err:pending", fp)
                    await pipe.execute()
                return
            except REDIS_FAULTS as exc:
                self.ctx.state.availability.mark_down(exc)
        self._counts[fp] = self._counts.get(fp, 0) + by
        self._last[fp] = (key, context)

    async def _take(self, fp: str) -> int:
        """The count since the last alert, reset to zero."""
        redis, prefix = self._redis()
        if redis is not None:
            try:
                taken = await redis.getdel(f"{prefix}:err:n:{fp}")
                return int(taken or 0) + self._counts.pop(fp, 0)
            except REDIS_FAULTS as exc:
                self.ctx.state.availability.mark_down(exc)
        return self._counts.pop(fp, 0)

    async def _last_of(self, fp: str) -> tuple[str, dict[str, Any]] | None:
        redis, prefix = self._redis()
        if redis is not None:
            try:
                raw = await redis.get(f"{prefix}:err:last:{fp}")
                if raw is not None:
                    key, context = json.loads(raw)
                    return str(key), dict(context)
            except REDIS_FAULTS as exc:
                self.ctx.state.availability.mark_down(exc)
        return self._last.get(fp)

    async def _pending(self) -> list[str]:
        """Causes that may have occurrences not yet told."""
        found = [fp for fp, n in self._counts.items() if n > 0]
        redis, prefix = self._redis()
        if redis is not None:
            try:
                members = await redis.smembers(f"{prefix}:err:pending")
                found += [m.decode() if isinstance(m, bytes) else str(m) for m in members]
            except REDIS_FAULTS as exc:
                self.ctx.state.availability.mark_down(exc)
        return list(dict.fromkeys(found))

    async def _unpend_if_done(self, fp: str) -> bool:
        """True (and forgotten) when cause `fp` has nothing left to tell."""
        if self._counts.get(fp, 0) > 0:
            return False
        self._counts.pop(fp, None)
        redis, prefix = self._redis()
        if redis is not None:
            try:
                keys = (f"{prefix}:err:n:{fp}", f"{prefix}:err:pending")
                return bool(await redis.eval(_UNPEND_LUA, 2, *keys, fp))
            except REDIS_FAULTS as exc:
                self.ctx.state.availability.mark_down(exc)
        return True
