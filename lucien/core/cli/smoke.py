"""`lucien smoke URL`: is the deployed bot at URL serving? Run after each deploy.

It runs where the deployment's variables are (CI with the service's variables, a shell
in the service) and checks, all at once, each with its own line:

* `live`, `health`, `plugins`: GET /live and /health answer, the bot is ready, no plugin
  failed to start (/health's detail with HEALTH_TOKEN says why);
* `database`: every enabled plugin's Alembic branch (and the core's) at its head, read
  from DATABASE_URL with the same code as `lucien migrate status`;
* `redis`: REDIS_URL answers PING (skipped when unset: the bot runs without Redis);
* `webhook url`, `webhook errors`, `webhook pending`: Telegram's getWebhookInfo for
  BOT_TOKEN (through TELEGRAM_API_URL when set) names URL's webhook path, reports no
  delivery error recently and not too many updates waiting;
* `webhook probe`: a call signed with the webhook secret is answered with the proof of
  `lucien.core.smoke_probe` (nothing is dispatched, nobody gets a message), and a call
  with a wrong secret is refused.

Exit 0 when nothing failed, 1 otherwise (the failed checks named), 2 on bad usage or
configuration.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

import click

if TYPE_CHECKING:
    import aiohttp
    from aiogram.types import WebhookInfo

    from lucien.core.settings import Settings

#: What `--skip` accepts: one name per group of checks.
GROUPS = ("live", "health", "database", "redis", "telegram", "probe")
#: The line a group's failure is reported on when the group could not run at all.
LINE_NAMES = {"telegram": "webhook info", "probe": "webhook probe"}
# Between two runs of `--wait`: a new deployment is usually ready within a few seconds.
RETRY_EVERY = 5.0


@dataclass
class Check:
    """One line of the report."""

    name: str
    status: Literal["ok", "FAILED", "skipped"]
    detail: str

    @property
    def failed(self) -> bool:
        return self.status == "FAILED"


def ok(name: str, detail: str) -> Check:
    return Check(name, "ok", detail)


def failed(name: str, detail: str) -> Check:
    return Check(name, "FAILED", detail)


@dataclass(frozen=True)
class SmokeOptions:
    """What the command line chose (see `add_commands`)."""

    base_url: str
    timeout: float = 10.0
    max_pending: int = 100
    max_error_age: float = 10.0  # minutes
    health_token: str | None = None
    skip: frozenset[str] = frozenset()


def _ms(started: float) -> str:
    return f"{(time.perf_counter() - started) * 1000:.0f} ms"


# -- the bot's HTTP side ------------------------------------------------------------------------


async def check_live(http: aiohttp.ClientSession, options: SmokeOptions) -> list[Check]:
    started = time.perf_counter()
    async with http.get(f"{options.base_url}/live") as response:
        if response.status == 200:
            return [ok("live", f"200 in {_ms(started)}")]
        return [failed("live", f"HTTP {response.status}")]


async def check_health(http: aiohttp.ClientSession, options: SmokeOptions) -> list[Check]:
    headers = {"Authorization": f"Bearer {options.health_token}"} if options.health_token else {}
    async with http.get(f"{options.base_url}/health", headers=headers) as response:
        status = response.status
        try:
            body = await response.json(content_type=None)
        except ValueError:
            body = None
    if not isinstance(body, dict) or not isinstance(body.get("checks"), dict):
        return [failed("health", f"HTTP {status}, not Lucien's /health body")]
    detailed = "version" in body  # the public body carries statuses only
    problems = [
        f"{name} {c.get('status')}" + (f" ({c['detail']})" if c.get("detail") else "")
        for name, c in body["checks"].items()
        if isinstance(c, dict) and c.get("status") != "pass"
    ]
    if status == 200 and body.get("ready"):
        detail = "ready" + (f"; warnings: {', '.join(problems)}" if problems else "")
        health = ok("health", detail)
    else:
        health = failed("health", f"HTTP {status}, not ready: {', '.join(problems) or '?'}")
    if options.health_token and not detailed:
        health.detail += " (the health token was not accepted: public body only)"
    broken = [
        name + (f" ({p['reason']})" if p.get("reason") else "")
        for name, p in (body.get("plugins") or {}).items()
        if isinstance(p, dict) and p.get("state") == "failed"
    ]
    if broken:
        hint = "" if detailed else " (--health-token says why)"
        plugins = failed("plugins", f"failed to start: {', '.join(broken)}{hint}")
    else:
        plugins = ok("plugins", "none failed")
    return [health, plugins]


async def check_probe(
    http: aiohttp.ClientSession, options: SmokeOptions, settings: Settings
) -> list[Check]:
    from lucien.core.smoke_probe import check_answer, new_nonce, probe_body
    from lucien.core.webhook import SECRET_HEADER

    url = options.base_url + settings.webhook_path
    secret = settings.effective_webhook_secret
    nonce = new_nonce()
    started = time.perf_counter()
    json_type = {"Content-Type": "application/json"}
    headers = {**json_type, SECRET_HEADER: secret}
    async with http.post(url, data=probe_body(nonce), headers=headers) as response:
        problem = check_answer(secret, nonce, response.status, await response.read())
    if problem:
        return [failed("webhook probe", f"{url}: {problem}")]
    elapsed = _ms(started)
    wrong = {**json_type, SECRET_HEADER: secrets.token_urlsafe(24)}
    async with http.post(url, data=probe_body(new_nonce()), headers=wrong) as response:
        refused = response.status
    if refused not in (401, 403):
        return [failed("webhook probe", f"a wrong secret got HTTP {refused}, not 401")]
    return [ok("webhook probe", f"proof in {elapsed}; a wrong secret gets {refused}")]


# -- what the deployment uses -------------------------------------------------------------------


def _missing_sqlite_file(settings: Settings) -> str | None:
    """The SQLite file DATABASE_URL names when it does not exist (opening it would create
    an empty one and report every branch as pending)."""
    from sqlalchemy.engine import make_url

    target = settings.database
    if not target.is_sqlite:
        return None
    name = make_url(target.url).database
    if name and name != ":memory:" and not Path(name).exists():
        return name
    return None


async def check_database(settings: Settings) -> list[Check]:
    from lucien.core.db.migrate import migration_status
    from lucien.core.plugins import discover_plugins

    missing = _missing_sqlite_file(settings)
    if missing:
        return [failed("database", f"SQLite file {missing} does not exist (DATABASE_URL unset?)")]
    statuses = await migration_status(settings, discover_plugins(settings))
    enabled = [s for s in statuses if s.enabled]
    behind = [
        f"{s.branch} at {s.current or 'base'}, head {s.head} "
        f"({len(s.pending)} pending: {', '.join(s.pending)})"
        for s in enabled
        if not s.at_head
    ]
    if behind:
        return [failed("database", "not at head: " + "; ".join(behind))]
    names = ", ".join(s.branch for s in enabled)
    return [ok("database", f"{len(enabled)} branches at head ({names})")]


async def check_redis(settings: Settings, options: SmokeOptions) -> list[Check]:
    if not settings.redis_url:
        return [Check("redis", "skipped", "REDIS_URL not set (the bot keeps its state in memory)")]
    from redis.asyncio import Redis
    from redis.exceptions import RedisError

    parts = urlsplit(settings.redis_url)
    where = f"{parts.hostname}:{parts.port or 6379}"  # never the password
    client = Redis.from_url(
        settings.redis_url, socket_connect_timeout=options.timeout, socket_timeout=options.timeout
    )
    started = time.perf_counter()
    try:
        await client.ping()
    except (RedisError, OSError) as exc:
        return [failed("redis", f"{where} unreachable: {exc}")]
    finally:
        await client.aclose()
    return [ok("redis", f"{where} answered PING in {_ms(started)}")]


def webhook_checks(
    info: WebhookInfo, expected_url: str, *, now: float, max_error_age: float, max_pending: int
) -> list[Check]:
    """Telegram's view of the webhook (getWebhookInfo) against what the deployment wants:
    its URL, no delivery error in the last `max_error_age` minutes, few updates waiting."""
    checks = []
    if info.url == expected_url:
        checks.append(ok("webhook url", f"Telegram sends updates to {expected_url}"))
    else:
        where = info.url or "nowhere (no webhook set)"
        checks.append(
            failed("webhook url", f"Telegram sends updates to {where}, not {expected_url}")
        )
    if info.last_error_date is not None:
        age_min = (now - info.last_error_date.timestamp()) / 60
        message = info.last_error_message or "no message"
        if age_min < max_error_age:
            checks.append(
                failed("webhook errors", f"delivery failed {age_min:.1f} min ago: {message}")
            )
        else:
            checks.append(ok("webhook errors", f"none in {max_error_age:g} min"))
    else:
        checks.append(ok("webhook errors", "none reported"))
    pending = info.pending_update_count
    if pending > max_pending:
        checks.append(failed("webhook pending", f"{pending} updates waiting (over {max_pending})"))
    else:
        checks.append(ok("webhook pending", f"{pending} updates waiting"))
    return checks


async def check_telegram(settings: Settings, options: SmokeOptions) -> list[Check]:
    from lucien.core.app import create_bot

    bot = create_bot(settings.bot_token or "", settings.telegram_api_url)
    try:
        info = await bot.get_webhook_info(request_timeout=int(options.timeout) or 1)
    finally:
        await bot.session.close()
    return webhook_checks(
        info,
        options.base_url + settings.webhook_path,
        now=time.time(),
        max_error_age=options.max_error_age,
        max_pending=options.max_pending,
    )


# -- running them -------------------------------------------------------------------------------


async def _guarded(group: str, check: Any, seconds: float, token: str) -> list[Check]:
    """The check's lines, or one FAILED line naming `group` when it raised or hung."""
    try:
        # A little over the checks' own timeouts: their own error says more.
        async with asyncio.timeout(seconds + 2):
            return list(await check)
    except TimeoutError:  # aiohttp's own timeout too
        return [failed(group, f"no answer within {seconds:g} s")]
    except Exception as exc:
        reason = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
        if token:
            reason = reason.replace(token, "<BOT_TOKEN>")  # never print the token
        return [failed(group, reason[:500])]


