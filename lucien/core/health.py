"""Readiness (/health) and liveness (/live).

Readiness is 200 only when the database answers, migrations are at head and the
dispatcher is ready; plugins and Redis are reported beside it (a failed plugin or a Redis
outage is a warning: the rest of the bot still serves).

The public body says ready or not per component and nothing else: the detail (channel
ids, counts, failure reasons, latencies) is for whoever holds `HEALTH_TOKEN`, sent as
`Authorization: Bearer <token>` or `?token=`. /diag builds the detail in-process
(`collect_health`). The status code is the same either way (Railway's deploy check).
"""

from __future__ import annotations

import asyncio
import hmac
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from lucien.core.plugin import HealthResult

if TYPE_CHECKING:
    from lucien.core.runner import BotApplication

APP_KEY: web.AppKey[BotApplication] = web.AppKey("lucien", None)
_RANK = {"pass": 0, "warn": 1, "fail": 2}
_CHECK_TIMEOUT = 3.0


async def _timed(name: str, check: Any) -> HealthResult:
    try:
        return await asyncio.wait_for(check(), _CHECK_TIMEOUT)
    except Exception as exc:
        return HealthResult(name, "fail", f"check raised {exc!r}")


async def collect_health(app: BotApplication) -> dict[str, Any]:
    """Every component and plugin with pass / warn / fail, and the overall readiness."""
    checks: list[HealthResult] = []
    if app.ctx.db is not None:
        checks.append(await _timed("database", app.database_health))
        checks.append(await _timed("migrations", app.migrations_health))
    else:
        checks.append(HealthResult("database", "fail", "not started"))
    if app.ctx.state is not None:
        checks.append(await _timed("redis", app.ctx.state.health))
    ready = app.ready and app.accepting
    checks.append(
        HealthResult("dispatcher", "pass" if ready else "fail", "ready" if ready else app.phase)
    )
    plugins: dict[str, Any] = {}
    for record in app.ctx.registry.records.values():
        status = {"enabled": "pass", "disabled": "pass", "failed": "warn"}[record.state]
        plugins[record.name] = {"status": status, **record.as_dict()}
    for check in app.plugin_health_checks:
        result = await _timed(getattr(check, "__name__", "plugin check"), check)
        checks.append(result)
    core_names = {"database", "migrations", "dispatcher"}
    core_ok = all(c.status != "fail" for c in checks if c.name in core_names)
    worst = max([_RANK[c.status] for c in checks] + [_RANK[p["status"]] for p in plugins.values()])
    return {
        "status": "fail" if not core_ok else ("warn" if worst else "pass"),
        "ready": core_ok,
        "version": app.version,
        "uptime_s": round(time.monotonic() - app.started_monotonic, 1),
        "checks": {c.name: {"status": c.status, "detail": c.detail, **c.data} for c in checks},
        "plugins": plugins,
    }


def public_health(body: dict[str, Any]) -> dict[str, Any]:
    """`collect_health`'s answer without anything but pass / warn / fail per component
    (and each plugin's enabled / disabled / failed state)."""
    return {
        "status": body["status"],
        "ready": body["ready"],
        "checks": {name: {"status": c["status"]} for name, c in body["checks"].items()},
        "plugins": {
            name: {"status": p["status"], "state": p.get("state")}
            for name, p in body["plugins"].items()
        },
    }


def has_health_token(request: web.Request, expected: str | None) -> bool:
    """Whether the request carries HEALTH_TOKEN (header or query), compared in constant
    time; never true when no token is configured."""
    if not expected:
        return False
    header = request.headers.get("Authorization", "")
    given = header[7:] if header[:7].lower() == "bearer " else request.query.get("token", "")
    return hmac.compare_digest(given.encode(errors="replace"), expected.encode())


async def health_view(request: web.Request) -> web.Response:
    app: BotApplication = request.app[APP_KEY]
    body = await collect_health(app)
    status = 200 if body["ready"] else 503
    if not has_health_token(request, app.settings.health_token):
        body = public_health(body)
    return web.json_response(body, status=status)


async def live_view(request: web.Request) -> web.Response:
    return web.json_response({"status": "pass"})


async def metrics_view(request: web.Request) -> web.Response:
    app: BotApplication = request.app[APP_KEY]
    return web.Response(body=app.metrics.render(), content_type="text/plain")
