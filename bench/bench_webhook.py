"""Webhook throughput: the whole Lucien bot against a bare aiogram bot, in one run.

    .venv/bin/python bench/bench_webhook.py [--updates 8000] [--rounds 8] [--pin]

Both servers run as their own processes against the Bot API emulator (limits off, its
own process too) and receive the same /start updates by POST /webhook, 32 at a time.
Lucien runs with every plugin, PostgreSQL and Redis. Printed: updates/s, p50, p99 and
peak RSS of each server, and the ratios Lucien / bare.

Both servers are up for the whole run and take the updates in rounds, in ABBA order
(`--rounds`, default 8), so that a shared machine's changing speed weighs on both
alike. `--pin` puts the servers on their own CPU, away from the load generator, the
emulator, PostgreSQL and Redis. BENCH_ROUNDS_VERBOSE=1 prints each round (CPU per
update included); BENCH_CPROFILE / BENCH_PROFILE / BENCH_PYSPY=<path> profile the Lucien
server (cProfile, pyinstrument, py-spy after the warm-up). `--against PATH` runs a
second Lucien from another checkout in the same rounds (before/after a change).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import psutil

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PG_ADMIN = os.environ.get("LUCIEN_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
EMULATOR_PS: psutil.Process | None = None
PIN_SERVER: set[int] | None = None


def pinned(proc: subprocess.Popen[bytes]) -> subprocess.Popen[bytes]:
    """Move a server under test onto its own CPU when --pin was given."""
    if PIN_SERVER:
        os.sched_setaffinity(proc.pid, PIN_SERVER)
    return proc


REDIS = os.environ.get("LUCIEN_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Result:
    name: str
    rate: float
    p50: float
    p99: float
    rss_mb: float
    errors: int
    cpu_ms: float = 0.0  # server CPU per update
    emulator_cpu_ms: float = 0.0  # emulator CPU per update (the bare bot's replies)
    client_cpu_ms: float = 0.0  # this load generator's own CPU per update (same machine)


def update(i: int, users: int) -> bytes:
    uid = 10_000_000 + i % users
    return json.dumps(
        {
            "update_id": 1_000_000 + i,
            "message": {
                "message_id": i + 1,
                "date": int(time.time()),
                "text": "/start",
                "chat": {"id": uid, "type": "private", "first_name": f"U{uid}"},
                "from": {
                    "id": uid,
                    "is_bot": False,
                    "first_name": f"U{uid}",
                    "language_code": "es",
                },
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            },
        }
    ).encode()


async def wait_ready(url: str, proc: subprocess.Popen[bytes], limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"{url}: server exited with {proc.returncode}")
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(url) as r:
                    if r.status == 200:
                        return
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{url} not ready in {limit}s")


@dataclass
class Server:
    """A server under test, with what was measured of it over the rounds."""

    name: str
    port: int
    proc: subprocess.Popen[bytes]
    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    updates: int = 0
    errors: int = 0
    cpu: float = 0.0
    emulator_cpu: float = 0.0
    client_cpu: float = 0.0
    peak: int = 0

    def result(self) -> Result:
        lat = sorted(self.latencies)
        n = self.updates
        return Result(
            self.name,
            n / self.elapsed,
            statistics.median(lat) * 1000,
            lat[int(len(lat) * 0.99) - 1] * 1000,
            self.peak / 2**20,
            self.errors,
            self.cpu / n * 1000,
            self.emulator_cpu / n * 1000,
            self.client_cpu / n * 1000,
        )


HEADERS = {"X-Telegram-Bot-Api-Secret-Token": "s3cret", "Content-Type": "application/json"}


async def warm_up(server: Server, users: int, first: int) -> None:
    """The first update of each user (known-user caches, connections), not measured."""
    server.peak = psutil.Process(server.proc.pid).memory_info().rss
    print(f"{server.name}: RSS when ready {server.peak / 2**20:.1f} MB", flush=True)
    async with aiohttp.ClientSession() as session:
        for i in range(users):
            async with session.post(
                f"http://127.0.0.1:{server.port}/webhook",
                data=update(first + i, users),
                headers=HEADERS,
            ) as r:
                await r.read()


async def drive(server: Server, first: int, n: int, conc: int, users: int) -> None:
    """Send updates first..first+n, `conc` at a time, adding to the server's figures."""
    url = f"http://127.0.0.1:{server.port}/webhook"
    ps = psutil.Process(server.proc.pid)
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(first, first + n):
        queue.put_nowait(i)
    stop_sampling = asyncio.Event()

    async def sample() -> None:
        while not stop_sampling.is_set():
            server.peak = max(server.peak, ps.memory_info().rss)
            await asyncio.sleep(0.05)

    connector = aiohttp.TCPConnector(limit=conc)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> None:
            while not queue.empty():
                i = queue.get_nowait()
                body = update(i, users)
                started = time.perf_counter()
                async with session.post(url, data=body, headers=HEADERS) as r:
                    await r.read()
                    if r.status != 200:
                        server.errors += 1
                server.latencies.append(time.perf_counter() - started)

        sampler = asyncio.create_task(sample())
        cpu_before = sum(ps.cpu_times()[:2])
        sys_before = ps.cpu_times()[1]
        emu_before = sum(EMULATOR_PS.cpu_times()[:2]) if EMULATOR_PS else 0.0
        client_before = time.process_time()
        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(conc)))
        server.elapsed += time.perf_counter() - began
        server.cpu += sum(ps.cpu_times()[:2]) - cpu_before
        server.emulator_cpu += (
            (sum(EMULATOR_PS.cpu_times()[:2]) - emu_before) if EMULATOR_PS else 0.0
        )
        server.client_cpu += time.process_time() - client_before
        server.updates += n
        if os.environ.get("BENCH_ROUNDS_VERBOSE"):
            lat = sorted(server.latencies[-n:])
            print(
                f"  {server.name}: {n} updates, {n / (time.perf_counter() - began):.0f}/s, "
                f"CPU {(sum(ps.cpu_times()[:2]) - cpu_before) / n * 1000:.2f} ms/upd "
                f"(system {(ps.cpu_times()[1] - sys_before) / n * 1000:.2f}), "
                f"p50 {lat[n // 2] * 1000:.1f} ms, "
                f"p99 {lat[int(n * 0.99) - 1] * 1000:.1f} ms, max {lat[-1] * 1000:.1f} ms"
            )
        stop_sampling.set()
        await sampler


