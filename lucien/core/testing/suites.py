"""Run plugins' own test suites in isolation: the runner behind `/run_tests` and `lucien test`.

Each plugin may ship a pytest suite inside its package (`lucien_test_suite` hook). A run
starts `python -m pytest <suite>` in a subprocess per plugin, with an environment scrubbed
of everything that could reach production: no DATABASE_URL (the harness makes its own
throwaway SQLite databases), no REDIS_URL, no bot token, no Telegram URL, no webhook, and
no PostgreSQL admin URL unless explicitly allowed. The child does not even learn the
production values, so no test can touch them by mistake. The JUnit XML each child writes
is parsed into per-plugin counts and the first failures; pytest-cov measures the plugin's
own package (its suite left out), and its JSON report gives the coverage figure.

Public entry points: `run_suite(plugin)` (one installed plugin, blocking: `lucien test
NAME`), `run_suites(...)` (async, with a progress callback: `/run_tests`), and
`run_suites_cli(...)` (the table and failures `lucien test` prints).

Core module: it knows plugins only through the registry, never by name.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import os
import signal
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from lucien.core.testing.suite_results import (
    MAX_FAILURES_SHOWN,
    RunResult,
    SuiteFailure,
    SuiteResult,
    parse_junit,
    read_coverage,
)

if TYPE_CHECKING:
    from lucien.core.plugins import PluginRegistry

__all__ = [
    "MAX_FAILURES_SHOWN",
    "RunResult",
    "SuiteFailure",
    "SuiteResult",
    "UnknownPlugin",
    "collect_suites",
    "coverage_target",
    "parse_junit",
    "run_suite",
    "run_suite_at",
    "run_suites",
    "run_suites_cli",
    "sanitized_env",
]

# Variables a test run must never see: they point at production resources.
_SECRET_PREFIXES = ("WEBHOOK_", "RAILWAY_", "PG", "REDIS", "LUCIEN_TEST_PG")
# A run started from inside a measured run (diagnostics' own tests) measures its own
# plugin only: the parent's coverage settings are not inherited.
_INHERITED_PREFIXES = ("COV_CORE_", "COVERAGE_")
_SECRET_NAMES = frozenset(
    {
        "DATABASE_URL",
        "DATABASE_PUBLIC_URL",
        "BOT_TOKEN",
        "TELEGRAM_API_URL",
        "ADMIN_IDS",
        "LUCIEN_PLUGINS",
        "LUCIEN_DISABLED_PLUGINS",
        "LUCIEN_TEST_REDIS_URL",
        "PYTEST_ADDOPTS",
        "PYTEST_CURRENT_TEST",
    }
)
# The ini the child uses, so a suite behaves the same from a checkout or site-packages.
_PYTEST_INI = """[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
"""
# Coverage settings of the child: the suite itself is not part of what is measured.
_COVERAGE_RC = """[run]
omit =
    {omit}
[report]
precision = 1
"""
DEFAULT_TIME_LIMIT = 600.0
ProgressCallback = Callable[[SuiteResult, int, int], Awaitable[None]]


class UnknownPlugin(LookupError):
    """No installed plugin has this name (or it ships no suite)."""


def collect_suites(registry: PluginRegistry, plugin: str | None = None) -> list[tuple[str, str]]:
    """(plugin name, suite path) of every enabled plugin with a suite, or of `plugin` alone.

    A plugin asked for by name is run even when disabled: its tests use their own app.
    """
    if plugin is not None:
        record = registry.get(plugin)
        if record is None or record.obj is None:
            raise UnknownPlugin(plugin)
        records = [record]
    else:
        records = registry.enabled()
    suites: list[tuple[str, str]] = []
    for record in records:
        path = registry.call_plugin(record, "lucien_test_suite")
        if path and Path(path).exists():
            suites.append((record.name, str(path)))
    if plugin is not None and not suites:
        raise UnknownPlugin(plugin)
    return suites


def coverage_target(suite: str | Path) -> Path | None:
    """The plugin's package that a suite measures: the innermost Python package (a folder
    with `__init__.py`) holding the suite, the suite's own folder excluded. A plugin ships
    its suite inside its package (`<package>/tests`); None when there is no such package.
    """
    for folder in Path(suite).resolve().parents:  # the suite itself is not among them
        if (folder / "__init__.py").is_file():
            return folder
    return None


def sanitized_env(
    base: Mapping[str, str] | None = None, *, allow_postgres: bool = False
) -> dict[str, str]:
    """The child's environment: production resources removed, SQLite only by default."""
    source = dict(os.environ if base is None else base)
    pg_url = source.get("LUCIEN_TEST_PG_URL")
    env = {
        k: v
        for k, v in source.items()
        if k not in _SECRET_NAMES and not k.startswith(_SECRET_PREFIXES + _INHERITED_PREFIXES)
    }
    env["LUCIEN_TEST_DB"] = "sqlite"
    if allow_postgres and pg_url:
        env["LUCIEN_TEST_PG_URL"] = pg_url
        env.pop("LUCIEN_TEST_DB")
    # Settings default to ./lucien.db: the child's cwd is a temp dir, so even that is not ours.
    env["DATABASE_URL"] = "sqlite+aiosqlite:///./lucien-test.db"
    env["ENV"] = "development"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _kill_group(proc: asyncio.subprocess.Process) -> None:
    """The child runs in its own session: kill it and anything it started."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def _pytest_args(path: str, work: Path, measure: bool) -> list[str]:
    """The child's command line; with `measure`, pytest-cov over the plugin's package."""
    args = [
        sys.executable,
        "-m",
        "pytest",
        str(Path(path).resolve()),  # the child runs elsewhere (a temp dir)
        "-c",
        str(work / "pytest.ini"),
        "--rootdir",
        str(work),
        "-p",
        "no:cacheprovider",
        f"--junitxml={work / 'report.xml'}",
        "-q",
        "-o",
        "junit_family=xunit1",  # its `file` attribute names a test's module
    ]
    # The child is this interpreter: without pytest-cov here (an environment installed
    # without lucien's dependencies) the suite still runs, with no coverage figure.
    measure = measure and importlib.util.find_spec("pytest_cov") is not None
    target = coverage_target(path) if measure else None
    if target is None:
        return args
    suite = Path(path).resolve()
    omit = f"{suite}/*" if suite.is_dir() else str(suite)
    (work / "coveragerc").write_text(_COVERAGE_RC.format(omit=omit))
    return [
        *args,
        f"--cov={target}",
        f"--cov-config={work / 'coveragerc'}",
        "--cov-report=term",
        f"--cov-report=json:{work / 'coverage.json'}",
    ]


async def run_suite_at(
    plugin: str,
    path: str,
    *,
    time_limit: float = DEFAULT_TIME_LIMIT,
    allow_postgres: bool = False,
    coverage: bool = True,
    env: Mapping[str, str] | None = None,
) -> SuiteResult:
    """Run the suite at `path` in a subprocess, in a temp dir, killed after `time_limit` s."""
    result = SuiteResult(plugin, path)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f"lucien-test-{plugin}-") as tmp:
        work = Path(tmp)
        (work / "pytest.ini").write_text(_PYTEST_INI)
        proc = await asyncio.create_subprocess_exec(
            *_pytest_args(path, work, coverage),
            cwd=work,
            env=sanitized_env(env, allow_postgres=allow_postgres),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            out, _ = await asyncio.wait_for(proc.communicate(), time_limit)
        except (TimeoutError, asyncio.CancelledError) as exc:
            _kill_group(proc)
            out, _ = await proc.communicate()
            if isinstance(exc, asyncio.CancelledError):
                raise
            result.timed_out = True
            result.failures.append(SuiteFailure("(timeout)", f"killed after {time_limit:.0f} s"))
        result.returncode = proc.returncode
        result.output = out.decode(errors="replace")
        report = work / "report.xml"
        if report.exists():
            with contextlib.suppress(ET.ParseError):
                parse_junit(report, result)
        result.coverage = read_coverage(work / "coverage.json")
        if result.returncode not in (0, 5) and not result.failed and not result.timed_out:
            # pytest itself failed (usage or collection error without a report).
            tail = result.output.strip().splitlines()[-1:] or ["pytest failed"]
            result.failed += 1
            result.failures.append(SuiteFailure("(pytest)", tail[0][:200]))
    result.duration = round(time.monotonic() - started, 2)
    return result


async def run_suites(
    suites: Iterable[tuple[str, str]],
    *,
    time_limit: float = DEFAULT_TIME_LIMIT,
    on_progress: ProgressCallback | None = None,
    allow_postgres: bool = False,
    coverage: bool = True,
    env: Mapping[str, str] | None = None,
) -> RunResult:
    """Run the suites one after the other within a total `time_limit` (seconds)."""
    run = RunResult()
    started = time.monotonic()
    todo = list(suites)
    for index, (plugin, path) in enumerate(todo, 1):
        left = max(1.0, time_limit - (time.monotonic() - started))
        result = await run_suite_at(
            plugin,
            path,
            time_limit=left,
            allow_postgres=allow_postgres,
            coverage=coverage,
            env=env,
        )
        run.results.append(result)
        if on_progress is not None:
            await on_progress(result, index, len(todo))
    run.duration = round(time.monotonic() - started, 2)
    return run


def registry_for_tests() -> PluginRegistry:
    """Every installed plugin; the bot's own settings are not needed to run tests."""
    from lucien.core.plugins import discover_plugins
    from lucien.core.settings import Settings

    try:
        settings = Settings()
    except Exception:  # no BOT_TOKEN on a developer's machine: tests do not need one
        settings = Settings(_env_file=None, sandbox=True)  # type: ignore[call-arg]
    return discover_plugins(settings)


