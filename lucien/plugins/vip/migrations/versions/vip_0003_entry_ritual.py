"""vip: the entry ritual (vip_rituals): each member's stage between a redemption or a
grant and the link to the VIP channel

Revision ID: vip_0003
Revises: vip_0002
Create Date: 2026-04-01 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lucien.core.db.types

revision: str = "vip_0003"
down_revision: str | Sequence[str] | None = "vip_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigIntId = lucien.core.db.types.BigIntId
UTCDateTime = lucien.core.db.types.UTCDateTime


def upgrade() -> None:
    # No backfill: members stored before the ritual existed already had their link.
    op.create_table(
        "vip_rituals",
        sa.Column("user_id", BigIntId(), autoincrement=False, nullable=False),
        sa.Column("nonce", sa.Integer(), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_vip_rituals")),
    )


def downgrade() -> None:
    op.drop_table("vip_rituals")
