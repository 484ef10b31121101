"""The outbox: Bot API calls written in the same transaction as the change that causes
them, then made once each by whichever replica claims them.

A job that commits a change and then sends loses the message when the process dies in
between; one that sends and then commits sends it twice. Instead it adds the calls to the
outbox inside its own write transaction, so both commit or neither does:

    async with ctx.db.session() as s:
        ...  # the state change (a subscription marked expired)
        await ctx.outbox.add(
            s,
            OutboxCall(BanChatMember(chat_id=ch, user_id=uid), ok_errors=("USER_NOT_PARTICIPANT",)),
            UnbanChatMember(chat_id=ch, user_id=uid, only_if_banned=True),
            OutboxCall(SendMessage(chat_id=uid, text=farewell), optional=True),
            key=f"vip.expiry:{uid}:{period}",
            plugin="vip",
        )

The built-in job `core.outbox` (every replica, about once a second, after the other jobs)
claims due rows (`FOR UPDATE SKIP LOCKED`, then a lease: `claimed_by`, `claimed_until`),
makes each row's calls in order through `ctx.sender` (Telegram's limits, 429s waited out)
and records each finished call (`step`) before making the next. A replica killed mid-row
keeps its lease until it runs out; then another claims the row and resumes at the
recorded step: only the call in flight at the kill may be made twice. Rows are
independent (several go at once, retried on their own): calls that must follow each
other belong in one row.

When a call fails:

- transient (5xx, network, timeout, a 429 past the sender's retries, anything not a 4xx):
  the row is given back and retried later from the same call, with a growing back-off;
- a 4xx whose description contains one of the call's `ok_errors`: counts as done;
- one of its `retry_errors` (a right the bot lacks, that an admin can give back): retried
  after `NEEDS_ADMIN_RETRY_S`;
- any other 4xx: the row fails with the reason and its later calls are dropped, unless the
  call is `optional` (then only it is given up). A 403 "blocked" on a send also marks the
  user blocked (the sender's `on_blocked`).

Plugins may listen for their rows' failures (`on_failure`, to alert admins, say). Rows
sent, failed or cancelled more than `RETENTION` ago are pruned by the same job.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, cast

from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import TelegramMethod
from pydantic import ValidationError
from sqlalchemy import and_, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from lucien.core.db import upsert
from lucien.core.db.models import OutboxEntry
from lucien.core.outbox_calls import (
    PERMANENT,
    FailureListener,
    OutboxCall,
    OutboxFailure,
    contains,
    decode_method,
    encode_call,
)
from lucien.core.sender import Deferred

if TYPE_CHECKING:
    from sqlalchemy import CursorResult

    from lucien.core.context import AppContext

__all__ = ["Outbox", "OutboxCall", "OutboxFailure", "decode_method", "encode_call"]

log = logging.getLogger("lucien.outbox")

PENDING, SENT, FAILED, CANCELLED = "pending", "sent", "failed", "cancelled"
# A claim lasts this long and is renewed at each recorded call: a dead replica's rows come
# back within a minute, and one call (paced, 429s waited out) fits well inside it.
LEASE_S = 60.0
CALL_TIMEOUT_S = 45.0
# Transient failures: 5 s, 10 s, 20 s ... up to 5 minutes between attempts.
BACKOFF_FIRST_S = 5.0
BACKOFF_MAX_S = 300.0
# A right the bot lacks comes back when an admin acts: trying every few seconds until
# then would only spend the rate limit.
NEEDS_ADMIN_RETRY_S = 600.0
BATCH = 100  # rows one run of the job delivers at most
# Rows delivered at once by one replica (the sender paces them all), and claimed at once.
CONCURRENCY = 8
RETENTION = timedelta(days=7)
PRUNE_EVERY = timedelta(minutes=10)
MAX_KEY = 255
# The outcome of a call as /metrics counts it.
_METRIC = {
    "done": "sent",
    "retry": "retried",
    "failed": "failed",
    "skipped": "skipped",
    "deferred": "deferred",
}
# `send_now` runs in the caller's update: it waits this long at most for a chat's turn
# (a busy admin chat, 1 message/s) and leaves the row to the job beyond that, so a user's
# tap is never answered only after everyone else's notifications went out.
SEND_NOW_MAX_WAIT_S = 1.0


@dataclass
class _Claimed:
    """A row this replica holds (`token` is its lease) and what is left of it."""

    id: int
    key: str
    plugin: str
    calls: list[dict[str, Any]]
    step: int
    attempts: int
    cancelled: bool
    token: str


@dataclass(frozen=True)
class _Outcome:
    """What one call's attempt means for its row (module docstring: when a call fails)."""

    kind: Literal["done", "retry", "failed", "skipped", "deferred"]
    error: str | None = None
    delay: float = 0.0
    method: TelegramMethod[Any] | None = None
    refused: bool = False


