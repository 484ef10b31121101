"""publish: broadcasts and their recipients, channel posts and their reactions

Revision ID: publish_0001
Revises:
Create Date: 2026-11-29 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lucien.core.db.types

revision: str = "publish_0001"
down_revision: str | Sequence[str] | None = None
# The branch's first revision names the branch and builds on the core's tables.
branch_labels: str | Sequence[str] | None = ("publish",)
depends_on: str | Sequence[str] | None = "core_0001"

BigIntId = lucien.core.db.types.BigIntId
UTC = lucien.core.db.types.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "publish_broadcasts",
        sa.Column("id", BigIntId(), autoincrement=True, nullable=False),
        sa.Column("created_by", BigIntId(), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("audience", sa.String(length=32), nullable=False),
        sa.Column("active_days", sa.Integer(), nullable=True),
        sa.Column("source_chat_id", BigIntId(), nullable=False),
        sa.Column("source_message_ids", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("scheduled_at", UTC(), nullable=True),
        sa.Column("started_at", UTC(), nullable=True),
        sa.Column("finished_at", UTC(), nullable=True),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("progress_chat_id", BigIntId(), nullable=True),
        sa.Column("progress_message_id", sa.Integer(), nullable=True),
        sa.Column("progress_at", UTC(), nullable=True),
        sa.Column("locale", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publish_broadcasts")),
    )
    op.create_index(
        "ix_publish_broadcasts_status_scheduled",
        "publish_broadcasts",
        ["status", "scheduled_at"],
    )
    op.create_table(
        "publish_recipients",
        sa.Column("id", BigIntId(), autoincrement=True, nullable=False),
        sa.Column("broadcast_id", BigIntId(), nullable=False),
        sa.Column("user_id", BigIntId(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.String(length=255), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_until", UTC(), nullable=True),
        sa.Column("done_at", UTC(), nullable=True),
        sa.ForeignKeyConstraint(
            ["broadcast_id"],
            ["publish_broadcasts.id"],
            name=op.f("fk_publish_recipients_broadcast_id_publish_broadcasts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publish_recipients")),
        sa.UniqueConstraint("broadcast_id", "user_id", name="uq_publish_recipients_user"),
    )
    op.create_index(
        "ix_publish_recipients_claim",
        "publish_recipients",
        ["broadcast_id", "status", "claimed_until"],
    )
    op.create_table(
        "publish_posts",
        sa.Column("id", BigIntId(), autoincrement=True, nullable=False),
        sa.Column("created_by", BigIntId(), nullable=False),
        sa.Column("created_at", UTC(), nullable=False),
        sa.Column("target", sa.String(length=32), nullable=False),
        sa.Column("chat_id", BigIntId(), nullable=False),
        sa.Column("source_chat_id", BigIntId(), nullable=False),
        sa.Column("source_message_ids", sa.JSON(), nullable=False),
        sa.Column("reactions", sa.JSON(), nullable=False),
        sa.Column("protect_content", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("scheduled_at", UTC(), nullable=True),
        sa.Column("sent_at", UTC(), nullable=True),
        sa.Column("claimed_until", UTC(), nullable=True),
        sa.Column("message_ids", sa.JSON(), nullable=True),
        sa.Column("error", sa.String(length=255), nullable=True),
        sa.Column("locale", sa.String(length=16), nullable=True),
        sa.Column("reactions_dirty_at", UTC(), nullable=True),
        sa.Column("reactions_edited_at", UTC(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publish_posts")),
    )
    op.create_index(
        "ix_publish_posts_status_scheduled", "publish_posts", ["status", "scheduled_at"]
    )
    op.create_index("ix_publish_posts_dirty", "publish_posts", ["reactions_dirty_at"])
    op.create_table(
        "publish_reactions",
        sa.Column("post_id", BigIntId(), nullable=False),
        sa.Column("user_id", BigIntId(), autoincrement=False, nullable=False),
        sa.Column("emoji", sa.String(length=32), nullable=False),
        sa.Column("reacted_at", UTC(), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["publish_posts.id"],
            name=op.f("fk_publish_reactions_post_id_publish_posts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("post_id", "user_id", name=op.f("pk_publish_reactions")),
    )
    op.create_index("ix_publish_reactions_post_emoji", "publish_reactions", ["post_id", "emoji"])


def downgrade() -> None:
    op.drop_table("publish_reactions")
    op.drop_table("publish_posts")
    op.drop_table("publish_recipients")
    op.drop_table("publish_broadcasts")
