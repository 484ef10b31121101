"""The `/diag` screen: one report of the bot's state, every value escaped by the voice.

It reads the core's health (checks, plugins), the webhook as Telegram sees it, the
migration status of every branch, cache counters, the jobs with the queue depths plugins
publish in their health checks, and the rights the bot lacks in each configured channel.
A part that cannot be read becomes a failed line: the report itself never fails on it.

Statuses, plugin states and the health words the report knows are said in the admin's
language (keys of this plugin's catalogue, `wording.py`); anything else (an error's text)
is quoted short. A table a health check publishes (`queues: {job: depth}`) is a line per
entry; dates and durations are the voice's formats, never written here. A report longer
than one message is cut into pages at line ends (`PAGE_BUDGET`).
"""

from __future__ import annotations

import os
import socket
import time
from typing import TYPE_CHECKING, Any

from lucien.core.formatting import Markup
from lucien.core.health import collect_health
from lucien.plugins.diagnostics.services.wording import Words, quote

if TYPE_CHECKING:
    from lucien.core.context import AppContext


# The values the core gives, each said through `diagnostics.report.status.<value>` or
# `diagnostics.report.state.<value>`; anything newer is shown as it comes.
STATUSES = frozenset({"pass", "warn", "fail"})
STATES = frozenset({"enabled", "disabled", "failed"})


def replica_name() -> str:
    """Railway's replica id when deployed, else host and process id."""
    return os.environ.get("RAILWAY_REPLICA_ID") or f"{socket.gethostname()}:{os.getpid()}"


def percent(ratio: float, locale: str) -> str:
    """A ratio as the language writes a percentage ("96 %" in Spanish, "96%" in English)."""
    from babel.numbers import format_percent

    try:
        return str(format_percent(ratio, locale=locale))
    except Exception:  # an unknown locale: the plain form
        return f"{ratio:.0%}"


#: Characters of HTML per page of the report: Telegram takes 4,096 once parsed (markup
#: only adds characters), less the house header, the page line and some room.
PAGE_BUDGET = 3500


def paginate(lines: list[str], budget: int = PAGE_BUDGET) -> list[str]:
    """The lines cut into pages of at most `budget` characters, at line ends (a line
    longer than a page is cut, which only an unquoted text could be)."""
    pages: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        line = line if len(line) <= budget else line[: budget - 1] + "…"
        if current and size + len(line) + 1 > budget:
            pages.append("\n".join(current).strip("\n"))
            current, size = [], 0
        current.append(line)
        size += len(line) + 1
    pages.append("\n".join(current).strip("\n"))
    return pages


def _tables(data: dict[str, Any]) -> list[tuple[str, Any]]:
    """The entries of a check's tables (`queues: {job: depth}`), in order."""
    return [
        (str(name), value)
        for table in data.values()
        if isinstance(table, dict)
        for name, value in table.items()
    ]


