"""The dashboard's figures: the history summed over replicas, the live rates, the gauges
and the health checks, as the JSON the page draws.

Counters are summed across replicas bucket by bucket; gauges (the same database seen by
every replica) take the largest reading of a bucket. Latency percentiles come from the
histogram's buckets, interpolated within a bucket as Prometheus' histogram_quantile does.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, or_, select

from lucien.plugins.dashboard.models import DashboardSample
from lucien.plugins.dashboard.services.common import COARSE_KEEP_S, COARSE_S, FINE_KEEP_S, FINE_S
from lucien.plugins.dashboard.services.sampler import Counts, add, bucket, sampler

if TYPE_CHECKING:
    from lucien.core.context import AppContext

LIVE_S = 60  # "now": the rate and the percentiles over the last minute


def quantile(q: float, buckets: dict[str, float]) -> float | None:
    """The `q` quantile in milliseconds from cumulative histogram buckets (None: no data)."""
    edges = sorted(
        ((math.inf if le == "+Inf" else float(le)), count) for le, count in buckets.items()
    )
    if not edges or edges[-1][1] <= 0:
        return None
    rank = q * edges[-1][1]
    lower, below = 0.0, 0.0
    for upper, count in edges:
        if count >= rank:
            if math.isinf(upper):
                return round(lower * 1000, 1)  # past the last bound: say the bound
            share = (rank - below) / (count - below) if count > below else 1.0
            return round((lower + (upper - lower) * share) * 1000, 1)
        lower, below = upper, count
    return None


def _point(at: datetime, data: Counts, seconds: int) -> dict[str, Any]:
    errors = data.get("e", {})
    return {
        "t": int(at.timestamp() * 1000),
        "rate": round(data.get("u", 0.0) / seconds, 3),
        "updates": int(data.get("u", 0.0)),
        "p50": quantile(0.5, data.get("b", {})),
        "p99": quantile(0.99, data.get("b", {})),
        "failures": int(sum(data.get("f", {}).values())),
        "api_errors": int(sum(errors.values())),
        "r429": int(sum(v for k, v in errors.items() if k.endswith(":429"))),
        "gauges": data.get("g", {}),
        "lags": data.get("l", {}),
    }


def _merge(into: Counts, data: Counts) -> None:
    """One replica's bucket into the sum: counters add, gauges keep the largest."""
    gauges, lags = data.get("g", {}), data.get("l", {})
    add(into, {k: v for k, v in data.items() if k not in ("g", "l")})
    for key, values in (("g", gauges), ("l", lags)):
        held = into.setdefault(key, {})
        for name, value in values.items():
            held[name] = max(value, held.get(name, value))


async def history(ctx: AppContext) -> dict[int, dict[datetime, Counts]]:
    """Every replica's rows of the last hour (10 s) and day (5 min), summed by bucket."""
    now = ctx.clock.now()
    async with ctx.db.session(readonly=True) as s:
        rows = await s.execute(
            select(DashboardSample.resolution, DashboardSample.at, DashboardSample.data).where(
                or_(
                    and_(
                        DashboardSample.resolution == FINE_S,
                        DashboardSample.at >= now - timedelta(seconds=FINE_KEEP_S),
                    ),
                    and_(
                        DashboardSample.resolution == COARSE_S,
                        DashboardSample.at >= now - timedelta(seconds=COARSE_KEEP_S),
                    ),
                )
            )
        )
    summed: dict[int, dict[datetime, Counts]] = {FINE_S: {}, COARSE_S: {}}
    for resolution, at, data in rows:
        _merge(summed[resolution].setdefault(at, {}), data)
    return summed


async def figures(ctx: AppContext, language: str) -> dict[str, Any]:
    """Everything the page shows, for an admin reading `language`."""
    from lucien.core.health import collect_health

    now = ctx.clock.now()
    sample = sampler(ctx)
    unsampled = sample.unsampled()
    summed = await history(ctx)
    # This replica's counts since its last sample belong to the current buckets.
    for resolution in (FINE_S, COARSE_S):
        add(summed[resolution].setdefault(bucket(now, resolution), {}), unsampled)

    day: Counts = {}
    for data in summed[COARSE_S].values():
        add(day, {k: v for k, v in data.items() if k not in ("g", "l")})
    live: Counts = {}
    for at, data in summed[FINE_S].items():
        if at >= now - timedelta(seconds=LIVE_S):
            add(live, {k: v for k, v in data.items() if k not in ("g", "l")})

    values, lags = await sample.read_gauges()
    gauges = [
        {
            "name": g.name,
            "label": g.label_for(language),
            "kind": g.kind,
            "value": values.get(g.name),
            "lag": lags.get(g.name),
        }
        for g in sample.gauges()
    ]
    health = await collect_health(ctx.app)
    errors = day.get("e", {})
    voice = getattr(ctx, "voice", None)
    return {
        "now": now.isoformat(),
        # The house's zone: the page writes times as the bot does (the creator's clock).
        "tz": str(getattr(voice, "tz", "") or "UTC"),
        "live": {
            "rate": round(live.get("u", 0.0) / LIVE_S, 3),
            "p50": quantile(0.5, live.get("b", {})),
            "p99": quantile(0.99, live.get("b", {})),
        },
        "day": {
            "updates": int(day.get("u", 0.0)),
            "p50": quantile(0.5, day.get("b", {})),
            "p99": quantile(0.99, day.get("b", {})),
            "failures": {k: int(v) for k, v in sorted(day.get("f", {}).items())},
            "api_errors": {k: int(v) for k, v in sorted(errors.items())},
            "r429": int(sum(v for k, v in errors.items() if k.endswith(":429"))),
        },
        "series": {
            "hour": [_point(at, d, FINE_S) for at, d in sorted(summed[FINE_S].items())],
            "day": [_point(at, d, COARSE_S) for at, d in sorted(summed[COARSE_S].items())],
        },
        "gauges": gauges,
        "health": {
            "status": health["status"],
            "checks": [
                {"name": name, "status": c["status"], "detail": str(c.get("detail", ""))}
                for name, c in health["checks"].items()
            ],
        },
    }
