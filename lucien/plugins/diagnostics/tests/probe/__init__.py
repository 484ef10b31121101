"""Two plugins that ship only a suite, for diagnostics' own tests to run from chat.

`probe`'s suite starts a whole bot on a database of its own and passes; `failing`'s has
one test that fails on purpose; `crowded`'s fails many times, with markup in its errors. Neither is installed: a test hands them to its harness
as entry points. `describe` is the code the probe's suite covers, all but one line, so
that the coverage figure a run reports is known in advance (see PROBE_COVERAGE).
"""

from __future__ import annotations

from pathlib import Path

from lucien.core.plugin import PluginInfo, hookimpl

SUITES = Path(__file__).parent / "suites"
# Statements of this module that the probe's suite runs: all but the two hook bodies and
# describe's "many" (18 of 21, as coverage.py counts). Change it with the module.
PROBE_COVERAGE = "85.7"


class SuiteOnlyPlugin:
    """A plugin with a name, a version and a test suite, nothing else."""

    def __init__(self, name: str, suite: str) -> None:
        self.name, self.suite = name, suite

    @hookimpl
    def lucien_plugin_info(self) -> PluginInfo:
        return PluginInfo(name=self.name, version="0.1.0")

    @hookimpl
    def lucien_test_suite(self) -> str:
        return str(SUITES / self.suite)


def describe(count: int) -> str:
    """The code under test of the probe's suite."""
    if count == 1:
        return "one"
    return "many"  # never reached by the probe's suite: its coverage stays below 100 %


probe = SuiteOnlyPlugin("probe", "passing_suite.py")
failing = SuiteOnlyPlugin("failing", "failing_suite.py")
crowded = SuiteOnlyPlugin("crowded", "crowded_suite.py")
