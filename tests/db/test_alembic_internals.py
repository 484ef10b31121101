"""Contract: the Alembic internals Lucien relies on still exist with the same shape.

Fails on the Alembic release that renames or reshapes them (pyproject caps Alembic
below the next minor version meanwhile; see lucien/core/db/alembic_internals.py)."""

from __future__ import annotations

import inspect
from collections.abc import Callable

from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionMap


def _params(fn: Callable[..., object]) -> list[str]:
    return list(inspect.signature(fn).parameters)


def test_step_planners_take_a_destination_and_the_current_heads() -> None:
    assert _params(ScriptDirectory._upgrade_revs) == ["self", "destination", "current_rev"]
    assert _params(ScriptDirectory._downgrade_revs) == ["self", "destination", "current_rev"]


def test_ancestor_walk_follows_dependencies_on_request() -> None:
    params = _params(RevisionMap._get_ancestor_nodes)
    assert params[:2] == ["self", "targets"]
    assert "include_dependencies" in params
