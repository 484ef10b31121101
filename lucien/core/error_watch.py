"""The `core.watch` job (every replica, every WATCH_INTERVAL_S): what no update reveals.

- Dependencies: PostgreSQL (a `SELECT 1`) and Redis (its availability, a PING while it
  seems up). Each replica alerts when it finds one down and when it is back (the alert
  windows keep replicas from telling the same outage twice); a job failing because of
  the outage is not alerted on its own (error_alerts.py).
- The webhook: Telegram's `getWebhookInfo.last_error_message`, on one replica per
  WEBHOOK_CHECK_S, alerted when its date is new and recent.
- The error alerts' counts: `ErrorAlerts.flush` tells what was counted during a window
  once it is over.
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import datetime
from typing import TYPE_CHECKING

from lucien.core.cache import REDIS_FAULTS
from lucien.core.error_alerts import ErrorAlerts, error_alerts, fingerprint, one_line

if TYPE_CHECKING:
    from lucien.core.context import AppContext

log = logging.getLogger("lucien.errors")

# Fifteen seconds: an outage is told within that, and a PING and a SELECT 1 per replica
# that often cost nothing.
WATCH_INTERVAL_S = 15.0
# Once a minute on one replica: getWebhookInfo keeps only the last error anyway.
WEBHOOK_CHECK_S = 60.0
# A webhook error older than this when first seen (before this deployment) is history.
WEBHOOK_ERROR_RECENT_S = 600.0
# A ping that takes longer than this is an outage for the admins' purposes.
PING_TIMEOUT_S = 5.0


async def run_watch_job(ctx: AppContext) -> None:
    """One tick: dependencies, the webhook, the counted errors."""
    errors = error_alerts(ctx)
    await check_database(ctx, errors)
    await check_redis(ctx, errors)
    try:
        await check_webhook(ctx, errors)
    except Exception as exc:  # Telegram away: the next tick asks again
        log.warning("getWebhookInfo failed: %s", one_line(exc))
    await errors.flush()


async def check_database(ctx: AppContext, errors: ErrorAlerts) -> None:
    try:
        await asyncio.wait_for(ctx.db.ping(), PING_TIMEOUT_S)
    except Exception as exc:
        await _down(ctx, errors, "PostgreSQL" if _is_pg(ctx) else "database", one_line(exc))
    else:
        await _up(ctx, errors, "PostgreSQL" if _is_pg(ctx) else "database")


async def check_redis(ctx: AppContext, errors: ErrorAlerts) -> None:
    state = ctx.state
    redis = getattr(state, "redis", None)
    if redis is None:
        return  # not configured: the in-process equivalents are the plan, not an outage
    if state.availability.up:
        try:
            await asyncio.wait_for(redis.ping(), PING_TIMEOUT_S)
        except REDIS_FAULTS as exc:
            state.availability.mark_down(exc)
    if state.availability.up:
        await _up(ctx, errors, "Redis")
    else:
        await _down(ctx, errors, "Redis", state.availability.last_error[:200])


async def _down(ctx: AppContext, errors: ErrorAlerts, name: str, error: str) -> None:
    if name in errors.down:
        return
    errors.down[name] = ctx.clock.now().timestamp()
    log.warning("%s unreachable: %s", name, error)
    await errors.report(
        "alert.dependency_down", fingerprint("down", name), dependency=name, error=error
    )


async def _up(ctx: AppContext, errors: ErrorAlerts, name: str) -> None:
    since = errors.down.pop(name, None)
    if since is None:
        return
    seconds = max(0, round(ctx.clock.now().timestamp() - since))
    log.info("%s reachable again after %s s", name, seconds)
    await errors.report(
        "alert.dependency_up",
        fingerprint("up", name),
        sentry="never",
        dependency=name,
        seconds=seconds,
    )


def _is_pg(ctx: AppContext) -> bool:
    return ctx.settings.database_url.startswith("postgres")


async def check_webhook(ctx: AppContext, errors: ErrorAlerts) -> None:
    """Alert Telegram's last webhook error when it is new (one replica per interval)."""
    if not ctx.settings.webhook_url or not await ctx.alerts.claim("watch:webhook", WEBHOOK_CHECK_S):
        return
    info = await ctx.bot.get_webhook_info()
    when, message = info.last_error_date, info.last_error_message
    if when is None or not message:
        return
    stamp = when.timestamp() if isinstance(when, datetime) else float(when)
    if ctx.clock.now().timestamp() - stamp > WEBHOOK_ERROR_RECENT_S:
        return
    # Once per error: the date is remembered with the alert windows (Redis or here).
    if not await ctx.alerts.claim(f"watch:webhook-error:{int(stamp)}", WEBHOOK_ERROR_RECENT_S):
        return
    # The cause without its numbers (ports, timings, status codes vary run to run).
    cause = re.sub(r"\d+", "#", message)
    await errors.report(
        "alert.webhook_error",
        fingerprint("webhook", cause),
        error=message[:300],
        pending=info.pending_update_count,
    )