async def run_smoke(settings: Settings, options: SmokeOptions) -> list[Check]:
    """Every check not skipped, run together; their lines in a fixed order."""
    import aiohttp

    timeout = aiohttp.ClientTimeout(total=options.timeout)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        groups = {
            "live": lambda: check_live(http, options),
            "health": lambda: check_health(http, options),
            "database": lambda: check_database(settings),
            "redis": lambda: check_redis(settings, options),
            "telegram": lambda: check_telegram(settings, options),
            "probe": lambda: check_probe(http, options, settings),
        }
        chosen = [name for name in GROUPS if name not in options.skip]
        token = settings.bot_token or ""
        results = await asyncio.gather(
            *(
                _guarded(LINE_NAMES.get(name, name), groups[name](), options.timeout, token)
                for name in chosen
            )
        )
    return [check for lines in results for check in lines]


def format_report(base_url: str, checks: list[Check]) -> str:
    """One line per check, then the summary."""
    width = max((len(c.name) for c in checks), default=0)
    # An error may span lines (aiogram's decode errors): one line per check all the same.
    lines = [f"{c.status:<7} {c.name:<{width}}  {' '.join(c.detail.split())}" for c in checks]
    bad = [c.name for c in checks if c.failed]
    ran = sum(1 for c in checks if c.status != "skipped")
    if bad:
        lines.append(f"smoke {base_url}: {len(bad)} of {ran} checks FAILED: {', '.join(bad)}")
    else:
        lines.append(f"smoke {base_url}: all {ran} checks passed")
    return "\n".join(lines)


