"""Run plugins' own test suites in isolation: the runner behind `/run_tests` and `lucien test`.

Each plugin may ship a pytest suite inside its package (`lucien_test_suite` hook). A run
starts `python -m pytest <suite>` in a subprocess per plugin, with an environment scrubbed
of everything that could reach production: no DATABASE_URL (the harness makes its own
throwaway SQLite databases), no REDIS_URL, no bot token, no Telegram URL, no webhook, and
no PostgreSQL admin URL unless explicitly allowed. The child does not even learn the
production values, so no test can touch them by mistake. The JUnit XML each child writes
is parsed into per-plugin counts and the first failures.

Core module: it knows plugins only through the registry, never by name.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lucien.core.plugins import PluginRegistry

# Variables a test run must never see: they point at production resources.
_SECRET_PREFIXES = ("WEBHOOK_", "RAILWAY_", "PG", "REDIS", "LUCIEN_TEST_PG")
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
MAX_FAILURES_SHOWN = 5
ProgressCallback = Callable[["SuiteResult", int, int], Awaitable[None]]


@dataclass
class SuiteFailure:
    """One failing (or erroring) test: its name and a one-line reason."""

    name: str
    reason: str


@dataclass
class SuiteResult:
    """The outcome of one plugin's suite."""

    plugin: str
    path: str
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    duration: float = 0.0
    failures: list[SuiteFailure] = field(default_factory=list)
    returncode: int | None = None
    timed_out: bool = False
    output: str = ""

    @property
    def ok(self) -> bool:
        # pytest exits 5 when nothing was collected: an empty suite is not a failure.
        return not self.failed and not self.timed_out and self.returncode in (0, 5)

    @property
    def status(self) -> str:
        if self.timed_out:
            return "timeout"
        if self.ok and self.returncode == 5:
            return "no tests"  # an empty suite is not a failure, but not a pass either
        return "passed" if self.ok else "failed"


@dataclass
class RunResult:
    """Every suite of one run, in order."""

    results: list[SuiteResult] = field(default_factory=list)
    duration: float = 0.0

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    def failures(self, limit: int = MAX_FAILURES_SHOWN) -> list[tuple[str, SuiteFailure]]:
        """The first failures across plugins, (plugin, failure)."""
        found = [(r.plugin, f) for r in self.results for f in r.failures]
        return found[:limit]

    def table(self) -> str:
        rows = [("PLUGIN", "STATUS", "PASSED", "FAILED", "SKIPPED", "SECONDS")]
        rows += [
            (r.plugin, r.status, str(r.passed), str(r.failed), str(r.skipped), f"{r.duration:.1f}")
            for r in self.results
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        return "\n".join(
            "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
        )

    def report_text(self) -> str:
        """The full report: the table, every failure, then each suite's pytest output."""
        parts = [self.table(), ""]
        for r in self.results:
            for f in r.failures:
                parts.append(f"FAILED {r.plugin}: {f.name} - {f.reason}")
        for r in self.results:
            parts += ["", f"===== {r.plugin} ({r.path}) =====", r.output.rstrip()]
        return "\n".join(parts) + "\n"


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


def sanitized_env(
    base: Mapping[str, str] | None = None, *, allow_postgres: bool = False
) -> dict[str, str]:
    """The child's environment: production resources removed, SQLite only by default."""
    source = dict(os.environ if base is None else base)
    pg_url = source.get("LUCIEN_TEST_PG_URL")
    env = {
        k: v
        for k, v in source.items()
        if k not in _SECRET_NAMES and not k.startswith(_SECRET_PREFIXES)
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


def parse_junit(xml_path: Path, result: SuiteResult) -> None:
    """Fill counts and failures from pytest's JUnit XML."""
    root = ET.parse(xml_path).getroot()
    for case in root.iter("testcase"):
        name = case.get("name", "?")
        classname = case.get("classname", "")
        short = f"{classname.rsplit('.', 1)[-1]}::{name}" if classname else name
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        if problem is not None:
            result.failed += 1
            reason = (problem.get("message") or problem.text or "").strip().splitlines()
            result.failures.append(SuiteFailure(short, reason[0][:200] if reason else "failed"))
        elif case.find("skipped") is not None:
            result.skipped += 1
        else:
            result.passed += 1


def _kill_group(proc: asyncio.subprocess.Process) -> None:
    """The child runs in its own session: kill it and anything it started."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


async def run_suite(
    plugin: str,
    path: str,
    *,
    time_limit: float,
    allow_postgres: bool = False,
    env: Mapping[str, str] | None = None,
) -> SuiteResult:
    """Run one suite in a subprocess, in a temp dir, killed after `time_limit` seconds."""
    result = SuiteResult(plugin, path)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f"lucien-test-{plugin}-") as tmp:
        work = Path(tmp)
        (work / "pytest.ini").write_text(_PYTEST_INI)
        report = work / "report.xml"
        args = [
            sys.executable,
            "-m",
            "pytest",
            path,
            "-c",
            str(work / "pytest.ini"),
            "--rootdir",
            str(work),
            "-p",
            "no:cacheprovider",
            f"--junitxml={report}",
            "-q",
            "-o",
            "junit_family=xunit2",
        ]
        proc = await asyncio.create_subprocess_exec(
            *args,
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
        if report.exists():
            with contextlib.suppress(ET.ParseError):
                parse_junit(report, result)
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
    time_limit: float = 600,
    on_progress: ProgressCallback | None = None,
    allow_postgres: bool = False,
    env: Mapping[str, str] | None = None,
) -> RunResult:
    """Run the suites one after the other within a total `time_limit` (seconds)."""
    run = RunResult()
    started = time.monotonic()
    todo = list(suites)
    for index, (plugin, path) in enumerate(todo, 1):
        left = max(1.0, time_limit - (time.monotonic() - started))
        result = await run_suite(
            plugin, path, time_limit=left, allow_postgres=allow_postgres, env=env
        )
        run.results.append(result)
        if on_progress is not None:
            await on_progress(result, index, len(todo))
    run.duration = round(time.monotonic() - started, 2)
    return run


def _registry_for_cli() -> PluginRegistry:
    """Every installed plugin; the bot's own settings are not needed to run tests."""
    from lucien.core.plugins import discover_plugins
    from lucien.core.settings import Settings

    try:
        settings = Settings()
    except Exception:  # no BOT_TOKEN on a developer's machine: tests do not need one
        settings = Settings(_env_file=None, sandbox=True)  # type: ignore[call-arg]
    return discover_plugins(settings)


def run_suites_cli(plugin: str | None, timeout: float = 600) -> int:
    """`lucien test [PLUGIN]`: print a table and the failures; 1 when anything failed."""
    registry = _registry_for_cli()
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
            f"{result.duration:.1f} s)",
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
