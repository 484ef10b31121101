"""The scheduled backup: every BACKUP_INTERVAL hours, on one replica at a time.

Every replica runs the `core.backup` job (once a minute), which does nothing until a
backup is due: the newest backup in the destinations is older than the interval. Then
one replica takes a PostgreSQL advisory lock (held by its connection, so it dies with
the replica), looks again (another one may just have finished), dumps the database in a
thread (its own event loop and engine: the bot keeps serving), puts the file in every
destination and deletes all but the newest BACKUP_KEEP there.

The last successful backup's time is what the destinations hold (the newest file's
name), so every replica and a restarted one agree. The `backup` health check (in
/health's detail and /diag) turns to warn once that is older than twice the interval;
a failed attempt past that point alerts the admins, once per stale backup. A failed
attempt is retried after RETRY_AFTER_S, not every minute.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text

from lucien.core.backup.destinations import (
    Destination,
    configured_destinations,
    prune,
    taken_at,
)
from lucien.core.backup.dump import backup_name, dump
from lucien.core.plugin import HealthCheck, HealthResult, Job

if TYPE_CHECKING:
    from lucien.core.context import AppContext

log = logging.getLogger("lucien.backup")

# How often every replica looks whether a backup is due (a cheap check in memory).
JOB_INTERVAL_S = 60.0
# After a failed backup, the next try (or sooner when the interval is shorter).
RETRY_AFTER_S = 600.0
# Older than this many intervals, the last backup is stale: warn, and alert on failure.
STALE_FACTOR = 2
# How often the health check lists the destinations again while it looks stale (a
# replica that does not take the backups learns of them this way).
RELIST_S = 300.0
# Session-level advisory lock of the backup (the migrations use 0x6C756369656E).
LOCK_KEY = 0x6C75636B7570
ALERT_KEY = "alert.backup_stale"
ALERT_NEVER_KEY = "alert.backup_never"


def human(delta: timedelta) -> str:
    """`3 d 4 h`, `5 h 20 min`, `12 min`: an age for admins and /diag."""
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {mins} min"
    return f"{mins} min"


class BackupService:
    """The scheduled backups of one replica (`ctx.service("core.backup", ...)`)."""

    def __init__(self, ctx: AppContext) -> None:
        settings = ctx.settings
        self.ctx = ctx
        self.interval = timedelta(hours=settings.backup_interval or 0)
        self.keep = settings.backup_keep
        self.destinations: list[Destination] = configured_destinations(settings)
        self.last_success: datetime | None = None
        self.last_error: str | None = None
        self.last_duration: float | None = None
        self._listed_at: float | None = None
        self._next_try: datetime | None = None
        self._since = ctx.clock.now()  # "no backup yet" is stale counted from here
        self._alerted_for: str | None = None
        self._running = False

    @property
    def enabled(self) -> bool:
        return self.interval > timedelta(0) and bool(self.destinations)

    async def refresh(self) -> datetime | None:
        """The newest backup every destination holds (the oldest of their newest)."""
        newest: list[datetime | None] = []
        for destination in self.destinations:
            names = await destination.names()
            newest.append(taken_at(names[-1]) if names else None)
        self._listed_at = self.ctx.clock.monotonic()
        found = [n for n in newest if n is not None]
        self.last_success = min(found) if found and len(found) == len(newest) else None
        return self.last_success

    def is_due(self, now: datetime) -> bool:
        return self.last_success is None or now >= self.last_success + self.interval

    def is_stale(self, now: datetime) -> bool:
        return now - (self.last_success or self._since) > STALE_FACTOR * self.interval

    async def tick(self) -> bool:
        """The job: back up when due (on one replica); True when this call backed up."""
        if not self.enabled:
            return False
        now = self.ctx.clock.now()
        if self._listed_at is None:
            try:
                await self.refresh()
            except Exception:  # the bucket unreachable: tried again, and told, below
                log.debug("backup: listing the destinations failed", exc_info=True)
        if not self.is_due(now) or (self._next_try is not None and now < self._next_try):
            return False
        async with self._single_replica() as mine:
            if not mine:
                return False
            try:
                await self.refresh()  # another replica may have just done it
                if not self.is_due(now):
                    return False
                await self.back_up(now)
            except Exception as exc:
                self.last_error = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
                retry = min(timedelta(seconds=RETRY_AFTER_S), self.interval)
                self._next_try = now + retry
                log.warning("backup failed (next try in %s): %s", human(retry), self.last_error)
                log.debug("backup failure", exc_info=True)
                if self.is_stale(now):
                    await self._alert(now)
                return False
        return True

    async def back_up(self, now: datetime) -> Path:
        """Dump, store in every destination, prune; the name stored."""
        started = time.perf_counter()
        name = backup_name(now)
        ctx = self.ctx
        with tempfile.TemporaryDirectory(prefix="lucien-backup-") as tmp:
            local = Path(tmp) / name
            # Its own event loop and engine in a thread: encoding rows is CPU work that
            # must not hold up the updates this replica serves meanwhile.
            report = await asyncio.to_thread(
                asyncio.run, dump(ctx.settings.database, ctx.registry, local, now=now)
            )
            for destination in self.destinations:
                await destination.put(local, name)
                deleted = await prune(destination, self.keep)
                if deleted:
                    log.info("backup: deleted %s from %s", ", ".join(deleted), destination.label)
        self.last_success, self.last_error, self._next_try = now, None, None
        self._alerted_for = None
        self.last_duration = time.perf_counter() - started
        log.info(
            "backup %s: %d rows in %.1fs to %s",
            name,
            report.manifest.total_rows,
            self.last_duration,
            ", ".join(d.label for d in self.destinations),
        )
        return Path(name)

    async def _alert(self, now: datetime) -> None:
        """Tell the admins, once per stale backup (and once per window across replicas)."""
        last = self.last_success.isoformat() if self.last_success else "never"
        if self._alerted_for == last:
            return
        age = human(now - self.last_success) if self.last_success else None
        try:
            await self.ctx.alerts.send(
                ALERT_KEY if age else ALERT_NEVER_KEY,
                once=f"{ALERT_KEY}:{last}",
                age=age or "",
                error=self.last_error or "",
            )
            self._alerted_for = last
        except Exception as exc:  # the database is down too: the next failure tries again
            log.warning("backup alert not sent: %r", exc)

    @asynccontextmanager
    async def _single_replica(self) -> AsyncIterator[bool]:
        """True inside when this replica (and this task) may back up now."""
        if self._running:
            yield False
            return
        self._running = True
        try:
            if not self.ctx.db.is_postgres:  # SQLite: one process
                yield True
                return
            async with self.ctx.db.engine.connect() as conn:
                auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
                got = await auto.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": LOCK_KEY})
                try:
                    yield bool(got)
                finally:
                    if got:
                        await auto.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})
        finally:
            self._running = False

    async def health(self) -> HealthResult:
        """pass while the last backup is recent; warn with its age once it is stale."""
        now = self.ctx.clock.now()
        listed = self._listed_at
        if listed is None or (
            self.is_stale(now) and self.ctx.clock.monotonic() - listed > RELIST_S
        ):
            try:
                await self.refresh()
            except Exception as exc:  # S3 unreachable: say so rather than fail the check
                return HealthResult("backup", "warn", f"cannot list the backups: {exc!r}"[:300])
        # Figures /diag lists beside the detail (scalars only: it prints each one).
        data: dict[str, object] = {
            "interval_h": self.interval.total_seconds() / 3600,
            "keep": self.keep,
            "destination": ", ".join(d.label for d in self.destinations),
        }
        if self.last_success is not None:
            data["last_backup_at"] = self.last_success.isoformat()
            data["age_s"] = int((now - self.last_success).total_seconds())
        if self.last_error:
            data["last_error"] = self.last_error
        limit = human(STALE_FACTOR * self.interval)
        if self.last_success is None:
            detail = "no backup yet"
        else:
            detail = f"last backup {human(now - self.last_success)} ago"
        if self.is_stale(now):
            return HealthResult("backup", "warn", f"{detail} (older than {limit})", data)
        return HealthResult("backup", "pass", detail, data)


def service(ctx: AppContext) -> BackupService:
    return ctx.service("core.backup", BackupService)


async def run_backup_job(ctx: AppContext) -> None:
    """The built-in plugin's `core.backup` job (every replica; one backs up)."""
    await service(ctx).tick()


def backup_jobs(ctx: AppContext) -> list[Job]:
    """The job, when BACKUP_INTERVAL and a destination are set."""
    return [Job("core.backup", run_backup_job, JOB_INTERVAL_S)] if service(ctx).enabled else []


def backup_health_checks(ctx: AppContext) -> list[HealthCheck]:
    """The `backup` health check, when scheduled backups are on."""
    if not service(ctx).enabled:
        return []

    async def backup() -> HealthResult:
        return await service(ctx).health()

    return [backup]