def run_suite(
    plugin: str,
    *,
    time_limit: float = DEFAULT_TIME_LIMIT,
    allow_postgres: bool = False,
    coverage: bool = True,
    registry: PluginRegistry | None = None,
) -> SuiteResult:
    """Run one installed plugin's whole suite and wait for it (`lucien test NAME`).

    SQLite only unless `allow_postgres` (and `LUCIEN_TEST_PG_URL` is set); raises
    `UnknownPlugin` when no installed plugin of that name ships a suite. Not for use
    inside a running event loop: there, await `run_suites`.
    """
    [(name, path)] = collect_suites(registry or registry_for_tests(), plugin)
    return asyncio.run(
        run_suite_at(
            name,
            path,
            time_limit=time_limit,
            allow_postgres=allow_postgres,
            coverage=coverage,
        )
    )


def run_suites_cli(plugin: str | None, timeout: float = DEFAULT_TIME_LIMIT) -> int:
    """`lucien test [PLUGIN]`: print a table and the failures; 1 when anything failed."""
    registry = registry_for_tests()
    try:
        suites = collect_suites(registry, plugin)
    except UnknownPlugin:
        print(f"error: no installed plugin {plugin!r} with a test suite", file=sys.stderr)
        return 2
    if not suites:
        print("no test suites found")
        return 0

    async def progress(result: SuiteResult, index: int, total: int) -> None:
        print(
            f"[{index}/{total}] {result.plugin}: {result.status} "
            f"({result.passed} passed, {result.failed} failed, {result.skipped} skipped, "
            f"coverage {result.coverage_text}, {result.duration:.1f} s)",
            flush=True,
        )

    run = asyncio.run(run_suites(suites, time_limit=timeout, on_progress=progress))
    print()
    print(run.table())
    failures = [(r.plugin, f) for r in run.results for f in r.failures]
    if failures:
        print()
        for name, failure in failures:
            print(f"FAILED {name}: {failure.name} - {failure.reason}")
    return 0 if run.ok else 1
