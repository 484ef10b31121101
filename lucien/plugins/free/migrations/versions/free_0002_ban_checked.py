"""free: whether a join request's ban check was done (the approval job re-checks if not)

Revision ID: free_0002
Revises: free_0001
Create Date: 2026-02-01 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "free_0002"
down_revision: str | Sequence[str] | None = "free_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Rows already stored were checked before they were written (the old order).
    with op.batch_alter_table("free_join_requests") as batch:
        batch.add_column(
            sa.Column("ban_checked", sa.Boolean(), server_default=sa.true(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("free_join_requests") as batch:
        batch.drop_column("ban_checked")
