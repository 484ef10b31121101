"""Profiling with pyinstrument: the live process (`/profile`) and a local run (`lucien profile`).

The live profile samples the event loop's thread while the bot keeps serving, so the
report shows every handler, service and library call that ran meanwhile, whichever task
it belonged to (hence `async_mode="disabled"`: "enabled" would follow only the task that
started the profiler, which merely sleeps). Only one profile runs at a time per process:
two profilers on one thread would fight over the interpreter's profile hook.

Both also count the SQL statements of the window and time them (`StatementStats`, on
SQLAlchemy's cursor events). The listeners are attached when the window opens and
removed when it closes: a process that is not being profiled pays nothing for them.
"""

from __future__ import annotations

import asyncio
import logging
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import event

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger("lucien.profiling")

MAX_SECONDS = 60.0
# Fine enough to catch a handler that runs for a millisecond, cheap enough for a minute.
INTERVAL = 0.0005
# A statement is shown cut to this many characters: its shape, not a page of columns.
SQL_SHOWN = 160
# Where a connection keeps the start of the statement it is running (one at a time).
_STARTED = "lucien_profile_started"

# Placeholders of both drivers (asyncpg's `$1::VARCHAR`, SQLite's `?`), quoted strings
# and bare numbers all read `?`; lists of them (IN, VALUES rows) read as one, so a
# statement sent with 3 ids and with 30 is counted as the same statement.
_LITERAL = re.compile(
    r"\$\d+(?:::\w+(?:\(\d+\))?(?: WITH(?:OUT)? TIME ZONE)?)?|'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b"
)
_LIST = re.compile(r"\(\s*\?(?:\s*,\s*\?)+\s*\)")
_ROWS = re.compile(r"\(\?, …\)(?:\s*,\s*\(\?, …\))+")
_SPACE = re.compile(r"\s+")


# What a reader needs of a long SELECT or INSERT is the table and the condition, not
# the column list SQLAlchemy spells out in full.
_COLUMNS = re.compile(r"^(SELECT (?:DISTINCT )?)(.{30,}?)( FROM )|^(INSERT INTO \S+ )\([^)]{30,}\)")


def _cut(text: str, limit: int | None) -> str:
    return text if limit is None or len(text) <= limit else text[: limit - 1].rstrip() + "…"


def normalize_sql(statement: str, limit: int | None = SQL_SHOWN) -> str:
    """The statement's shape on one line: values as `?`, lists shortened, cut to `limit`."""
    shape = _SPACE.sub(" ", statement).strip()
    shape = _ROWS.sub("(?, …), …", _LIST.sub("(?, …)", _LITERAL.sub("?", shape)))
    return _cut(shape, limit)


def brief_sql(shape: str, limit: int | None = SQL_SHOWN) -> str:
    """A shape for a short report: long column lists of SELECT and INSERT become `…`."""
    brief = _COLUMNS.sub(lambda m: f"{m[1]}…{m[3]}" if m[1] else f"{m[4]}(…)", shape, count=1)
    return _cut(brief, limit)


def is_transaction_control(statement: str) -> bool:
    """BEGIN, COMMIT, SAVEPOINT, PRAGMA...: what SQLite's engine sends through the cursor
    and asyncpg sends by itself, so they are left out for counts to agree on both."""
    head = statement.lstrip()[:9].upper()
    return head.startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "PRAGMA"))


@dataclass
class StatementStat:
    """One statement shape: how often it ran in the window and its slowest run (s)."""

    sql: str
    count: int = 0
    total: float = 0.0
    slowest: float = 0.0


