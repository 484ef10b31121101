"""`lucien test` and `lucien profile` from the command line, against a third-party plugin
installed with pip as a distribution of its own (tests/fixtures/failing_plugin).

The runner is the core's (lucien.core.testing.suites); these tests sit with the core's
because they need the fixture distribution, which no plugin ships.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parents[1] / "fixtures"


def _cli_env(extra_path: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "LUCIEN_TEST"))}
    env.pop("BOT_TOKEN", None)
    if extra_path is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(extra_path), env.get("PYTHONPATH")]))
    return env


@pytest.fixture(scope="module")
def failing_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The failing fixture plugin installed with pip as a distribution of its own."""
    source = tmp_path_factory.mktemp("failing-src") / "failing_plugin"
    shutil.copytree(FIXTURES / "failing_plugin", source)  # pip builds in place: not in the repo
    target = tmp_path_factory.mktemp("failing-site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--target", str(target), str(source)],
        check=True, timeout=300,
    )  # fmt: skip
    return target


def test_lucien_test_names_the_failing_test_and_the_coverage(
    failing_site: Path, tmp_path: Path
) -> None:
    lucien = Path(sys.executable).parent / "lucien"
    done = subprocess.run(
        [str(lucien), "test", "failing", "--timeout", "120"],
        cwd=tmp_path, env=_cli_env(failing_site), capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FAILED failing: test_failing.py::test_deliberately_fails" in done.stdout
    # The table's coverage column: the share of the plugin's package (lucien_failing, its
    # tests left out) that this run executed; its two hook bodies never run.
    row = re.search(r"^failing +failed +2 +1 +0 +(\d+\.\d)% +\d", done.stdout, re.M)
    assert row is not None, done.stdout
    assert 0 < float(row.group(1)) < 100
    assert f"coverage {row.group(1)}%" in done.stdout  # the progress line says it too


def test_lucien_profile_writes_an_html_report(tmp_path: Path) -> None:
    lucien = Path(sys.executable).parent / "lucien"
    output = tmp_path / "profile.html"
    done = subprocess.run(
        [str(lucien), "profile", "--seconds", "1", "--output", str(output)],
        cwd=tmp_path, env=_cli_env(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "lucien/core/builtin/handlers.py" in output.read_text()


# What each built-in plugin's suite held before its end-to-end tests moved in (tests/e2e
# plus the shipped ones, on SQLite): a suite that shrinks below this lost tests.
SUITE_FLOORS = {"vip": 22, "free": 19, "admin": 18, "diagnostics": 12, "content": 14}


def test_each_plugin_suite_holds_its_end_to_end_tests(tmp_path: Path) -> None:
    """What `lucien test NAME` and `/run_tests NAME` collect: the suite path from the
    plugin's hook, the runner's SQLite-only environment, from outside the repository."""
    from lucien.core.testing.suites import collect_suites, registry_for_tests, sanitized_env

    registry = registry_for_tests()
    (tmp_path / "pytest.ini").write_text("[pytest]\nasyncio_mode = auto\n")
    for plugin, floor in SUITE_FLOORS.items():
        [(_, path)] = collect_suites(registry, plugin)
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
             "-c", str(tmp_path / "pytest.ini"), "--rootdir", str(tmp_path), path],
            cwd=tmp_path, env=sanitized_env(), capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        found = re.search(r"^(\d+) tests? collected", done.stdout, re.M)
        assert found is not None, done.stdout
        assert int(found.group(1)) >= floor, f"{plugin}: {found.group(1)} < {floor}"
        assert "[postgres]" not in done.stdout  # the runner's runs are SQLite only
