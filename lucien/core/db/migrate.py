"""Alembic, per branch: the core branch and one branch per plugin.

The public names callers import from here, gathered from the modules that hold them:

* `migration_branches`: which branches exist (the core's and every installed plugin's),
  the Alembic configuration built in code, where each branch stands.
* `migration_runtime`: upgrading at startup under the PostgreSQL advisory lock, status,
  the at-head check, downgrade, and the hook the Alembic environment calls.
* `migration_autogenerate`: `lucien migrate new` (a revision comparing one branch's tables).
"""

from __future__ import annotations

import asyncio
from typing import Any

from lucien.core.db.migration_autogenerate import (
    branch_metadata,
    branch_tables,
    compare_models,
    new_revision,
)
from lucien.core.db.migration_branches import (
    CORE,
    CORE_VERSIONS,
    MIGRATIONS_DIR,
    Branch,
    BranchStatus,
    MigrationError,
    _script_cache,
    collect_branches,
    load_script,
    make_config,
)
from lucien.core.db.migration_runtime import (
    ADVISORY_LOCK_KEY,
    MigrationReport,
    configure_context,
    downgrade_branch,
    is_at_head,
    migration_engine,
    migration_status,
    upgrade_all,
    upgrade_branches,
    upgrade_in_transaction,
    with_advisory_lock,
)

__all__ = [
    "ADVISORY_LOCK_KEY",
    "CORE",
    "CORE_VERSIONS",
    "MIGRATIONS_DIR",
    "Branch",
    "BranchStatus",
    "MigrationError",
    "MigrationReport",
    "_script_cache",
    "branch_metadata",
    "branch_tables",
    "collect_branches",
    "compare_models",
    "configure_context",
    "downgrade_branch",
    "is_at_head",
    "load_script",
    "make_config",
    "migration_engine",
    "migration_status",
    "new_revision",
    "run",
    "upgrade_all",
    "upgrade_branches",
    "upgrade_in_transaction",
    "with_advisory_lock",
]


def run(coro: Any) -> Any:
    """Run a coroutine from synchronous code (the CLI)."""
    return asyncio.run(coro)
