"""Shared test setup: the third-party fixture plugin installed as a real distribution."""

from __future__ import annotations

import sys
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path

import pytest

from tests.core.clikit import pip_install

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def greeter_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Install tests/fixtures/greeter with pip into a directory put on sys.path.

    It is then found through its entry point metadata exactly as any installed
    distribution would be, without touching the developer's environment.
    """
    target = tmp_path_factory.mktemp("site")
    pip_install(FIXTURES / "greeter", target)
    sys.path.insert(0, str(target))
    import importlib

    importlib.invalidate_caches()
    yield target
    sys.path.remove(str(target))


@pytest.fixture
def greeter_entry_points(greeter_site: Path) -> list[EntryPoint]:
    """Every installed plugin entry point, the third-party greeter among them."""
    eps = list(entry_points(group="lucien.plugins"))
    assert "greeter" in {ep.name for ep in eps}, "the greeter distribution was not discovered"
    return eps
