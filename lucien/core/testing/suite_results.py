"""What a run of plugins' suites found: counts, failures and coverage, per plugin.

Read from the files each pytest child writes (JUnit XML for the tests, coverage.py's
JSON for the coverage figure), and laid out as the table `lucien test` prints and the
report `/run_tests` sends.
"""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

MAX_FAILURES_SHOWN = 5


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
    coverage: float | None = None  # percent of the plugin's package its suite ran

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

    @property
    def coverage_floor(self) -> float | None:
        """The coverage to one decimal, rounded down: 99.96 % never reads as 100."""
        return None if self.coverage is None else math.floor(self.coverage * 10) / 10

    @property
    def coverage_text(self) -> str:
        """The coverage as "87.5%", or "-" when nothing was measured."""
        floor = self.coverage_floor
        return "-" if floor is None else f"{floor:.1f}%"


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
        rows = [("PLUGIN", "STATUS", "PASSED", "FAILED", "SKIPPED", "COVERAGE", "SECONDS")]
        rows += [
            (
                r.plugin,
                r.status,
                str(r.passed),
                str(r.failed),
                str(r.skipped),
                r.coverage_text,
                f"{r.duration:.1f}",
            )
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


def parse_junit(xml_path: Path, result: SuiteResult) -> None:
    """Fill counts and failures from pytest's JUnit XML."""
    root = ET.parse(xml_path).getroot()
    for case in root.iter("testcase"):
        name = case.get("name", "?")
        classname = case.get("classname", "")
        # A node id's short form, "test_x.py::test_y[a]": the suite lies outside the
        # child's rootdir, where pytest leaves classname empty but names the file.
        path = case.get("file")
        if path:
            short = f"{Path(path).name}::{name}"
        else:
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


def read_coverage(json_path: Path) -> float | None:
    """The total percent covered from coverage.py's JSON report; None without one."""
    try:
        totals = json.loads(json_path.read_text())["totals"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not totals.get("num_statements"):
        return None  # nothing measurable: no figure rather than a meaningless 100 %
    return float(totals["percent_covered"])
