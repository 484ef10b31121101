"""dashboard: the sampled history and the login links used

Revision ID: dashboard_0001
Revises:
Create Date: 2026-11-29 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lucien.core.db.types

revision: str = "dashboard_0001"
down_revision: str | Sequence[str] | None = None
# The branch's first revision names the branch and builds on the core's tables.
branch_labels: str | Sequence[str] | None = ("dashboard",)
depends_on: str | Sequence[str] | None = "core_0001"


def upgrade() -> None:
    op.create_table(
        "dashboard_samples",
        sa.Column("id", lucien.core.db.types.BigIntId(), autoincrement=True, nullable=False),
        sa.Column("replica", sa.String(length=32), nullable=False),
        sa.Column("resolution", sa.Integer(), nullable=False),
        sa.Column("at", lucien.core.db.types.UTCDateTime(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dashboard_samples")),
        sa.UniqueConstraint(
            "replica", "resolution", "at", name=op.f("uq_dashboard_samples_replica_resolution_at")
        ),
    )
    op.create_index("ix_dashboard_samples_resolution_at", "dashboard_samples", ["resolution", "at"])
    op.create_table(
        "dashboard_links",
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("admin_id", lucien.core.db.types.BigIntId(), nullable=False),
        sa.Column("used_at", lucien.core.db.types.UTCDateTime(), nullable=False),
        sa.Column("expires_at", lucien.core.db.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("nonce", name=op.f("pk_dashboard_links")),
    )


def downgrade() -> None:
    op.drop_table("dashboard_links")
    op.drop_index("ix_dashboard_samples_resolution_at", table_name="dashboard_samples")
    op.drop_table("dashboard_samples")
