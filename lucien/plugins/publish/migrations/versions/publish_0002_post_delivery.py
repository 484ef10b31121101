"""publish: what delivering a channel post and coalescing its reaction edits need: the
attempts after passing failures, the replica holding the lease, the channel message that
carries the buttons (the follow-up under an album), and a tap counter

Revision ID: publish_0002
Revises: publish_0001
Create Date: 2026-12-01 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "publish_0002"
down_revision: str | Sequence[str] | None = "publish_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("publish_posts") as batch:
        batch.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("claimed_by", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("buttons_message_id", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("reactions_version", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("publish_posts") as batch:
        batch.drop_column("reactions_version")
        batch.drop_column("buttons_message_id")
        batch.drop_column("claimed_by")
        batch.drop_column("attempts")
