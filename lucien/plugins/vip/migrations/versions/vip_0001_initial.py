"""vip: plans, tokens, subscriptions, invite links

Revision ID: vip_0001
Revises:
Create Date: 2026-01-01 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lucien.core.db.types

revision: str = "vip_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("vip",)
depends_on: str | Sequence[str] | None = "core_0001"

BigIntId = lucien.core.db.types.BigIntId
UTCDateTime = lucien.core.db.types.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "vip_plans",
        sa.Column("id", BigIntId(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("price_minor", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=8), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("archived_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vip_plans")),
    )
    op.create_table(
        "vip_tokens",
        sa.Column("id", BigIntId(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("plan_id", BigIntId(), nullable=False),
        sa.Column("created_by", BigIntId(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("redeemed_by", BigIntId(), nullable=True),
        sa.Column("redeemed_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["vip_plans.id"], name=op.f("fk_vip_tokens_plan_id_vip_plans")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vip_tokens")),
        sa.UniqueConstraint("code", name=op.f("uq_vip_tokens_code")),
    )
    op.create_index("ix_vip_tokens_redeemed_by", "vip_tokens", ["redeemed_by"])
    op.create_table(
        "vip_subscriptions",
        sa.Column("user_id", BigIntId(), autoincrement=False, nullable=False),
        sa.Column("plan_id", BigIntId(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=False),
        sa.Column("reminded_at", UTCDateTime(), nullable=True),
        sa.Column("expired_at", UTCDateTime(), nullable=True),
        sa.Column("claimed_by", sa.String(length=32), nullable=True),
        sa.Column("claimed_until", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["vip_plans.id"], name=op.f("fk_vip_subscriptions_plan_id_vip_plans")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_vip_subscriptions")),
    )
    op.create_index("ix_vip_subscriptions_ends_at", "vip_subscriptions", ["ends_at"])
    op.create_table(
        "vip_invite_links",
        sa.Column("id", BigIntId(), autoincrement=True, nullable=False),
        sa.Column("user_id", BigIntId(), nullable=False),
        sa.Column("chat_id", BigIntId(), nullable=False),
        sa.Column("link", sa.String(length=255), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("joined_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vip_invite_links")),
        sa.UniqueConstraint("link", name=op.f("uq_vip_invite_links_link")),
    )
    op.create_index("ix_vip_invite_links_user_id", "vip_invite_links", ["user_id"])
    op.create_index("ix_vip_invite_links_expires_at", "vip_invite_links", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_vip_invite_links_expires_at", table_name="vip_invite_links")
    op.drop_index("ix_vip_invite_links_user_id", table_name="vip_invite_links")
    op.drop_table("vip_invite_links")
    op.drop_index("ix_vip_subscriptions_ends_at", table_name="vip_subscriptions")
    op.drop_table("vip_subscriptions")
    op.drop_index("ix_vip_tokens_redeemed_by", table_name="vip_tokens")
    op.drop_table("vip_tokens")
    op.drop_table("vip_plans")
