"""Real processes for drills: `lucien run` replicas behind a load balancer, the emulator.

A drill needs what only separate processes show (SIGKILL, SIGTERM while the Bot API hangs,
two processes racing for one update)::

    async with Cluster(tmp_path, plugins=["voice", "vip"]) as cluster:
        channel = cluster.emulator.create_channel("VIP")   # the world first ...
        await cluster.start_replicas(2, env={"VIP_CHANNEL_ID": str(channel.id)})
        cluster.lb.route_next_to(0)                        # ... then the story
        await cluster.user("Ana").send("/vip")             # answered by replica 0
        await cluster.replicas[0].kill()

The emulator runs in the test's event loop (the test reads and faults it directly). Each
replica is `python -m lucien run` in webhook mode on its own port; all share one fresh
PostgreSQL database (they start together and migrate it once, under the product's advisory
lock), each through a `TcpProxy` the test can cut, and one Redis (the shared server with a
key prefix of the test's own, or a `PrivateRedis` the test may stop). The webhook URL is
the `LoadBalancer`: it forwards each POST to the replica the test chooses and answers with
that replica's status and body, so the emulator's redelivery (`webhook_retries`,
`webhook_backoff`) may reach another replica, as on Railway. Logs go to files in the work
directory; `Cluster.report()` gives their tails.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import secrets
import signal
import sys
import time
from collections.abc import Callable, Iterable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self
from urllib.parse import urlsplit, urlunsplit

import aiohttp
from aiohttp import web
from redis.asyncio import Redis
from redis.exceptions import RedisError

from lucien.core.clock import Clock
from lucien.core.testing.databases import redis_test_url, temporary_postgres
from lucien.core.testing.emulator import BotAccount, Emulator, UserActor
from lucien.core.testing.emulator.delivery import SECRET_HEADER
from lucien.core.testing.harness import free_port
from lucien.core.testing.suites import sanitized_env

#: How long a replica may take from exec to a 200 on /health (two cores, others busy).
READY_WITHIN = 60.0
COMMAND = (sys.executable, "-m", "lucien", "run")


class TcpProxy:
    """A TCP relay to `host:port` on a port of its own; `cut()` drops every connection and
    refuses new ones (the server is down, as the client sees it), `restore()` listens again
    on the same port."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._links: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        """Listen (on a free port the first time, on the same one after a cut)."""
        if self._server is None:
            self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
            self.port = int(self._server.sockets[0].getsockname()[1])

    restore = start

    async def cut(self) -> None:
        """Refuse new connections and reset the open ones."""
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._links):
            writer.transport.abort()
        self._links.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        self._links.update((writer, up_writer))
        try:
            await asyncio.gather(_pump(reader, up_writer), _pump(up_reader, writer))
        finally:
            for w in (writer, up_writer):
                self._links.discard(w)
                w.transport.abort()


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError, ConnectionError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.transport.abort()  # one side ended: the relay ends, like the peer hanging up


@dataclass
class Forward:
    """One POST the load balancer passed on: to which replica, and what came back."""

    update_id: int | None
    replica: int
    status: int | None  # None: the replica could not be reached (the emulator got 502)
    started: float  # time.monotonic()
    body: bytes = b""


class LoadBalancer:
    """What the webhook URL points at: each POST goes to the replica the test chose.

    The default is round-robin over the running replicas. `route_next_to(i)` sends the next
    new POST to replica `i`; `route_next_to(i, j)` sends it to both at once (Telegram's
    redelivery racing the first attempt): the first one's answer goes back to the emulator,
    and a method in the other's answer is executed too, as Telegram executes any webhook
    answer. `pin(update_id, i, j...)` sends that update's attempts to `i`, then `j`... (the
    last one repeats). A replica that cannot be reached gives 502, as Railway's edge does.
    """

    def __init__(self, emulator: Emulator, replicas: Callable[[], list[Replica]]) -> None:
        self.emulator = emulator
        self._replicas = replicas
        self.forwards: list[Forward] = []
        self._next: list[tuple[int, ...]] = []
        self._pins: dict[int, list[int]] = {}
        self._turn = itertools.count()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.url = ""

    async def start(self) -> None:
        """Serve on a free port (`url`)."""
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_post("/{path:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        # Telegram waits about a minute for a webhook answer.
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=65))

    async def stop(self) -> None:
        """Close the server and the client session."""
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def route_next_to(self, *indices: int) -> None:
        """The next POST (of an update not pinned) goes to these replicas (queued)."""
        self._next.append(indices)

    def pin(self, update_id: int, *indices: int) -> None:
        """Attempts of `update_id` go to `indices` in order, the last one repeating."""
        self._pins[update_id] = list(indices)

    def of(self, update_id: int) -> list[Forward]:
        """The forwards of one update, in order."""
        return [f for f in self.forwards if f.update_id == update_id]

    def _choose(self, update_id: int | None) -> tuple[int, ...]:
        if (plan := self._pins.get(update_id or 0)) is not None:
            return (plan.pop(0) if len(plan) > 1 else plan[0],)
        if self._next:
            return self._next.pop(0)
        running = [r.index for r in self._replicas() if r.running]
        return (running[next(self._turn) % len(running)],) if running else (0,)

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        try:
            update_id = int(json.loads(body)["update_id"])
        except (ValueError, KeyError, TypeError):
            update_id = None
        headers = {k: v for k, v in request.headers.items() if k in (SECRET_HEADER,)}
        headers["Content-Type"] = request.headers.get("Content-Type", "application/json")
        targets = self._choose(update_id)
        answers = await asyncio.gather(
            *(self._forward(i, request.path, body, headers, update_id) for i in targets)
        )
        for forward in answers[1:]:
            await self._execute_answer(forward)
        first = answers[0]
        if first.status is None:
            return web.Response(status=502, text="Bad Gateway: replica unreachable")
        return web.Response(status=first.status, body=first.body, content_type="application/json")

    async def _forward(
        self, index: int, path: str, body: bytes, headers: dict[str, str], update_id: int | None
    ) -> Forward:
        forward = Forward(update_id, index, None, time.monotonic())
        self.forwards.append(forward)
        assert self._session is not None
        replica = self._replicas()[index]
        try:
            async with self._session.post(replica.url + path, data=body, headers=headers) as r:
                forward.body = await r.read()
                forward.status = r.status
        except (aiohttp.ClientError, TimeoutError, OSError):
            pass
        return forward

    async def _execute_answer(self, forward: Forward) -> None:
        if forward.status is None or not 200 <= forward.status < 300:
            return
        with contextlib.suppress(ValueError):
            params = json.loads(forward.body or b"{}")
            if isinstance(params, dict) and params.get("method"):
                method = str(params.pop("method"))
                await self.emulator.execute(self.emulator.bot, method, params, via="webhook")


class Replica:
    """One `python -m lucien run` process; its log is `log_path` (appended across starts)."""

    def __init__(self, index: int, env: dict[str, str], workdir: Path) -> None:
        self.index = index
        self.env = env
        self.workdir = workdir
        self.url = f"http://127.0.0.1:{env['PORT']}"
        self.log_path = workdir / f"replica-{index}.log"
        self.proc: asyncio.subprocess.Process | None = None

    @property
    def running(self) -> bool:
        """Whether the process is alive (started and not exited)."""
        return self.proc is not None and self.proc.returncode is None

    async def start(self) -> None:
        """Exec the process (returns at once; `wait_ready` waits for /health)."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            log.write(f"\n===== start at {time.strftime('%H:%M:%S')} =====\n".encode())
            log.flush()
            self.proc = await asyncio.create_subprocess_exec(
                *COMMAND,
                cwd=self.workdir,  # no developer's .env, no ./lucien.db
                env=self.env,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
            )

    async def wait_ready(self, within: float = READY_WITHIN) -> None:
        """Poll /health until it answers 200; raise with the log's tail if it never does."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if not self.running:
                raise RuntimeError(f"replica {self.index} exited:\n{self.tail()}")
            if (await self.health())[0] == 200:
                return
            await asyncio.sleep(0.1)
        raise TimeoutError(f"replica {self.index} not ready in {within}s:\n{self.tail()}")

    async def health(self) -> tuple[int, dict[str, Any]]:
        """GET /health: its status and public body; (0, {}) when nothing answers."""
        timeout = aiohttp.ClientTimeout(total=2)
        with contextlib.suppress(aiohttp.ClientError, TimeoutError, OSError, ValueError):
            async with aiohttp.ClientSession(timeout=timeout) as session:
                async with session.get(f"{self.url}/health") as response:
                    return response.status, dict(await response.json())
        return 0, {}

    async def kill(self) -> None:
        """SIGKILL, as Railway ends a replica that outlived its drain."""
        if self.proc is not None and self.running:
            self.proc.send_signal(signal.SIGKILL)
        if self.proc is not None:
            await self.proc.wait()

    async def terminate(self, within: float = 120.0) -> float:
        """SIGTERM; the seconds until the process exited (killed past `within`)."""
        assert self.proc is not None and self.running, f"replica {self.index} is not running"
        started = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.proc.wait(), within)
        except TimeoutError:
            await self.kill()
        return time.monotonic() - started

    async def restart(self) -> None:
        """Start again on the same port and wait until ready."""
        await self.kill()
        await self.start()
        await self.wait_ready()

    def tail(self, lines: int = 40) -> str:
        """The last `lines` of the log (every start of this replica, appended)."""
        log = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(log.splitlines()[-lines:])

    async def _close(self) -> None:
        if self.proc is not None and self.running:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            await self.proc.wait()


class Cluster:
    """The emulator, the load balancer, PostgreSQL, Redis, and the replicas (see above)."""

    def __init__(
        self,
        workdir: Path,
        *,
        plugins: Iterable[str] | None = None,
        admin_ids: Iterable[int] = (),
        redis_url: str | None = None,
        drain_timeout: float = 3.0,
        env: dict[str, str] | None = None,
        **emulator_options: Any,
    ) -> None:
        """`emulator_options` go to `Emulator` (`webhook_retries`, `webhook_backoff`,
        `handle_timeout`...); `env` to every replica, after the cluster's own variables."""
        self.workdir = workdir
        self.plugins = list(plugins) if plugins is not None else None
        self.admin_ids = list(admin_ids)
        self.redis_url = redis_url or redis_test_url()
        self.redis_prefix = f"drill-{secrets.token_hex(4)}"
        self.drain_timeout = drain_timeout
        self.env = dict(env or {})
        self.emulator = Emulator(clock=Clock(), **emulator_options)
        self.lb = LoadBalancer(self.emulator, lambda: self.replicas)
        self.replicas: list[Replica] = []
        self.database_url = ""
        self.bot: BotAccount | None = None
        self._proxies: list[TcpProxy] = []
        self._stack = AsyncExitStack()

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def open(self) -> None:
        """A fresh database, the emulator with a bot, the load balancer; no replica yet."""
        self.database_url = await self._stack.enter_async_context(temporary_postgres())
        await self.emulator.start()
        self.bot = self.emulator.create_bot()
        await self.lb.start()

    def replica_env(self, index: int, proxy: TcpProxy, extra: dict[str, str]) -> dict[str, str]:
        """The environment of replica `index` (its database through `proxy`)."""
        assert self.bot is not None
        db = urlsplit(self.database_url)
        via_proxy = urlunsplit(
            (db.scheme, f"{db.username}@127.0.0.1:{proxy.port}", db.path, "", "")
        )
        plugins = {"LUCIEN_PLUGINS": ",".join(self.plugins)} if self.plugins is not None else {}
        return {
            **sanitized_env(allow_postgres=True),
            "BOT_TOKEN": self.bot.token,
            "TELEGRAM_API_URL": self.emulator.base_url,
            "WEBHOOK_BASE_URL": self.lb.url,
            "WEBHOOK_SECRET": self.redis_prefix,
            "DATABASE_URL": via_proxy,
            "REDIS_URL": self.redis_url,
            "REDIS_KEY_PREFIX": self.redis_prefix,
            "HOST": "127.0.0.1",
            "PORT": str(free_port()),
            "DRAIN_TIMEOUT": str(self.drain_timeout),
            "LOG_FORMAT": "text",
            "RAILWAY_REPLICA_ID": f"replica-{index}",
            "ADMIN_IDS": ",".join(map(str, self.admin_ids)),
            **plugins,
            **self.env,
            **extra,
        }

    async def start_replicas(self, count: int, env: dict[str, str] | None = None) -> list[Replica]:
        """Start `count` replicas together; wait until each is ready and the webhook is set.

        They migrate the fresh database as on a deploy: under the product's advisory lock,
        one applies the migrations while the others wait, then find them applied.
        """
        db = urlsplit(self.database_url)
        for index in range(count):
            proxy = TcpProxy(db.hostname or "127.0.0.1", db.port or 5432)
            await proxy.start()
            self._proxies.append(proxy)
            replica_env = self.replica_env(index, proxy, env or {})
            self.replicas.append(Replica(index, replica_env, self.workdir / f"replica-{index}"))
        await asyncio.gather(*(r.start() for r in self.replicas))
        await asyncio.gather(*(r.wait_ready() for r in self.replicas))
        await self.emulator.wait_connected(within=READY_WITHIN)
        return self.replicas

    async def cut_database(self, *indices: int) -> None:
        """PostgreSQL unreachable for these replicas (all when none given)."""
        for i in indices or range(len(self._proxies)):
            await self._proxies[i].cut()

    async def restore_database(self, *indices: int) -> None:
        """PostgreSQL reachable again (all replicas when no index is given)."""
        for i in indices or range(len(self._proxies)):
            await self._proxies[i].restore()

    def user(self, first_name: str, **options: Any) -> UserActor:
        """A person in the emulator (see `Emulator.add_user`)."""
        return self.emulator.add_user(first_name, **options)

    def report(self, lines: int = 40) -> str:
        """The tail of every replica's log and the emulator's webhook record, for a failure."""
        parts = [
            f"--- replica {r.index} ({r.log_path}) ---\n{r.tail(lines)}" for r in self.replicas
        ]
        deliveries = [
            f"update {d.update_id} attempt {d.attempt}: {d.status} {d.error or ''}"
            for d in self.emulator.deliveries[-20:]
        ]
        return "\n".join([*parts, "--- webhook deliveries ---", *deliveries])

    async def close(self) -> None:
        """Kill the replicas, stop the servers, drop the database and the Redis keys."""
        await asyncio.gather(*(r._close() for r in self.replicas), return_exceptions=True)
        await self.lb.stop()
        await self.emulator.stop()
        for proxy in self._proxies:
            await proxy.cut()
        client = Redis.from_url(self.redis_url, socket_connect_timeout=1)
        with contextlib.suppress(RedisError, OSError):  # a PrivateRedis may be stopped
            keys = [k async for k in client.scan_iter(match=f"{self.redis_prefix}*", count=500)]
            if keys:
                await client.delete(*keys)
        await client.aclose()
        await self._stack.aclose()
