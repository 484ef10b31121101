"""Drills: the bot as real processes (`lucien run` replicas), PostgreSQL, Redis and the
emulator with faults, through `lucien.core.testing.replicas`.

Every test here is marked `drill` (`pytest -m drill` selects them, `-m "not drill"` leaves
them out). The `cluster` fixture opens a `Cluster` (no replica yet: the test builds the
world, then calls `start_replicas`) and closes it afterwards; a failing drill's report
carries the tail of every replica's log and the emulator's webhook record.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Generator
from pathlib import Path
from typing import Any

import pytest

from lucien.core.testing.databases import (
    PG_URL_VAR,
    REDIS_URL_VAR,
    pg_admin_url,
    redis_test_url,
    service_problem,
)
from lucien.core.testing.replicas import Cluster

_CLUSTER = pytest.StashKey[Cluster]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "drill: a drill with real processes (tests/drills)")
    config.addinivalue_line("markers", "cluster(**options): the drill's Cluster arguments")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.drill)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Generator[Any]:
    outcome = yield
    report = outcome.get_result()
    cluster = item.stash.get(_CLUSTER, None)
    if report.failed and cluster is not None:
        report.sections.append(("replica logs", cluster.report()))


def _require(service: str, url: str, variable: str) -> None:
    problem = service_problem(service, url, variable)
    if problem is not None:
        # A drill without its servers proves nothing: skip only on a laptop without them.
        (pytest.skip if problem.skip else pytest.fail)(problem.reason)


@pytest.fixture
async def cluster(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Cluster]:
    """An open `Cluster` (database, emulator, load balancer); options from
    `@pytest.mark.cluster(...)` (the `Cluster` keyword arguments)."""
    _require("PostgreSQL", pg_admin_url(), PG_URL_VAR)
    _require("Redis", redis_test_url(), REDIS_URL_VAR)
    marker = request.node.get_closest_marker("cluster")
    c = Cluster(tmp_path, **(marker.kwargs if marker else {}))
    request.node.stash[_CLUSTER] = c
    await c.open()
    try:
        yield c
    finally:
        await c.close()
