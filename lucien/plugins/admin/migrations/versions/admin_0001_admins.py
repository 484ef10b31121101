"""admin: administrators added from chat

Revision ID: admin_0001
Revises:
Create Date: 2026-01-02 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lucien.core.db.types

revision: str = "admin_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("admin",)
depends_on: str | Sequence[str] | None = "core_0001"


def upgrade() -> None:
    op.create_table(
        "admins",
        sa.Column("user_id", lucien.core.db.types.BigIntId(), autoincrement=False, nullable=False),
        sa.Column("added_by", lucien.core.db.types.BigIntId(), nullable=True),
        sa.Column("added_at", lucien.core.db.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_admins")),
    )


def downgrade() -> None:
    op.drop_table("admins")