class Report:
    """Builds the diagnostics screen from the application context."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    async def report_page(self, user: Any, page: int = 0) -> tuple[str, int, int]:
        """Page `page` of the report (its last when past the end), the page shown and
        how many there are; a page line closes each page when there are several."""
        pages = paginate(await self.lines(user))
        page = min(max(page, 0), len(pages) - 1)
        text = pages[page]
        if len(pages) > 1:
            counter = await self.ctx.voice.say(
                "diagnostics.report.page", user=user, page=page + 1, pages=len(pages)
            )
            text = f"{text}\n\n{counter}"
        return text, page, len(pages)

    async def lines(self, user: Any) -> list[str]:
        """The whole report, line by line, HTML, every value escaped by the voice."""
        ctx, app = self.ctx, self.ctx.app
        say = ctx.voice.say
        words = Words(ctx, user)
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
            await self._version_line(user),
            "",
            await say("diagnostics.report.section.components", user=user),
        ]
        for name, entry in checks.items():
            parts = [await words.detail(entry.get("detail", "")), await words.figures(entry)]
            detail = Markup(" · ".join(p for p in parts if p))
            lines.append(
                await say(
                    "diagnostics.report.check" if detail else "diagnostics.report.check_bare",
                    user=user,
                    name=await words.component(name),
                    status=await self._said("status", entry["status"], user),
                    detail=detail,
                )
            )
            for item, value in _tables(entry):  # a job's queue, by the job's name
                lines.append(
                    await say(
                        "diagnostics.report.check_item",
                        user=user,
                        item=await words.job(item),
                        value=value,
                    )
                )
        lines.append(await self._webhook_line(user, words))
        lines += ["", await say("diagnostics.report.section.plugins", user=user)]
        for name, entry in sorted(health["plugins"].items()):
            reason = await words.reason(entry.get("reason") or "")
            lines.append(
                await say(
                    "diagnostics.report.plugin_reason" if reason else "diagnostics.report.plugin",
                    user=user,
                    name=await words.plugin(name),
                    plugin=name,
                    version=entry.get("version", "?"),
                    state=await self._said("state", entry["state"], user),
                    reason=reason,
                )
            )
        lines += ["", await say("diagnostics.report.section.migrations", user=user)]
        lines += await self._migration_lines(user, words)
        lines += ["", await say("diagnostics.report.section.cache", user=user)]
        lines += await self._cache_lines(user)
        lines += ["", await say("diagnostics.report.section.jobs", user=user)]
        lines += await self._job_lines(user, checks)
        channel_lines = await self._channel_lines(user, words)
        if channel_lines:
            lines += ["", await say("diagnostics.report.section.channels", user=user)]
            lines += channel_lines
        return [line.rstrip() for line in lines]

    async def _version_line(self, user: Any) -> str:
        """The version, the time in service, and where this report comes from: Railway's
        replica, else the machine and the process."""
        app = self.ctx.app
        context: dict[str, Any] = {
            "version": app.version,
            "uptime": int(time.monotonic() - app.started_monotonic) // 60,
        }
        railway = os.environ.get("RAILWAY_REPLICA_ID")
        if railway:
            return await self.ctx.voice.say(
                "diagnostics.report.version", user=user, replica=railway, **context
            )
        return await self.ctx.voice.say(
            "diagnostics.report.version_local",
            user=user,
            host=socket.gethostname(),
            pid=os.getpid(),
            **context,
        )

    def _locale(self, user: Any) -> str:
        """The admin's language, as the voice speaks it."""
        locale_for = getattr(self.ctx.voice, "locale_for", None)
        if callable(locale_for):
            return str(locale_for(user))
        return str(getattr(user, "language_code", None) or "en").split("-")[0]

    async def _said(self, kind: str, value: str, user: Any) -> str:
        """A status or state in the admin's language (`kind` is "status" or "state")."""
        known = STATUSES if kind == "status" else STATES
        if value not in known:
            return str(value)
        return Markup(await self.ctx.voice.say(f"diagnostics.report.{kind}.{value}", user=user))

    async def _webhook_line(self, user: Any, words: Words) -> str:
        say = self.ctx.voice.say
        try:
            info = await self.ctx.bot.get_webhook_info()
        except Exception as exc:  # Telegram unreachable is itself worth reporting
            return await say(
                "diagnostics.report.check",
                user=user,
                name=await words.component("webhook"),
                status=await self._said("status", "fail", user),
                detail=quote(repr(exc)),
            )
        error: str = Markup(await say("diagnostics.report.none", user=user))
        if info.last_error_message and info.last_error_date:
            error = Markup(
                await say(
                    "diagnostics.report.webhook_error",
                    user=user,
                    error=quote(info.last_error_message),
                    when=info.last_error_date,
                )
            )
        elif info.last_error_message:
            error = quote(info.last_error_message)
        return await say(
            "diagnostics.report.webhook", user=user, pending=info.pending_update_count, error=error
        )

    async def _migration_lines(self, user: Any, words: Words) -> list[str]:
        from lucien.core.db.migrate import migration_status

        say = self.ctx.voice.say
        try:
            statuses = await migration_status(self.ctx.settings, self.ctx.registry)
        except Exception as exc:
            return [
                await say(
                    "diagnostics.report.check",
                    user=user,
                    name=await words.component("migrations"),
                    status=await self._said("status", "fail", user),
                    detail=quote(repr(exc)),
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
        """Each namespace by its label in the admin's language (its id without one)."""
        lines = []
        declared = self.ctx.cache.namespaces
        language = self._locale(user)
        named = [
            (declared[ns].label_for(language) if ns in declared else ns, stats)
            for ns, stats in self.ctx.cache.stats().items()
        ]
        for ns, stats in sorted(named, key=lambda pair: pair[0].casefold()):
            hits = int(stats.get("hits", 0))
            lookups = hits + int(stats.get("misses", 0))
            if not lookups:
                lines.append(
                    await self.ctx.voice.say(
                        "diagnostics.report.cache_unused", user=user, namespace=ns
                    )
                )
                continue
            lines.append(
                await self.ctx.voice.say(
                    "diagnostics.report.cache",
                    user=user,
                    namespace=ns,
                    rate=percent(hits / lookups, self._locale(user)),
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
        words = Words(self.ctx, user)
        return [
            await self.ctx.voice.say(
                "diagnostics.report.job" if job.name in queues else "diagnostics.report.job_bare",
                user=user,
                name=await words.job(job.name),
                job=job.name,
                interval=job.interval,
                depth=queues.get(job.name, 0),
            )
            for job in self.ctx.app.jobs()
        ]

    async def _channel_lines(self, user: Any, words: Words) -> list[str]:
        """For every channel setting in force, the rights the bot lacks there."""
        ctx, say = self.ctx, self.ctx.voice.say
        lines: list[str] = []
        for record in ctx.registry.enabled():
            if record.settings is None:
                continue
            channels = {
                name: (f.json_schema_extra or {}).get("lucien", {})
                for name, f in type(record.settings).model_fields.items()
                if isinstance(f.json_schema_extra, dict)
                and f.json_schema_extra.get("lucien", {}).get("kind") == "channel"
            }
            if not channels:
                continue
            values = await ctx.config.get(record.name)
            for name, meta in channels.items():
                channel = getattr(values, name, None)
                if channel in (None, ""):
                    continue
                setting = await words.channel_setting(record.name, name)
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
                            error=quote(str(exc)),
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
                        missing=Markup(", ".join([await words.right(r) for r in missing])),
                    )
                )
        return lines
