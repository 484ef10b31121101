"""Every plugin folder has the same rooms (hassfest's idea, for Lucien's plugins).

A reader who knows one plugin knows all: `__init__.py` (the plugin object), `handlers`
(routers), `services` (database and business logic), `models.py` + `migrations/`,
`keyboards.py`, `messages.py` + `catalogue/` (its texts), `tests/` (its whole suite).
A room exists when the plugin needs it, and then it holds something.
"""

from __future__ import annotations

import ast
import importlib
import json
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from lucien.core.plugin import PROJECT
from lucien.core.plugins import DEFAULT_PLUGINS

ROOT = Path(__file__).resolve().parents[2] / "lucien"
MAX_LINES = 450  # "split a room past ~400 lines", with a little slack
LOCALES = ("es", "en")


def _plugin_modules() -> dict[str, str]:
    found = {ep.name: ep.value.split(":")[0] for ep in entry_points(group="lucien.plugins")}
    for module in DEFAULT_PLUGINS:
        found[module.rsplit(".", 1)[-1]] = module
    # This repository's feature plugins and the built-in one (the sandbox and the core's
    # command plugins hold commands only; a third-party distribution has its own checks).
    return {
        n: m
        for n, m in found.items()
        if m.startswith("lucien.plugins.") or m == "lucien.core.builtin"
    }


PLUGINS = _plugin_modules()


def _folder(module: str) -> Path:
    return Path(importlib.import_module(module).__file__ or "").parent


def _implements(module: str, hook: str) -> bool:
    obj = importlib.import_module(module).plugin
    fn = getattr(obj, hook, None)
    return fn is not None and hasattr(fn, f"{PROJECT}_impl")


def _room(folder: Path, name: str) -> Path | None:
    """`name.py` or the package `name/`, whichever exists."""
    for path in (folder / f"{name}.py", folder / name / "__init__.py"):
        if path.exists():
            return path
    return None


def _defines_something(path: Path) -> bool:
    tree = ast.parse(path.read_text())
    return any(not isinstance(node, (ast.Expr, ast.ImportFrom, ast.Import)) for node in tree.body)


def test_the_project_plugins_are_all_checked() -> None:
    assert {"admin", "vip", "free", "voice", "diagnostics", "builtin"} <= set(PLUGINS)


@pytest.mark.parametrize("name", sorted(PLUGINS))
def test_plugin_folder_has_its_rooms(name: str) -> None:
    module = PLUGINS[name]
    folder = _folder(module)
    problems: list[str] = []

    tests = folder / "tests"
    if not any(tests.glob("test_*.py")):
        problems.append("tests/ with at least one test_*.py (its whole suite ships inside it)")
    if not _implements(module, "lucien_test_suite"):
        problems.append("lucien_test_suite (diagnostics and `lucien test` run the suite)")

    if _implements(module, "lucien_routers") and _room(folder, "handlers") is None:
        problems.append("handlers(.py) for the routers it returns")

    if _implements(module, "lucien_messages"):
        if _room(folder, "messages") is None:
            problems.append("messages.py for the keys it declares")
        for locale in LOCALES:
            path = folder / "catalogue" / f"{locale}.json"
            if not path.exists():
                problems.append(f"catalogue/{locale}.json (its texts in Lucien's voice)")
            else:
                json.loads(path.read_text())

    if _implements(module, "lucien_models_metadata"):
        if _room(folder, "models") is None:
            problems.append("models.py for its tables")
        if not any((folder / "migrations" / "versions").glob("*.py")):
            problems.append("migrations/versions with its Alembic branch")

    # Rooms that exist only for symmetry are noise: a room present must hold something.
    for room in ("models", "keyboards", "handlers", "services", "messages"):
        path = _room(folder, room)
        if path is not None and not _defines_something(path):
            problems.append(f"{path.relative_to(folder)} is empty: remove it")
    migrations = folder / "migrations"
    if migrations.exists() and not any((migrations / "versions").glob("*.py")):
        problems.append("migrations/ holds no revision: remove it")

    assert not problems, f"plugin {name} ({folder}) lacks or misuses: " + "; ".join(problems)


@pytest.mark.parametrize("name", sorted(PLUGINS))
def test_plugin_modules_are_of_a_readable_size(name: str) -> None:
    folder = _folder(PLUGINS[name])
    too_long = {
        str(p.relative_to(folder)): n
        for p in folder.rglob("*.py")
        if "tests" not in p.relative_to(folder).parts
        and (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert not too_long, f"split by concern: {too_long}"


def test_core_never_imports_a_plugin() -> None:
    offenders = []
    for path in (ROOT / "core").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.relative_to(ROOT)}: {n}" for n in names if "lucien.plugins" in n]
    assert not offenders
