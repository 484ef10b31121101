"""The sampler: every replica writes its own counters' deltas into the history, and every
plugin's gauges into /metrics and the history, every `FINE_S` seconds.

Each replica keeps the counters since it started (`Metrics.snapshot()`); the sampler
subtracts what it wrote last time and adds the difference to two rows of its own: the
current 10 s bucket and the current 5 min bucket (an upsert, so the 24 h chart includes
the bucket in progress). The dashboard sums the replicas by bucket. Rows past their
window are deleted on the way: the table stays bounded without a job of its own.
"""

from __future__ import annotations

import copy
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, delete, or_

from lucien.core.db import upsert
from lucien.plugins.dashboard.models import DashboardLink, DashboardSample
from lucien.plugins.dashboard.services.common import (
    COARSE_KEEP_S,
    COARSE_S,
    FINE_KEEP_S,
    FINE_S,
    log,
)

if TYPE_CHECKING:
    from lucien.core.context import AppContext
    from lucien.core.plugin import Gauge

Counts = dict[str, Any]
_HEALTH_LEVEL = {"pass": 0, "warn": 1, "fail": 2}


def bucket(at: datetime, seconds: int) -> datetime:
    """The start of the `seconds`-long bucket holding `at`."""
    epoch = int(at.timestamp())
    return at - timedelta(seconds=epoch % seconds, microseconds=at.microsecond)


def _sub(now: dict[str, float], before: dict[str, float]) -> dict[str, float]:
    return {k: v - before.get(k, 0.0) for k, v in now.items() if v - before.get(k, 0.0)}


def difference(now: Counts, before: Counts) -> Counts:
    """The counters' growth between two snapshots (what happened in between)."""
    return {
        "u": now["updates"] - before.get("updates", 0.0),
        # Every bucket kept, zeros too: a percentile interpolates from the bucket below.
        "b": {k: v - before.get("buckets", {}).get(k, 0.0) for k, v in now["buckets"].items()},
        "f": _sub(now["failures"], before.get("failures", {})),
        "e": _sub(now["api_errors"], before.get("api_errors", {})),
    }


def add(total: Counts, delta: Counts) -> Counts:
    """`delta` added into `total` (in place; gauges: the later reading wins)."""
    total["u"] = total.get("u", 0.0) + delta.get("u", 0.0)
    for key in ("b", "f", "e"):
        into = total.setdefault(key, {})
        for name, value in delta.get(key, {}).items():
            into[name] = into.get(name, 0.0) + value
    for key in ("g", "l"):
        if key in delta:
            total.setdefault(key, {}).update(delta[key])
    return total


class Sampler:
    """One per process (`ctx.service`): this replica's part of the history."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.replica = uuid.uuid4().hex[:16]
        self._written: Counts = {}
        self._rows: dict[int, tuple[datetime, Counts]] = {}
        self._gauges: list[Gauge] | None = None

    @property
    def metrics(self) -> Any:
        return self.ctx.app.metrics

    def gauges(self) -> list[Gauge]:
        """Every enabled plugin's gauges, asked once (`lucien_gauges`)."""
        if self._gauges is None:
            found: list[Gauge] = []
            for _record, gauges in self.ctx.registry.call_each("lucien_gauges", ctx=self.ctx):
                found.extend(gauges)
            self._gauges = found
        return self._gauges

    def unsampled(self) -> Counts:
        """What this replica counted since its last sample (the live figures add it)."""
        return difference(self.metrics.snapshot(), self._written)

    async def read_gauges(self) -> tuple[dict[str, float], dict[str, float]]:
        """Every gauge's value and lag now; a gauge that raises is left out and logged."""
        values: dict[str, float] = {}
        lags: dict[str, float] = {}
        for gauge in self.gauges():
            try:
                values[gauge.name] = float(await gauge.read(self.ctx))
                if gauge.lag is not None:
                    lags[gauge.name] = float(await gauge.lag(self.ctx))
            except Exception as exc:
                log.warning("gauge %s could not be read: %r", gauge.name, exc)
        return values, lags

    def _publish(self, values: dict[str, float], lags: dict[str, float]) -> None:
        """The gauges' last values on /metrics."""
        kinds = {g.name: g.kind for g in self.gauges()}
        for name, value in values.items():
            if kinds.get(name) == "queue":
                self.metrics.queue_depth.labels(name).set(value)
            else:
                self.metrics.business.labels(name).set(value)
        for name, lag in lags.items():
            self.metrics.queue_lag.labels(name).set(lag)

    async def _publish_health(self) -> None:
        """Every health check's status on /metrics (Redis, PostgreSQL, the plugins' own)."""
        from lucien.core.health import collect_health

        try:
            body = await collect_health(self.ctx.app)
        except Exception as exc:  # the history matters more than this line of /metrics
            log.warning("health not sampled: %r", exc)
            return
        for name, check in body["checks"].items():
            self.metrics.health.labels(name).set(_HEALTH_LEVEL.get(check["status"], 2))

    async def tick(self) -> None:
        """Write this replica's deltas and the gauges; trim what is past its window."""
        snapshot = self.metrics.snapshot()
        delta = difference(snapshot, self._written)
        values, lags = await self.read_gauges()
        self._publish(values, lags)
        await self._publish_health()
        delta["g"], delta["l"] = values, lags
        now = self.ctx.clock.now()
        rows, kept = [], {}
        for resolution in (FINE_S, COARSE_S):
            at = bucket(now, resolution)
            held = self._rows.get(resolution)
            data = add(copy.deepcopy(held[1]) if held and held[0] == at else {}, delta)
            kept[resolution] = (at, data)
            rows.append({"replica": self.replica, "resolution": resolution, "at": at, "data": data})
        async with self.ctx.db.session() as s:
            await s.execute(
                upsert(
                    s,
                    DashboardSample,
                    rows,
                    conflict=["replica", "resolution", "at"],
                    update=["data"],
                )
            )
            await s.execute(
                delete(DashboardSample).where(
                    or_(
                        and_(
                            DashboardSample.resolution == FINE_S,
                            DashboardSample.at < now - timedelta(seconds=FINE_KEEP_S),
                        ),
                        and_(
                            DashboardSample.resolution == COARSE_S,
                            DashboardSample.at < now - timedelta(seconds=COARSE_KEEP_S),
                        ),
                    )
                )
            )
            # A nonce is needed only while its link could still be opened.
            await s.execute(delete(DashboardLink).where(DashboardLink.expires_at < now))
        # Only once written: a failed tick leaves its delta for the next.
        self._written, self._rows = snapshot, kept


def sampler(ctx: AppContext) -> Sampler:
    return ctx.service("dashboard.sampler", Sampler)
