"""Query budgets: count the SQL statements the bot runs while it handles updates.

    async with bot.count_queries() as q:
        await ana.send("/start")
    q.assert_at_most(3, "a known user's /start")

Only statements issued while handling an update are counted: the webhook names the
update being handled in a context variable (`lucien.core.logging.update_id_var`; in
polling, the context middleware's `user_id_var`), and every statement the handler, its
services and the tasks it starts run in that context. The test's own reads and writes,
startup and background loops are not counted. Job runs (`harness.run_jobs()`,
`harness.advance()`) count only with `count_queries(jobs=True)`.

Transaction control (BEGIN, PRAGMA, SAVEPOINT...) is left out: SQLite's engine sends it
through the cursor and asyncpg by itself, so the same flow counts the same on both.

When a budget is exceeded the failure lists every statement, numbered, with the shapes
that repeat first: an N+1 reads as "7x SELECT ... WHERE user_id = ?".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import event

from lucien.core.logging import update_id_var, user_id_var
from lucien.core.profiling import is_transaction_control, normalize_sql

if TYPE_CHECKING:
    from lucien.core.runner import BotApplication

# Set while the harness runs jobs, so that a block counting jobs can tell their
# statements from the test's own.
_JOB_RUN: ContextVar[bool] = ContextVar("lucien_testing_job_run", default=False)
# Characters of a statement and of its parameters shown in a failure.
SHOWN_SQL = 300
SHOWN_PARAMS = 120


@contextmanager
def job_run() -> Iterator[None]:
    """Mark the statements run inside as a job run's (the harness wraps `run_jobs`)."""
    token = _JOB_RUN.set(True)
    try:
        yield
    finally:
        _JOB_RUN.reset(token)


def _source() -> str | None:
    """'update', 'job' or None (not counted) for the statement being sent now."""
    if update_id_var.get() is not None or user_id_var.get() is not None:
        return "update"
    if _JOB_RUN.get():
        return "job"
    return None


@dataclass(frozen=True)
class Statement:
    """One counted statement: its SQL, its parameters (shortened) and who ran it."""

    sql: str
    params: str
    source: str

    def __str__(self) -> str:
        sql = normalize_sql(self.sql, SHOWN_SQL)
        tag = " [job]" if self.source == "job" else ""
        return f"{sql}  -- {self.params}{tag}" if self.params else f"{sql}{tag}"


@dataclass
class QueryCount:
    """The statements counted in one `count_queries` block (filled as they run)."""

    jobs: bool = False
    entries: list[Statement] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.entries)

    @property
    def statements(self) -> list[str]:
        """The counted statements' SQL, in order."""
        return [entry.sql for entry in self.entries]

    def repeated(self) -> list[tuple[str, int]]:
        """Statement shapes that ran more than once, most repeated first."""
        shapes = Counter(normalize_sql(entry.sql, SHOWN_SQL) for entry in self.entries)
        return [(shape, n) for shape, n in shapes.most_common() if n > 1]

    def report(self) -> str:
        """Every statement numbered, after the shapes that repeat (an N+1 stands out)."""
        lines = [f"{self.count} statements" + (" (jobs included)" if self.jobs else "")]
        for shape, n in self.repeated():
            lines.append(f"  repeated {n}x: {shape}")
        lines.extend(f"  {i:>3}. {entry}" for i, entry in enumerate(self.entries, 1))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.report()

    def assert_at_most(self, budget: int, flow: str = "") -> None:
        """Fail, listing the statements, when more than `budget` were counted."""
        if self.count > budget:
            what = f" for {flow}" if flow else ""
            raise AssertionError(
                f"query budget exceeded{what}: {self.count} > {budget}\n{self.report()}"
            )

    def _record(self, statement: str, parameters: Any) -> None:
        if is_transaction_control(statement):
            return
        source = _source()
        if source is None or (source == "job" and not self.jobs):
            return
        params = "" if parameters in (None, (), [], {}) else repr(parameters)
        if len(params) > SHOWN_PARAMS:
            params = params[: SHOWN_PARAMS - 1] + "…"
        self.entries.append(Statement(statement, params, source))


async def _settle(apps: Sequence[BotApplication], emulator: Any) -> None:
    """Let what earlier updates started finish: their deliveries and the user records
    the context middleware writes in the background after each update."""
    if emulator is not None:
        await emulator.wait_idle()
    for app in apps:
        if app.ctx is not None and app.ctx.users is not None:
            await app.ctx.users.drain()


@asynccontextmanager
async def count_queries(
    apps: Sequence[BotApplication], *, jobs: bool = False, emulator: Any = None
) -> AsyncIterator[QueryCount]:
    """Count the statements every app in `apps` runs for the updates handled inside the
    block (and for job runs with `jobs=True`). Pending work of earlier updates is waited
    for before counting starts, and the block's own before it ends."""
    counted = QueryCount(jobs=jobs)

    def before(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        counted._record(statement, parameters)

    engines = [app.ctx.db.engine.sync_engine for app in apps]
    await _settle(apps, emulator)
    for engine in engines:
        event.listen(engine, "before_cursor_execute", before)
    try:
        yield counted
        await _settle(apps, emulator)
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", before)
