"""The world the journey load test (bench/locustfile.py) runs in: the Bot API emulator, a
fresh PostgreSQL database, Redis, and Lucien serving its webhook, seeded for the journeys.

    .venv/bin/python bench/journey_rig.py --identities 6000 --out /tmp/rig.json

The locustfile starts it on its own (`events.init`); run it by hand to keep one world
across several Locust runs (LUCIEN_RIG=/tmp/rig.json points the locustfile at it).

What it starts, in this process: the emulator (limits off) with `--identities` people who
started the bot (ids from FIRST_USER, Spanish), one admin (the creator), the VIP and the
free channels. Then the bot is seeded through the plugins' own services, as an admin's
chat flows would do it: both channels set, a free wait of FREE_WAIT_MINUTES, one VIP plan,
one single-use token per identity, content packages. Then `lucien run` (all plugins,
PostgreSQL, Redis; JOURNEY_DISABLED_PLUGINS=content leaves plugins out) in `--servers`
processes, each with its webhook port. Its figures go to `--out` as JSON once the bot
answers /health; it serves until SIGINT/SIGTERM, then prints the CPU the processes used,
the emulator's calls that failed (by method and status), and leaves nothing behind (the
database dropped, the Redis keys of its prefix deleted).

A simulated user posts its updates to the bot's webhook itself, as Telegram would, and
times them. What Telegram's client would record on its side goes through the routes this
rig adds to the emulator, so the emulator's world stays whole (replies, answered clicks,
join requests the bot approves later):

    POST /_rig/message  {"user": id, "text": "/start"}            -> {"message": {...}}
    POST /_rig/press    {"user": id, "message_id": n, "data": d}  -> {"callback_query": {...}}
    POST /_rig/open     {"user": id, "link": "https://t.me/+..."} -> {"chat_join_request":
         {...}} for a link that asks to join, else the user joins (the emulator delivers the
         chat_member update to the bot and answers once it was handled): {"joined": true};
         {"refused": reason} otherwise
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from aiohttp import web
from bench_webhook import PG_ADMIN, PY, REDIS, ROOT, drop_redis_keys, free_port, wait_ready

from lucien.core.testing.emulator import Emulator, InviteLink, StoredMessage
from lucien.core.testing.emulator import membership as emu_membership
from lucien.core.testing.emulator.state import CallbackQueryState, JoinRequest, timestamp

FIRST_USER = 20_000_000
ADMIN_ID = 19_000_001
VIP_CHANNEL = -1_002_000_000_001
FREE_CHANNEL = -1_002_000_000_002
SECRET = "journey-s3cret"
PLAN = "Mensual"
#: Short enough that approvals run (and weigh) during a 3-minute run, as in production.
FREE_WAIT_MINUTES = 1
PACKAGES = (
    ("Selección del vestíbulo", "free", None, None, "Seis fotografías para empezar."),
    ("Sesión privada", "vip", 1999, "USD", "Una sesión completa."),
)


def build_emulator(identities: int) -> Emulator:
    """The emulator with the people and both channels (the creator owns them)."""
    emu = Emulator(limits="off", handle_timeout=60)
    bot = emu.create_bot(username="lucien_journey_bot")
    admin = emu.add_user("Diana", user_id=ADMIN_ID, username="diana")
    admin.chat_with(bot).started = True
    for uid in range(FIRST_USER, FIRST_USER + identities):
        # Their updates are posted to the webhook by Locust, not through the emulator's
        # actors: mark the chats started so that the bot may write to them.
        emu.add_user(f"U{uid}", user_id=uid).chat_with(bot).started = True
    emu.create_channel("Salón privado (VIP)", chat_id=VIP_CHANNEL, owner=admin.user)
    emu.create_channel("Vestíbulo (Free)", chat_id=FREE_CHANNEL, owner=admin.user)
    add_client_routes(emu)
    return emu


def add_client_routes(emu: Emulator) -> None:
    """The /_rig/ routes (module docstring): what a user's client records on Telegram."""

    def fail(reason: str) -> web.Response:
        return web.json_response({"ok": False, "description": reason}, status=400)

    async def read(request: web.Request) -> tuple[dict[str, Any], int]:
        body = await request.json()
        uid = int(body["user"])
        if uid not in emu.users:
            raise KeyError(f"unknown user {uid}")
        return body, uid

    async def message(request: web.Request) -> web.Response:
        try:
            body, uid = await read(request)
        except (KeyError, ValueError) as exc:
            return fail(str(exc))
        user = emu.users[uid]
        chat = emu.bot.private_chats[uid]
        text = str(body["text"])
        entities = []
        if text.startswith("/"):
            command = text.split(" ", 1)[0]
            entities = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        stored = StoredMessage(
            message_id=chat.next_message_id(),
            chat=user.private_chat(),
            date=emu.clock.now(),
            sender=user.to_api(),
            text=text,
            entities=entities,
        )
        chat.messages[stored.message_id] = stored
        return web.json_response({"message": stored.to_api()})

    async def press(request: web.Request) -> web.Response:
        try:
            body, uid = await read(request)
        except (KeyError, ValueError) as exc:
            return fail(str(exc))
        bot = emu.bot
        shown = bot.private_chats[uid].messages.get(int(body["message_id"]))
        if shown is None or shown.deleted:
            return fail("no such message in the user's chat")
        query = CallbackQueryState(
            secrets.token_hex(8), uid, bot.id, shown.message_id, str(body["data"]), uid
        )
        emu.callback_queries[query.id] = query
        update = {
            "id": query.id,
            "from": emu.users[uid].to_api(),
            "message": shown.to_api(),
            "chat_instance": str(abs(hash((bot.id, uid)))),
            "data": query.data,
        }
        return web.json_response({"callback_query": update})

    async def open_link(request: web.Request) -> web.Response:
        try:
            body, uid = await read(request)
        except (KeyError, ValueError) as exc:
            return fail(str(exc))
        found = [
            (chat, chat.invite_links[body["link"]])
            for chat in emu.chats.values()
            if body["link"] in chat.invite_links
        ]
        if not found:
            return web.json_response({"refused": "invalid_link"})
        chat, link = found[0]
        refusal = emu_membership.join_refusal(emu, chat, uid, link)
        if refusal:
            return web.json_response({"refused": refusal})
        if link.creates_join_request:
            return web.json_response({"chat_join_request": join_request(emu, chat, uid, link)})
        updates = emu_membership.change_status(
            emu, chat, uid, "member", actor_id=uid, invite_link=link
        )
        await emu.wait_handled(updates)
        return web.json_response({"joined": True})

    emu.app.router.add_post("/_rig/message", message)
    emu.app.router.add_post("/_rig/press", press)
    emu.app.router.add_post("/_rig/open", open_link)


