"""free: join requests queue and per-channel state

Revision ID: free_0001
Revises:
Create Date: 2026-01-02 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lucien.core.db.types

revision: str = "free_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("free",)
depends_on: str | Sequence[str] | None = "core_0001"


def upgrade() -> None:
    op.create_table(
        "free_join_requests",
        sa.Column("id", lucien.core.db.types.BigIntId(), autoincrement=True, nullable=False),
        sa.Column("chat_id", lucien.core.db.types.BigIntId(), nullable=False),
        sa.Column("user_id", lucien.core.db.types.BigIntId(), nullable=False),
        sa.Column("first_name", sa.String(length=255), nullable=True),
        sa.Column("language_code", sa.String(length=16), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_at", lucien.core.db.types.UTCDateTime(), nullable=False),
        sa.Column("due_at", lucien.core.db.types.UTCDateTime(), nullable=False),
        sa.Column("next_attempt_at", lucien.core.db.types.UTCDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("handled_at", lucien.core.db.types.UTCDateTime(), nullable=True),
        sa.Column("welcome", sa.String(length=16), nullable=True),
        sa.Column("times_requested", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_free_join_requests")),
        sa.UniqueConstraint(
            "chat_id", "user_id", name=op.f("uq_free_join_requests_chat_id_user_id")
        ),
    )
    op.create_index("ix_free_join_requests_status_due", "free_join_requests", ["status", "due_at"])
    op.create_table(
        "free_channels",
        sa.Column("chat_id", lucien.core.db.types.BigIntId(), autoincrement=False, nullable=False),
        sa.Column("invite_link", sa.String(length=255), nullable=True),
        sa.Column("rights_lost_at", lucien.core.db.types.UTCDateTime(), nullable=True),
        sa.Column("alerted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_free_channels")),
    )


def downgrade() -> None:
    op.drop_table("free_channels")
    op.drop_index("ix_free_join_requests_status_due", table_name="free_join_requests")
    op.drop_table("free_join_requests")
