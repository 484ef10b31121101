"""core: users blocked by an admin, and the audit log of admin actions

Revision ID: core_0004
Revises: core_0003
Create Date: 2026-11-29 10:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lucien.core.db.types

revision: str = "core_0004"
down_revision: str | Sequence[str] | None = "core_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # batch: SQLite cannot add columns with constraints in place on every version.
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("blocked_at", lucien.core.db.types.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("blocked_by", lucien.core.db.types.BigIntId(), nullable=True))
        batch.add_column(
            sa.Column("told_blocked", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "audit_log",
        sa.Column("id", lucien.core.db.types.BigIntId(), autoincrement=True, nullable=False),
        sa.Column("at", lucien.core.db.types.UTCDateTime(), nullable=False),
        sa.Column("actor_id", lucien.core.db.types.BigIntId(), nullable=True),
        sa.Column("plugin", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target_id", lucien.core.db.types.BigIntId(), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_target_at", "audit_log", ["target_id", "at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_audit_log_target_at", table_name="audit_log")
    op.drop_table("audit_log")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("told_blocked")
        batch.drop_column("blocked_by")
        batch.drop_column("blocked_at")