def join_request(emu: Emulator, chat: Any, uid: int, link: InviteLink) -> dict[str, Any]:
    """Record the request as Telegram does; the update, for the user to post to the bot
    (membership.request_to_join would have the emulator deliver it instead)."""
    request = JoinRequest(uid, emu.clock.now(), link.invite_link)
    chat.join_requests[uid] = request
    return {
        "chat": chat.to_api(),
        "from": emu.user_api(uid),
        "user_chat_id": uid,
        "date": timestamp(request.date),
        "invite_link": emu.link_api(chat, link),
    }


def server_env(port: int, token: str, api: str, dbname: str, prefix: str) -> dict[str, str]:
    """`lucien run`'s environment: webhook on `port`, PostgreSQL, Redis, every plugin."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("LUCIEN_", "BOT_"))}
    return {
        **base,
        "BOT_TOKEN": token,
        "TELEGRAM_API_URL": api,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "WEBHOOK_BASE_URL": f"http://127.0.0.1:{port}",
        "WEBHOOK_SECRET": SECRET,
        "DATABASE_URL": PG_ADMIN.rsplit("/", 1)[0] + f"/{dbname}",
        "REDIS_URL": REDIS,
        "REDIS_KEY_PREFIX": prefix,
        "ADMIN_IDS": str(ADMIN_ID),
        "VOICE_CREATOR_ID": str(ADMIN_ID),
        "LOG_LEVEL": os.environ.get("RIG_LOG_LEVEL", "WARNING"),
        "ENV": "development",
        # Leave plugins out of the run (e.g. "content"): the journeys skip their steps.
        "LUCIEN_DISABLED_PLUGINS": os.environ.get("JOURNEY_DISABLED_PLUGINS", ""),
    }


async def seed(env: dict[str, str], identities: int) -> list[str]:
    """Configure the bot through its plugins' services; one VIP token per identity."""
    from lucien.core.runner import BotApplication
    from lucien.core.settings import Settings
    from lucien.plugins.content.services import service as content
    from lucien.plugins.vip.services import VipService

    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        bot_token=env["BOT_TOKEN"],
        telegram_api_url=env["TELEGRAM_API_URL"],
        database_url=env["DATABASE_URL"],
        redis_url=env["REDIS_URL"],
        redis_key_prefix=env["REDIS_KEY_PREFIX"],
        webhook_base_url=env["WEBHOOK_BASE_URL"],
        webhook_secret=SECRET,
        admin_ids=[ADMIN_ID],
        lucien_disabled_plugins=[p for p in env["LUCIEN_DISABLED_PLUGINS"].split(",") if p],
    )
    app = BotApplication(settings)
    # No HTTP and no jobs: the seeding runs migrations, sets the webhook once (the server
    # then finds it set) and writes the plugins' settings and rows.
    await app.start(serve_http=False, run_jobs=False)
    try:
        ctx = app.ctx
        for plugin, key, value in (
            ("vip", "channel_id", VIP_CHANNEL),
            ("free", "channel_id", FREE_CHANNEL),
            ("free", "wait_minutes", FREE_WAIT_MINUTES),
        ):
            version = await ctx.config.version(plugin, key)
            await ctx.config.update(plugin, key, value, expected_version=version, by=ADMIN_ID)
        vip = ctx.service("vip", VipService)
        plan = await vip.create_plan(PLAN, 30, 999, "USD")
        tokens: list[str] = []
        while len(tokens) < identities:
            batch = min(500, identities - len(tokens))
            tokens += await vip.generate_tokens(plan.id, batch, by=ADMIN_ID)
        for name, category, price, currency, description in (
            PACKAGES if ctx.registry.is_enabled("content") else ()
        ):
            await content(ctx).packages.create(
                name=name,
                description=description,
                category=category,
                price_minor=price,
                currency=currency,
                by=ADMIN_ID,
            )
        return tokens
    finally:
        await app.stop()


