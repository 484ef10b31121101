"""The three Alembic calls that are not public API, in one place.

Upgrading one plugin's branch inside our own transaction, with the plan known before it
runs, needs the step list Alembic's own `command.upgrade` computes with
`ScriptDirectory._upgrade_revs` (and `command.downgrade` with `_downgrade_revs`); which
revisions are applied under given heads is `RevisionMap._get_ancestor_nodes`. No public
equivalent exists. `tests/db/test_alembic_internals.py` fails on the Alembic release
that changes them, and pyproject caps Alembic below the next minor version.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from alembic.script import ScriptDirectory


def upgrade_steps(script: ScriptDirectory, destination: str, heads: Any) -> list[Any]:
    """The steps from `heads` up to `destination` (what `alembic upgrade` would run)."""
    return list(script._upgrade_revs(destination, heads))


def downgrade_steps(script: ScriptDirectory, destination: str, heads: Any) -> list[Any]:
    """The steps from `heads` down to `destination` (what `alembic downgrade` would run)."""
    return list(script._downgrade_revs(destination, heads))


def applied_revisions(script: ScriptDirectory, heads: Iterable[str]) -> set[str]:
    """Every revision applied under `heads`: their ancestors and dependencies."""
    revision_map = script.revision_map
    nodes = revision_map._get_ancestor_nodes(
        revision_map.get_revisions(tuple(heads)), include_dependencies=True
    )
    return {n.revision for n in nodes}