def start_lucien(
    tree: Path, port: int, token: str, api: str, dbname: str, prefix: str, env: dict[str, str]
) -> subprocess.Popen[bytes]:
    """`lucien run` from checkout `tree` (cwd first on sys.path: that tree's code runs)."""
    profile = os.environ.get("BENCH_PROFILE")  # a path: profile the Lucien server
    command = (
        [PY, "-m", "pyinstrument", "-i", "0.001", "-o", profile, "-m"] if profile else [PY, "-m"]
    )
    if os.environ.get("BENCH_CPROFILE"):  # a path: cProfile stats of the Lucien server
        command = [PY, "-m", "cProfile", "-o", os.environ["BENCH_CPROFILE"], "-m"]
    return pinned(
        subprocess.Popen(
            [*command, "lucien", "run"],
            cwd=tree,
            env={
                **env,
                "BOT_TOKEN": token,
                "TELEGRAM_API_URL": api,
                "PORT": str(port),
                "HOST": "127.0.0.1",
                "WEBHOOK_BASE_URL": f"http://127.0.0.1:{port}",
                "WEBHOOK_SECRET": "s3cret",
                "DATABASE_URL": PG_ADMIN.rsplit("/", 1)[0] + f"/{dbname}",
                "REDIS_URL": REDIS,
                "REDIS_KEY_PREFIX": prefix,
                "LOG_LEVEL": "WARNING",
                "ENV": "development",
                # The flood limit runs on every update but never refuses one here: the
                # bench's users send faster than a person would on a fast machine.
                "FLOOD_BURST": "100000",
            },
        )
    )


