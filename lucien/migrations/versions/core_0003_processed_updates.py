"""core: update claims kept in the database while Redis is down

Revision ID: core_0003
Revises: core_0002
Create Date: 2026-11-29 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lucien.core.db.types

revision: str = "core_0003"
down_revision: str | Sequence[str] | None = "core_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "processed_updates",
        sa.Column("bot_id", lucien.core.db.types.BigIntId(), autoincrement=False, nullable=False),
        sa.Column(
            "update_id", lucien.core.db.types.BigIntId(), autoincrement=False, nullable=False
        ),
        sa.Column("status", sa.String(length=1), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=True),
        sa.Column("tries", sa.Integer(), server_default="0", nullable=False),
        sa.Column("lease_until", lucien.core.db.types.UTCDateTime(), nullable=True),
        sa.Column("updated_at", lucien.core.db.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("bot_id", "update_id", name=op.f("pk_processed_updates")),
    )
    op.create_index(
        "ix_processed_updates_updated_at", "processed_updates", ["updated_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_processed_updates_updated_at", table_name="processed_updates")
    op.drop_table("processed_updates")
