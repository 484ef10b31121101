"""`lucien test content` and `/run_tests content` run this whole suite: what the runner
collects, found through the plugin's hook, in the runner's own environment (SQLite only,
production variables removed), from outside the repository."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from lucien.core.testing.suites import collect_suites, registry_for_tests, sanitized_env

HERE = Path(__file__).parent


def _defined_tests() -> int:
    """The tests this folder defines (each conversation runs once per backend)."""
    return sum(
        len(re.findall(r"^(?:async )?def test_", path.read_text(), re.M))
        for path in HERE.glob("test_*.py")
    )


def test_the_runner_collects_every_test_of_the_suite(tmp_path: Path) -> None:
    [(name, path)] = collect_suites(registry_for_tests(), "content")
    assert (name, Path(path)) == ("content", HERE)
    (tmp_path / "pytest.ini").write_text("[pytest]\nasyncio_mode = auto\n")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
         "-c", str(tmp_path / "pytest.ini"), "--rootdir", str(tmp_path), path],
        cwd=tmp_path, env=sanitized_env(), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    found = re.search(r"^(\d+) tests? collected", done.stdout, re.M)
    assert found is not None, done.stdout
    assert int(found.group(1)) == _defined_tests(), done.stdout
    assert "[postgres]" not in done.stdout  # the runner's runs are SQLite only
    for module in HERE.glob("test_*.py"):
        assert module.name in done.stdout