def report_cpu(procs: list[subprocess.Popen[bytes]], since: float) -> None:
    """CPU the servers and this process (the emulator) used while serving: on a shared
    machine it tells whether the bot had a core to itself."""
    if since <= 0:
        return
    import psutil

    for name, pid in [("emulator + rig", os.getpid())] + [
        (f"lucien run {p.pid}", p.pid) for p in procs if p.poll() is None
    ]:
        with contextlib.suppress(psutil.Error):
            cpu = sum(psutil.Process(pid).cpu_times()[:2])
            print(f"{name}: {cpu:.0f} s of CPU in {since:.0f} s serving (since start)")
    print(f"machine load average: {os.getloadavg()[0]:.1f}", flush=True)


def failed_calls(emu: Emulator) -> dict[str, int]:
    """The bot's calls the emulator refused, as "method status": count."""
    counted = Counter(f"{c.method} {c.status}" for c in emu.calls if c.status != 200)
    return dict(counted.most_common())


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--identities", type=int, default=200, help="people with a token")
    parser.add_argument("--servers", type=int, default=1, help="`lucien run` processes")
    parser.add_argument("--out", type=Path, required=True, help="where the rig's JSON goes")
    args = parser.parse_args()

    import asyncpg

    emu = build_emulator(args.identities)
    await emu.start()
    dbname = f"lucien_journey_{secrets.token_hex(4)}"
    prefix = f"journey-{secrets.token_hex(3)}"
    conn = await asyncpg.connect(PG_ADMIN)
    await conn.execute(f'CREATE DATABASE "{dbname}"')
    await conn.close()
    procs: list[subprocess.Popen[bytes]] = []
    ready_at: float | None = None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        ports = [free_port() for _ in range(args.servers)]
        token = emu.bot.token
        envs = [server_env(p, token, emu.base_url, dbname, prefix) for p in ports]
        began = time.monotonic()
        tokens = await seed(envs[0], args.identities)
        seeded = time.monotonic() - began
        for env in envs:
            procs.append(subprocess.Popen([PY, "-m", "lucien", "run"], cwd=ROOT, env=env))
        for port, proc in zip(ports, procs, strict=True):
            await wait_ready(f"http://127.0.0.1:{port}/health", proc, limit=120)
        rig = {
            "webhooks": [f"http://127.0.0.1:{p}/webhook" for p in ports],
            "secret": SECRET,
            "emulator": emu.base_url,
            "bot_token": token,
            "bot_username": emu.bot.username,
            "first_user": FIRST_USER,
            "identities": args.identities,
            "tokens": tokens,
            "pid": os.getpid(),
        }
        tmp = args.out.with_suffix(".tmp")
        tmp.write_text(json.dumps(rig))
        tmp.replace(args.out)  # whole or absent: the locustfile waits for it
        print(f"rig ready in {seeded:.1f}s of seeding: {args.out}", flush=True)
        ready_at = time.monotonic()
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1)
            dead = [p.pid for p in procs if p.poll() is not None]
            if dead:
                print(f"lucien server(s) {dead} exited", file=sys.stderr, flush=True)
                break
    finally:
        report_cpu(procs, since=time.monotonic() - (ready_at or time.monotonic()))
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        for proc in procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(60)
            if proc.poll() is None:
                proc.kill()
        print(f"emulator: {len(emu.calls)} bot calls; refused: {failed_calls(emu) or 'none'}")
        await emu.stop()
        conn = await asyncpg.connect(PG_ADMIN)
        await conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        await conn.close()
        await drop_redis_keys(prefix)
        with contextlib.suppress(FileNotFoundError):
            args.out.unlink()


if __name__ == "__main__":
    asyncio.run(main())