class Outbox:
    """Queues Bot API calls with the caller's transaction and delivers them (module doc)."""

    def __init__(self, ctx: AppContext, *, lease: float = LEASE_S) -> None:
        self.ctx = ctx
        self.lease = lease
        self._listeners: dict[str, list[FailureListener]] = {}
        self._pruned_at: datetime | None = None

    # ------------------------------------------------------------------ writing

    async def add(
        self,
        session: AsyncSession,
        *calls: TelegramMethod[Any] | OutboxCall,
        key: str,
        plugin: str,
        not_before: datetime | None = None,
    ) -> bool:
        """Queue Bot API calls in the caller's open write transaction (same commit as the
        state change that causes them). Idempotent by `key` (unique): a second add with
        the same key is ignored, returns False. Calls run in order, not before
        `not_before` when given."""
        if not calls:
            raise ValueError("Outbox.add needs at least one call")
        if not key or len(key) > MAX_KEY:
            raise ValueError(f"an outbox key is 1-{MAX_KEY} characters: {key!r}")
        now = self.ctx.clock.now()
        row = {
            "key": key,
            "plugin": plugin,
            "calls": [encode_call(call) for call in calls],
            "step": 0,
            "status": PENDING,
            "attempts": 0,
            "next_attempt_at": max(now, not_before) if not_before is not None else now,
            "created_at": now,
        }
        result = await session.execute(upsert(session, OutboxEntry, row, conflict=["key"]))
        return bool(cast("CursorResult[Any]", result).rowcount)

    async def cancel(self, session: AsyncSession, key: str) -> bool:
        """Drop what is left of `key`'s calls, in the caller's transaction.

        A row no replica has taken yet is dropped whole: True (none of its calls happened
        or will). A row under way keeps its required calls, so a sequence is never left
        half done (a ban without its unban), and loses its optional ones: False, as for a
        key with nothing pending.
        """
        now = self.ctx.clock.now()
        untouched = await session.execute(
            update(OutboxEntry)
            .where(OutboxEntry.key == key, OutboxEntry.status == PENDING, OutboxEntry.attempts == 0)
            .values(status=CANCELLED, cancelled_at=now, last_error="cancelled")
            .execution_options(synchronize_session=False)
        )
        if cast("CursorResult[Any]", untouched).rowcount:
            return True
        await session.execute(
            update(OutboxEntry)
            .where(OutboxEntry.key == key, OutboxEntry.status == PENDING)
            .values(cancelled_at=now)
            .execution_options(synchronize_session=False)
        )
        return False

    async def pending(self, key_prefix: str, *, session: AsyncSession | None = None) -> list[str]:
        """Keys starting with `key_prefix` whose calls are not all made yet."""
        query = select(OutboxEntry.key).where(
            OutboxEntry.key.startswith(key_prefix, autoescape=True),
            OutboxEntry.status == PENDING,
        )
        if session is not None:
            return list(await session.scalars(query))
        async with self.ctx.db.session(readonly=True) as s:
            return list(await s.scalars(query))

    def on_failure(self, plugin: str, listener: FailureListener) -> None:
        """Call `listener` (async) whenever a call of one of `plugin`'s rows fails."""
        self._listeners.setdefault(plugin, []).append(listener)

    # ------------------------------------------------------------------ delivering

    async def deliver_due(self, limit: int = BATCH) -> int:
        """Claim due rows (FOR UPDATE SKIP LOCKED + a lease: claimed_by/claimed_until, a
        crashed replica's rows come back when the lease ends), run their calls through
        ctx.sender one by one, recording each finished step before the next, so a kill -9
        repeats at most the call in flight. Returns calls made."""
        # Claimed no faster than they are run: a row waiting its turn behind slow calls
        # would see its lease lapse and another replica send it too.
        made, left, batch = 0, limit, min(limit, CONCURRENCY)
        while left > 0:
            rows = await self._claim(min(batch, left))
            # A claimed row never waits for its chat's turn past half its lease.
            made += await self._run_all(rows, self.lease / 2)
            left -= len(rows)
            if len(rows) < batch:
                break
        return made

    async def send_now(self, *keys: str) -> int:
        """Deliver the rows of `keys` now, if due and nobody holds them (a caller that just
        committed them saves the job's tick). Returns calls made; the job takes the rest."""
        made = 0
        for start in range(0, len(keys), CONCURRENCY):
            chunk = keys[start : start + CONCURRENCY]
            claimed = await self._claim(len(chunk), chunk)
            made += await self._run_all(claimed, SEND_NOW_MAX_WAIT_S)
        return made

    async def prune(self, older_than: timedelta = RETENTION) -> int:
        """Delete rows sent, failed or cancelled before `older_than` ago; how many."""
        cutoff = self.ctx.clock.now() - older_than
        async with self.ctx.db.session() as s:
            result = await s.execute(
                delete(OutboxEntry)
                .where(OutboxEntry.status != PENDING, OutboxEntry.created_at < cutoff)
                .execution_options(synchronize_session=False)
            )
        return int(cast("CursorResult[Any]", result).rowcount or 0)

    async def run_job(self) -> int:
        """The `core.outbox` job: deliver what is due; prune now and then."""
        made = await self.deliver_due()
        now = self.ctx.clock.now()
        if self._pruned_at is None or now - self._pruned_at >= PRUNE_EVERY:
            self._pruned_at = now
            await self.prune()
        return made

    async def _claim(self, limit: int, keys: Sequence[str] = ()) -> list[_Claimed]:
        now = self.ctx.clock.now()
        token = uuid.uuid4().hex
        until = now + timedelta(seconds=self.lease)
        due = and_(OutboxEntry.status == PENDING, OutboxEntry.next_attempt_at <= now)
        if keys:
            due = and_(due, OutboxEntry.key.in_(list(keys)))
        ids = (
            select(OutboxEntry.id)
            .where(due)
            .order_by(OutboxEntry.next_attempt_at, OutboxEntry.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        async with self.ctx.db.session() as s:
            rows = (
                await s.execute(
                    update(OutboxEntry)
                    .where(OutboxEntry.id.in_(ids), due)
                    # While claimed, the row is next due when the lease ends.
                    .values(
                        claimed_by=token,
                        claimed_until=until,
                        next_attempt_at=until,
                        attempts=OutboxEntry.attempts + 1,
                    )
                    .returning(
                        OutboxEntry.id,
                        OutboxEntry.key,
                        OutboxEntry.plugin,
                        OutboxEntry.calls,
                        OutboxEntry.step,
                        OutboxEntry.attempts,
                        OutboxEntry.cancelled_at,
                    )
                    .execution_options(synchronize_session=False)
                )
            ).all()
        found = [
            _Claimed(id_, key, plugin, calls, step, tries, cancelled is not None, token)
            for id_, key, plugin, calls, step, tries, cancelled in rows
        ]
        return sorted(found, key=lambda c: c.id)

    async def _run_all(self, rows: list[_Claimed], max_wait: float) -> int:
        if not rows:
            return 0
        gate = asyncio.Semaphore(CONCURRENCY)

        async def one(row: _Claimed) -> int:
            async with gate:
                return await self._run(row, max_wait)

        results = await asyncio.gather(*(one(row) for row in rows), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result  # the database went away mid-row: the job loop reports it
        return sum(cast("list[int]", results))

    async def _run(self, row: _Claimed, max_wait: float) -> int:
        """Make `row`'s calls from its step on; the number made. A call whose chat's turn
        is more than `max_wait` away leaves the row, unchanged, for then."""
        made, step, trimmed = 0, row.step, False
        while step < len(row.calls):
            spec = row.calls[step]
            if row.cancelled and spec.get("optional"):
                trimmed, step = True, step + 1
                if step == len(row.calls) and not await self._advance(row, step, None, CANCELLED):
                    return made
                continue
            outcome = await self._call(spec, row.attempts, max_wait)
            if outcome.kind == "deferred":
                await self._release(
                    row,
                    attempts=OutboxEntry.attempts - 1,  # not an attempt: nothing was tried
                    next_attempt_at=self.ctx.clock.now() + timedelta(seconds=outcome.delay),
                )
                return made
            if outcome.kind in ("retry", "failed"):
                if outcome.kind == "retry":
                    await self._give_back(row, outcome.error, outcome.delay)
                else:
                    await self._fail(row, outcome.error)
                await self._notify(row, step, outcome)
                return made
            if outcome.kind == "done":
                made += 1
            else:
                await self._notify(row, step, outcome)
            step += 1
            final = (CANCELLED if trimmed else SENT) if step == len(row.calls) else None
            if not await self._advance(row, step, outcome.error, final):
                return made  # the lease ran out: another replica has the row now
        return made

    async def _call(self, spec: dict[str, Any], attempts: int, max_wait: float) -> _Outcome:
        """Make one stored call and say what it means for the row (module docstring)."""
        try:
            method = decode_method(spec)
        except (LookupError, ValidationError) as exc:
            return _Outcome("failed", f"cannot rebuild {spec.get('method')}: {exc}")
        backoff = min(BACKOFF_FIRST_S * 2 ** max(attempts - 1, 0), BACKOFF_MAX_S)
        metrics = getattr(self.ctx.app, "metrics", None)
        try:
            async with asyncio.timeout(CALL_TIMEOUT_S):
                await self.ctx.sender(method, max_wait=max_wait)
        except Deferred as exc:
            outcome = _Outcome("deferred", None, exc.wait, method)
        except PERMANENT as exc:
            error = f"{type(exc).__name__}: {exc.message}"
            if contains(exc.message, spec.get("ok_errors", ())):
                outcome = _Outcome("done", None, method=method)
            elif contains(exc.message, spec.get("retry_errors", ())):
                outcome = _Outcome("retry", error, NEEDS_ADMIN_RETRY_S, method, True)
            else:
                kind: Literal["skipped", "failed"] = "skipped" if spec.get("optional") else "failed"
                outcome = _Outcome(kind, error, 0, method, True)
        except TelegramRetryAfter as exc:
            delay = max(float(exc.retry_after), backoff)
            outcome = _Outcome("retry", f"TelegramRetryAfter: {exc.retry_after}s", delay, method)
        except Exception as exc:  # 5xx, network, timeout: Telegram may be fine next time
            outcome = _Outcome("retry", f"{type(exc).__name__}: {exc}"[:500], backoff, method)
        else:
            outcome = _Outcome("done", None, method=method)
        if metrics is not None:
            metrics.outbox_calls.labels(_METRIC[outcome.kind]).inc()
        return outcome

    async def _advance(
        self, row: _Claimed, step: int, error: str | None, final: str | None
    ) -> bool:
        """Record that the calls before `step` are made (the row done when `final`);
        False when this replica no longer holds the row. Also renews the lease and reads
        a cancellation that came meanwhile."""
        now = self.ctx.clock.now()
        values: dict[str, Any] = {"step": step}
        if error is not None:
            values["last_error"] = error
        if final is not None:
            values.update(status=final, sent_at=now, claimed_by=None, claimed_until=None)
        else:
            until = now + timedelta(seconds=self.lease)
            values.update(claimed_until=until, next_attempt_at=until)
        async with self.ctx.db.session() as s:
            held = (
                await s.execute(
                    update(OutboxEntry)
                    .where(OutboxEntry.id == row.id, OutboxEntry.claimed_by == row.token)
                    .values(**values)
                    .returning(OutboxEntry.cancelled_at)
                    .execution_options(synchronize_session=False)
                )
            ).first()
        if held is None:
            return False
        row.cancelled = held.cancelled_at is not None
        return True

    async def _give_back(self, row: _Claimed, error: str | None, delay: float) -> None:
        """Release the row to be retried from the same call after `delay` seconds."""
        await self._release(
            row, last_error=error, next_attempt_at=self.ctx.clock.now() + timedelta(seconds=delay)
        )
        log.info("outbox %s: retry in %.0fs (%s)", row.key, delay, error)

    async def _fail(self, row: _Claimed, error: str | None) -> None:
        await self._release(row, last_error=error, status=FAILED)
        log.warning("outbox %s (%s) failed: %s", row.key, row.plugin, error)

    async def _release(self, row: _Claimed, **values: Any) -> None:
        async with self.ctx.db.session() as s:
            await s.execute(
                update(OutboxEntry)
                .where(OutboxEntry.id == row.id, OutboxEntry.claimed_by == row.token)
                .values(claimed_by=None, claimed_until=None, **values)
                .execution_options(synchronize_session=False)
            )

    async def _notify(self, row: _Claimed, step: int, outcome: _Outcome) -> None:
        """Tell the row's plugin's listeners; one that raises is logged and skipped."""
        failure = OutboxFailure(
            row.key,
            row.plugin,
            step,
            outcome.method,
            outcome.error or "",
            cast("Literal['retry', 'failed', 'skipped']", outcome.kind),
            outcome.refused,
        )
        for listener in self._listeners.get(row.plugin, ()):
            try:
                await listener(failure)
            except Exception:
                log.exception("outbox failure listener of %s raised", row.plugin)


async def run_outbox_job(ctx: AppContext) -> None:
    """The built-in plugin's `core.outbox` job (every replica)."""
    await ctx.outbox.run_job()