async def drop_redis_keys(prefix: str) -> None:
    """Leave Redis as found: each run writes thousands of dedup and voice keys (24 h and
    30 days of TTL) that would otherwise pile up over runs and weigh on later ones."""
    import redis.asyncio as aioredis

    client = aioredis.from_url(REDIS)
    try:
        batch = [key async for key in client.scan_iter(match=f"{prefix}*", count=1000)]
        for start in range(0, len(batch), 1000):
            await client.unlink(*batch[start : start + 1000])
    finally:
        await client.aclose()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--updates", type=int, default=8000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument(
        "--rounds",
        type=int,
        default=8,
        help="the updates are sent in this many rounds, alternating servers",
    )
    parser.add_argument(
        "--skip-bare",
        action="store_true",
        help="measure Lucien only (quicker when comparing two versions of it)",
    )
    parser.add_argument(
        "--against",
        metavar="PATH",
        help="another checkout of Lucien (say, a worktree of the commit before a change) "
        "run alongside in the same rounds, on its own database",
    )
    parser.add_argument(
        "--pin",
        action="store_true",
        help="server on the last CPU, everything else on the others: runs "
        "compare better on a small noisy machine",
    )
    args = parser.parse_args()
    global PIN_SERVER
    cpus = sorted(os.sched_getaffinity(0))
    if args.pin and len(cpus) > 1:
        PIN_SERVER = {cpus[-1]}
        os.sched_setaffinity(0, set(cpus[:-1]))  # the load generator and what it starts

    import asyncpg

    emu_port = free_port()
    emulator = subprocess.Popen(
        [
            PY,
            "-m",
            "lucien.core.testing.emulator",
            "--port",
            str(emu_port),
            "--limits",
            "off",
            "--users",
            str(args.users),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )
    global EMULATOR_PS
    EMULATOR_PS = psutil.Process(emulator.pid)
    token = ""
    while not token:
        line = emulator.stdout.readline().decode()  # type: ignore[union-attr]
        if line.startswith("BOT_TOKEN="):
            token = line.split("=", 1)[1].strip()
    api = f"http://127.0.0.1:{emu_port}"

    dbname = f"lucien_bench_{secrets.token_hex(4)}"
    conn = await asyncpg.connect(PG_ADMIN)
    await conn.execute(f'CREATE DATABASE "{dbname}"')
    await conn.close()
    dbnames = [dbname]
    procs: list[subprocess.Popen[bytes]] = [emulator]
    redis_prefix = f"bench-{secrets.token_hex(3)}"
    servers: list[Server] = []
    try:
        base_env = {k: v for k, v in os.environ.items() if not k.startswith(("LUCIEN_", "BOT_"))}
        if not args.skip_bare:
            bare_port = free_port()
            bare = pinned(
                subprocess.Popen(
                    [PY, str(ROOT / "bench" / "bare_bot.py")],
                    cwd=ROOT,
                    env={
                        **base_env,
                        "BOT_TOKEN": token,
                        "TELEGRAM_API_URL": api,
                        "PORT": str(bare_port),
                    },
                )
            )
            procs.append(bare)
            await wait_ready(f"http://127.0.0.1:{bare_port}/health", bare)
            servers.append(Server("bare aiogram", bare_port, bare))

        trees = [("lucien (all plugins, PG, Redis)", ROOT)]
        if args.against:
            trees.append((f"lucien @ {args.against}", Path(args.against)))
        lucien_procs = []
        for name, tree in trees:
            if tree != ROOT:
                dbname = f"lucien_bench_{secrets.token_hex(4)}"
                dbnames.append(dbname)
                conn = await asyncpg.connect(PG_ADMIN)
                await conn.execute(f'CREATE DATABASE "{dbname}"')
                await conn.close()
            port = free_port()
            lucien = start_lucien(
                tree, port, token, api, dbname, f"{redis_prefix}-{port}", base_env
            )
            procs.append(lucien)
            lucien_procs.append(lucien)
            await wait_ready(f"http://127.0.0.1:{port}/health", lucien)
            servers.append(Server(name, port, lucien))
        for server in servers:
            await warm_up(server, args.users, first=10 * args.updates)
        spy = os.environ.get("BENCH_PYSPY")  # a path: py-spy's view of the Lucien server
        if spy:  # after the warm-up, so its first-time SQL does not blur the picture
            procs.append(
                subprocess.Popen(
                    [
                        "py-spy",
                        "record",
                        "-p",
                        str(lucien_procs[0].pid),
                        "-o",
                        spy,
                        "-f",
                        "raw",
                        "-r",
                        "200",
                        "--nonblocking",
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )

        # Rounds in ABBA order: the host's speed drifts over a run (a shared VM), and
        # alternating lets the drift weigh on both servers alike instead of on the second.
        rounds = max(1, args.rounds)
        chunk = args.updates // rounds
        for r in range(rounds):
            order = servers if r % 2 == 0 else servers[::-1]
            for server in order:
                await drive(server, r * chunk, chunk, args.concurrency, args.users)
        for lucien in lucien_procs:
            lucien.send_signal(signal.SIGINT)
            lucien.wait(300)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(20)
        conn = await asyncpg.connect(PG_ADMIN)
        for name in dbnames:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()
        await drop_redis_keys(redis_prefix)

    print(f"{args.updates} /start updates, {args.concurrency} concurrent, {args.users} users")
    print(
        f"{'':34} {'updates/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'peak RSS MB':>12} {'errors':>7}"
        f" {'CPU ms/upd':>11} {'+emulator':>10} {'client':>7}"
    )
    results = [server.result() for server in servers]
    for res in results:
        print(
            f"{res.name:34} {res.rate:10.0f} {res.p50:8.1f} {res.p99:8.1f} {res.rss_mb:12.1f}"
            f" {res.errors:7} {res.cpu_ms:11.2f} {res.emulator_cpu_ms:10.2f}"
            f" {res.client_cpu_ms:7.2f}"
        )
    if not args.skip_bare:
        base, *lucien_results = results
        for ours in lucien_results:
            print(
                f"ratios {ours.name}/bare: throughput {ours.rate / base.rate:.2f}x "
                f"(target >= 1.5), p99 {ours.p99 / base.p99:.2f}x (target <= 0.5), "
                f"RSS {ours.rss_mb / base.rss_mb:.2f}x (target <= 1.25)"
            )


if __name__ == "__main__":
    asyncio.run(main())
