"""How much does the at-head migration check add to start-up?

Measures, on SQLite (a temporary file) and PostgreSQL (a fresh temporary database on
127.0.0.1:5432, or LUCIEN_BENCH_PG_URL's server), against a baseline measured in the same
run: a throwaway engine that connects and runs `SELECT 1`.

* `is_at_head`: what /health calls (cached script map).
* `upgrade_all` at head: what start-up runs when there is nothing to migrate.
* cold: the first `upgrade_all` in a process, including parsing the version files.

Run: .venv/bin/python bench/bench_migrations.py
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg
from sqlalchemy import text

from lucien.core.db import migrate
from lucien.core.settings import load_settings

ROUNDS = 30
PG_SERVER = os.environ.get("LUCIEN_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432")


async def _medians(fns: list[Callable[[], Awaitable[Any]]], rounds: int = ROUNDS) -> list[float]:
    """Median time of each function, interleaved round by round so machine load hits all."""
    for fn in fns:
        await fn()  # warm-up (imports, first connection)
    samples: list[list[float]] = [[] for _ in fns]
    for _ in range(rounds):
        for fn, bucket in zip(fns, samples, strict=True):
            started = time.perf_counter()
            await fn()
            bucket.append(time.perf_counter() - started)
    return [statistics.median(bucket) for bucket in samples]


async def bench(label: str, url: str) -> None:
    settings = load_settings(sandbox=True, database_url=url)

    async def baseline() -> None:
        engine = migrate.migration_engine(settings.database)
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        finally:
            await engine.dispose()

    migrate._script_cache.clear()
    started = time.perf_counter()
    await migrate.upgrade_all(settings, None)  # from empty: applies the core
    first = time.perf_counter() - started
    migrate._script_cache.clear()
    started = time.perf_counter()
    report = await migrate.upgrade_all(settings, None)
    cold = time.perf_counter() - started
    assert report.fast_path and not report.applied

    base, at_head, upgrade = await _medians(
        [
            baseline,
            lambda: migrate.is_at_head(settings, None),
            lambda: migrate.upgrade_all(settings, None),
        ]
    )
    ms = 1000
    print(f"{label}:")
    print(f"  baseline connect + SELECT 1      {base * ms:8.2f} ms")
    print(
        f"  is_at_head (warm)                {at_head * ms:8.2f} ms  ratio {at_head / base:5.2f}x"
    )
    print(
        f"  upgrade_all at head (warm)       {upgrade * ms:8.2f} ms  ratio {upgrade / base:5.2f}x"
    )
    print(f"  upgrade_all at head (cold)       {cold * ms:8.2f} ms  ratio {cold / base:5.2f}x")
    print(f"  upgrade_all from empty           {first * ms:8.2f} ms")


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        await bench("SQLite", f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}")
    name = f"lucien_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(f"{PG_SERVER}/postgres")
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        await bench("PostgreSQL", f"{PG_SERVER}/{name}")
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