async def smoke_until(settings: Settings, options: SmokeOptions, wait: float) -> list[Check]:
    """Run the checks; while some fail, run them again every few seconds for up to `wait`
    seconds (a deployment that is still starting). The last run's lines."""
    deadline = time.monotonic() + wait
    while True:
        checks = await run_smoke(settings, options)
        bad = [c.name for c in checks if c.failed]
        left = deadline - time.monotonic()
        if not bad or left <= 0:
            return checks
        click.echo(f"failing: {', '.join(bad)}; again in {min(RETRY_EVERY, left):.0f} s", err=True)
        await asyncio.sleep(min(RETRY_EVERY, left))


def base_url_or_exit(url: str | None, settings: Settings) -> str:
    """URL (or WEBHOOK_BASE_URL / RAILWAY_PUBLIC_DOMAIN) without a trailing slash or the
    webhook path; exit 2 when there is none or it is not http(s)."""
    url = (url or settings.webhook_url_base or "").strip().rstrip("/")
    if not url:
        raise click.UsageError("give the bot's URL (or set WEBHOOK_BASE_URL)")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise click.UsageError(f"not an http(s) URL: {url!r}")
    return url.removesuffix(settings.webhook_path) if parts.path else url


def add_commands(cli: click.Group) -> None:
    """Add `smoke` to the command line."""

    @cli.command("smoke", short_help="Check a deployed bot; exit 1 naming what failed.")
    @click.argument("url", required=False)
    @click.option(
        "--timeout",
        type=click.FloatRange(min=0.1),
        default=10.0,
        show_default=True,
        help="Seconds for each check.",
    )
    @click.option(
        "--max-pending",
        type=click.IntRange(min=0),
        default=100,
        show_default=True,
        help="Most updates Telegram may hold for the bot.",
    )
    @click.option(
        "--max-error-age",
        type=click.FloatRange(min=0),
        default=10.0,
        show_default=True,
        help="Minutes: a webhook delivery error more recent than this fails.",
    )
    @click.option(
        "--health-token",
        envvar="HEALTH_TOKEN",
        default=None,
        help="Unlocks /health's detail (default: HEALTH_TOKEN).",
    )
    @click.option(
        "--skip",
        multiple=True,
        type=click.Choice(GROUPS),
        help="Leave a group of checks out (repeatable).",
    )
    @click.option(
        "--wait",
        type=click.FloatRange(min=0),
        default=0.0,
        help="Seconds to keep retrying while checks fail (a deploy still starting).",
    )
    @click.option("--json", "as_json", is_flag=True, help="One JSON object instead of lines.")
    def smoke(
        url: str | None,
        timeout: float,
        max_pending: int,
        max_error_age: float,
        health_token: str | None,
        skip: tuple[str, ...],
        wait: float,
        as_json: bool,
    ) -> int:
        """Check the bot deployed at URL (default: WEBHOOK_BASE_URL): /live, /health, the
        database at head for every enabled plugin, Redis, Telegram's webhook info, and a
        probe signed with the webhook secret. Run it with the deployment's variables."""
        from lucien.core.cli.configuration import settings_or_exit

        settings = settings_or_exit(require_token=True)
        options = SmokeOptions(
            base_url=base_url_or_exit(url, settings),
            timeout=timeout,
            max_pending=max_pending,
            max_error_age=max_error_age,
            health_token=health_token or settings.health_token,
            skip=frozenset(skip),
        )
        checks = asyncio.run(smoke_until(settings, options, wait))
        if as_json:
            report = {
                "url": options.base_url,
                "ok": not any(c.failed for c in checks),
                "checks": [asdict(c) for c in checks],
            }
            click.echo(json.dumps(report, ensure_ascii=False))
        else:
            click.echo(format_report(options.base_url, checks))
        return 1 if any(c.failed for c in checks) else 0
