"""Prometheus metrics, on the application's own registry so tests can build many apps."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, Metric

if TYPE_CHECKING:
    from lucien.core.context import AppContext


class _CacheCollector:
    """Reads the cache's own counters at scrape time instead of counting twice."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def collect(self) -> Iterator[Metric]:
        family = CounterMetricFamily(
            "lucien_cache_events", "Cache hits, misses and loads", labels=["namespace", "event"]
        )
        state = getattr(self.ctx, "state", None)
        if state is not None:
            for ns, counts in state.cache.stats().items():
                for event, value in counts.items():
                    family.add_metric([ns, event], value)
        yield family


def _total(counter: Counter) -> float:
    return sum(s.value for m in counter.collect() for s in m.samples if s.name.endswith("_total"))


def _by(counter: Counter, key: Callable[[dict[str, str]], str]) -> dict[str, float]:
    return {
        key(s.labels): s.value
        for m in counter.collect()
        for s in m.samples
        if s.name.endswith("_total")
    }


class Metrics:
    """The counters the core keeps; `render()` is the /metrics body."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.updates = Counter("lucien_updates", "Updates handled", registry=self.registry)
        self.latency = Histogram(
            "lucien_update_seconds",
            "Time to handle one update",
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.in_flight = Gauge(
            "lucien_updates_in_flight", "Updates being handled", registry=self.registry
        )
        self.flood_dropped = Counter(
            "lucien_flood_dropped",
            "Updates refused by flood control (acknowledged, not handled)",
            registry=self.registry,
        )
        self.updates_retried = Counter(
            "lucien_updates_retried",
            "Updates answered 503 after a passing fault before any effect (redelivered)",
            registry=self.registry,
        )
        self.outbox_calls = Counter(
            "lucien_outbox_calls",
            "Outbox calls by outcome: sent, retried (transient failure), failed (the row "
            "given up), skipped (an optional call given up)",
            ["outcome"],
            registry=self.registry,
        )
        self.handler_failures = Counter(
            "lucien_handler_failures",
            "Exceptions that escaped a plugin's handler, by plugin",
            ["plugin"],
            registry=self.registry,
        )
        self.api_errors = Counter(
            "lucien_telegram_api_errors",
            "Bot API calls that failed, by method and code (429: Telegram's flood limit; "
            "5xx: Telegram's side; network: no answer)",
            ["method", "code"],
            registry=self.registry,
        )
        # Set by the dashboard's sampler from every plugin's `lucien_gauges` (a collector
        # reading them at scrape time would have to query the database synchronously).
        self.business = Gauge(
            "lucien_business", "Business figures plugins expose", ["figure"], registry=self.registry
        )
        self.queue_depth = Gauge(
            "lucien_queue_depth",
            "Work waiting for a job, by queue",
            ["queue"],
            registry=self.registry,
        )
        self.health = Gauge(
            "lucien_health_status",
            "Each /health check as last sampled: 0 pass, 1 warn, 2 fail",
            ["check"],
            registry=self.registry,
        )
        self.queue_lag = Gauge(
            "lucien_queue_lag_seconds",
            "How long the oldest due item of a queue has waited",
            ["queue"],
            registry=self.registry,
        )

    def watch_cache(self, ctx: AppContext) -> None:
        self.registry.register(_CacheCollector(ctx))

    def observe_update(self, seconds: float) -> None:
        self.updates.inc()
        self.latency.observe(seconds)

    def snapshot(self) -> dict[str, Any]:
        """This process's counters now (cumulative since start), for the dashboard's
        sampler: updates, the latency histogram's cumulative buckets, handler failures
        by plugin and API errors by `method:code`."""
        buckets: dict[str, float] = {}
        for metric in self.latency.collect():
            for sample in metric.samples:
                if sample.name.endswith("_bucket"):
                    buckets[sample.labels["le"]] = sample.value
        return {
            "updates": _total(self.updates),
            "buckets": buckets,
            "failures": _by(self.handler_failures, lambda labels: labels["plugin"]),
            "api_errors": _by(
                self.api_errors, lambda labels: f"{labels['method']}:{labels['code']}"
            ),
        }

    def render(self) -> bytes:
        return generate_latest(self.registry)