@dataclass
class StatementStats:
    """The SQL statements of a window: attach to engines, run, detach, read.

    Transaction control is left out (see `is_transaction_control`). Durations are wall
    time from the cursor's send to its answer, waits on the event loop included: what
    the update that ran the statement waited for.
    """

    count: int = 0
    shapes: dict[str, StatementStat] = field(default_factory=dict)
    _engines: list[Any] = field(default_factory=list, repr=False)
    # SQLAlchemy sends the same compiled text again and again: normalized once each.
    _shape_of: dict[str, str] = field(default_factory=dict, repr=False)

    def attach(self, engine: AsyncEngine) -> None:
        sync = engine.sync_engine
        event.listen(sync, "before_cursor_execute", self._before)
        event.listen(sync, "after_cursor_execute", self._after)
        self._engines.append(sync)

    def detach(self) -> None:
        for sync in self._engines:
            event.remove(sync, "before_cursor_execute", self._before)
            event.remove(sync, "after_cursor_execute", self._after)
        self._engines.clear()

    def _before(self, conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        conn.info[_STARTED] = time.perf_counter()

    def _after(self, conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        started = conn.info.pop(_STARTED, None)
        if started is None or is_transaction_control(statement):
            return
        elapsed = time.perf_counter() - started
        shape = self._shape_of.get(statement)
        if shape is None:
            shape = self._shape_of[statement] = normalize_sql(statement, None)
        stat = self.shapes.get(shape)
        if stat is None:
            stat = self.shapes[shape] = StatementStat(shape)
        stat.count += 1
        stat.total += elapsed
        stat.slowest = max(stat.slowest, elapsed)
        self.count += 1

    def slowest(self, n: int = 5) -> list[StatementStat]:
        """The `n` shapes whose slowest run took longest, slowest first."""
        return sorted(self.shapes.values(), key=lambda s: s.slowest, reverse=True)[:n]

    def summary(self, n: int = 5) -> str:
        """Plain text for a terminal: the count, then the slowest shapes one a line."""
        lines = [f"{self.count} SQL statements" + (", slowest:" if self.shapes else "")]
        for stat in self.slowest(n):
            lines.append(f"  {stat.slowest * 1000:.1f} ms (x{stat.count}) {brief_sql(stat.sql)}")
        return "\n".join(lines)


@dataclass(frozen=True)
class LiveProfile:
    """A live profile's result: pyinstrument's HTML report and the window's statements."""

    html: str
    statements: StatementStats


_running = False


class ProfileBusy(RuntimeError):
    """A profile is already being taken in this process."""


def profile_running() -> bool:
    """Whether a profile is being taken in this process right now."""
    return _running


def clamp_seconds(seconds: float) -> float:
    """Between a tenth of a second and a minute: longer would only bloat the report."""
    return max(0.1, min(float(seconds), MAX_SECONDS))


async def profile_live(seconds: float, engine: AsyncEngine | None = None) -> LiveProfile:
    """Sample this process for `seconds` (at most 60) while it serves: the HTML report,
    and the SQL statements `engine` ran meanwhile (none counted without one)."""
    from pyinstrument import Profiler

    global _running
    if _running:
        raise ProfileBusy
    _running = True
    statements = StatementStats()
    try:
        profiler = Profiler(interval=INTERVAL, async_mode="disabled")
        if engine is not None:
            statements.attach(engine)
        profiler.start()
        try:
            await asyncio.sleep(clamp_seconds(seconds))  # the rest of the process keeps serving
        finally:
            profiler.stop()
            statements.detach()
        return LiveProfile(str(profiler.output_html()), statements)
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
            statements = StatementStats()
            statements.attach(harness.ctx.db.engine)
            profiler = Profiler(interval=INTERVAL, async_mode="disabled")
            profiler.start()
            try:
                sent = await _drive_traffic(actors, time.monotonic() + seconds)
            finally:
                profiler.stop()
                statements.detach()
    # Once, after the run: a blocking write no longer delays anything being measured.
    Path(output).write_text(profiler.output_html(), encoding="utf-8")  # noqa: ASYNC240
    print(f"profiled {seconds:.1f} s, {sent} updates handled; report written to {output}")
    print(statements.summary())
    return 0
