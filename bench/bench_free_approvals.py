"""Benchmark: N free-channel join requests due at the same instant (default 1,000).

    .venv/bin/python bench/bench_free_approvals.py [N] [sqlite|postgres]

Real clock, the emulator with Telegram's limits ON, the whole bot (webhook, database, the
free plugin's job loops at their 1 s interval). N users start the bot and ask to join;
then every request is made due at one instant T (10 minutes after it was made, as with a
10-minute wait, so the welcomes go after the approvals). Measured per request: the delay
from T to the approval (the row's `handled_at`, written after its batch: an upper bound),
and the 429s the emulator answered.

Baseline, in the same run: the same requests handled by a naive loop that approves and
welcomes each user straight through `bot(...)`, without the sender's pacing.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import ApproveChatJoinRequest, SendMessage
from sqlalchemy import select, update

from lucien.core.clock import Clock
from lucien.core.testing.databases import temporary_database
from lucien.core.testing.harness import BotHarness
from lucien.plugins.free.models import FreeJoinRequest
from lucien.plugins.free.services import service

LEAD = timedelta(seconds=3)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


async def prepare(harness: BotHarness, n: int, *, run_jobs: bool) -> tuple[Any, list[Any]]:
    """Start the bot, configure the channel, let n users start the bot and ask to join."""
    app = await harness.start_app(run_jobs=run_jobs)
    ctx = app.ctx
    channel = harness.emulator.create_channel("Vestibule")
    for key, value in (("channel_id", channel.id), ("wait_minutes", 10)):
        await ctx.config.update(
            "free", key, value, expected_version=await ctx.config.version("free", key), by=None
        )
    link = await service(ctx).join_link(channel.id)
    assert link is not None
    users = [harness.user(f"U{i}", language_code="en") for i in range(n)]
    gate = asyncio.Semaphore(50)

    async def ask(user: Any) -> None:
        async with gate:
            await user.send("hi")
            assert await user.join(link) == "requested"

    started = time.monotonic()
    await asyncio.gather(*(ask(u) for u in users))
    print(f"  {n} requests received in {time.monotonic() - started:.1f} s")
    return channel, users


async def make_due(ctx: Any, at: Any) -> None:
    """Every request due at `at`, made 10 minutes before (outside the 5-minute DM window)."""
    async with ctx.db.session() as s:
        await s.execute(
            update(FreeJoinRequest).values(due_at=at, requested_at=at - timedelta(minutes=10))
        )


async def delays(ctx: Any, due: Any) -> list[float]:
    async with ctx.db.session() as s:
        rows = list(await s.scalars(select(FreeJoinRequest)))
    assert all(r.status == "approved" for r in rows), {r.status for r in rows}
    early = [r for r in rows if r.handled_at < due]
    assert not early, f"{len(early)} approved before their time"
    return [(r.handled_at - due).total_seconds() for r in rows]


def report(name: str, values: list[float], rejected: int, extra: str = "") -> None:
    print(
        f"{name:>9}: n={len(values)} p50={statistics.median(values):.2f}s "
        f"p99={percentile(values, 99):.2f}s max={max(values):.2f}s 429s={rejected} {extra}"
    )


async def run_plugin(n: int, url: str) -> None:
    async with BotHarness(
        database_url=url, clock=Clock(), limits="on", plugins=["voice", "free"]
    ) as harness:
        channel, users = await prepare(harness, n, run_jobs=True)
        ctx = harness.ctx
        before = sum(1 for c in harness.emulator.calls if c.status == 429)
        due = ctx.clock.now() + LEAD
        await make_due(ctx, due)
        # Polling is the measurement here: the bot runs on its own, on the real clock.
        while sum(1 for u in users if channel.members.get(u.id) == "member") < n:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        approved_at = time.monotonic()
        values = await delays(ctx, due)
        while await _welcomes_left(ctx):  # noqa: ASYNC110
            await asyncio.sleep(0.2)
        welcomes_done = time.monotonic() - approved_at
        rejected = sum(1 for c in harness.emulator.calls if c.status == 429) - before
        report(
            "plugin",
            values,
            rejected,
            f"(welcomes all sent {welcomes_done:.1f} s after the last approval)",
        )


async def _welcomes_left(ctx: Any) -> int:
    """Welcomes still owed: rows not yet queued, and queued ones the outbox has not sent."""
    async with ctx.db.session(readonly=True) as s:
        rows = await s.scalars(
            select(FreeJoinRequest.id).where(
                FreeJoinRequest.welcome.not_in(["queued", "sent", "unreachable"])
            )
        )
        owed = len(list(rows))
    return owed + len(await ctx.outbox.pending("free.welcome:"))


async def run_baseline(n: int, url: str) -> None:
    """Approve and welcome each user straight through the Bot, no pacing: 429s appear."""
    async with BotHarness(
        database_url=url, clock=Clock(), limits="on", plugins=["voice", "free"]
    ) as harness:
        channel, users = await prepare(harness, n, run_jobs=False)
        ctx = harness.ctx
        before = sum(1 for c in harness.emulator.calls if c.status == 429)
        due = ctx.clock.now() + LEAD
        await make_due(ctx, due)
        await asyncio.sleep(LEAD.total_seconds())
        rejected_welcomes = 0
        async with ctx.db.session() as s:
            rows = list(await s.scalars(select(FreeJoinRequest)))

        async def one(row: FreeJoinRequest) -> None:
            nonlocal rejected_welcomes
            await ctx.bot(ApproveChatJoinRequest(chat_id=row.chat_id, user_id=row.user_id))
            async with ctx.db.session() as s:
                await s.execute(
                    update(FreeJoinRequest)
                    .where(FreeJoinRequest.id == row.id)
                    .values(status="approved", handled_at=ctx.clock.now())
                )
            try:
                await ctx.bot(SendMessage(chat_id=row.user_id, text="Welcome"))
            except TelegramRetryAfter:
                rejected_welcomes += 1

        await asyncio.gather(*(one(r) for r in rows))
        values = await delays(ctx, due)
        rejected = sum(1 for c in harness.emulator.calls if c.status == 429) - before
        assert all(channel.members.get(u.id) == "member" for u in users)
        report("baseline", values, rejected, f"({rejected_welcomes} welcomes lost to 429)")


async def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    kind = sys.argv[2] if len(sys.argv) > 2 else "sqlite"
    print(f"{n} join requests due at once ({kind}, real clock, emulator limits on)")
    with tempfile.TemporaryDirectory() as tmp:
        async with temporary_database(kind, Path(tmp)) as url:
            await run_plugin(n, url)
        async with temporary_database(kind, Path(tmp)) as url:
            await run_baseline(n, url)


if __name__ == "__main__":
    asyncio.run(main())
