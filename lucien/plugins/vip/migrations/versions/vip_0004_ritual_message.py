"""vip: the ritual remembers the message last showing its stage (vip_rituals.message_id),
so a stage shown again takes the buttons off the one before

Revision ID: vip_0004
Revises: vip_0003
Create Date: 2026-11-29 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lucien.core.db.types

revision: str = "vip_0004"
down_revision: str | Sequence[str] | None = "vip_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigIntId = lucien.core.db.types.BigIntId


def upgrade() -> None:
    # Nullable, no backfill: a ritual under way forgets nothing but its last message.
    with op.batch_alter_table("vip_rituals") as batch:
        batch.add_column(sa.Column("message_id", BigIntId(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("vip_rituals") as batch:
        batch.drop_column("message_id")
