"""content: packages and the interests users show in them

Revision ID: content_0001
Revises:
Create Date: 2026-11-29 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lucien.core.db.types

revision: str = "content_0001"
down_revision: str | Sequence[str] | None = None
# The branch's first revision names the branch and builds on the core's tables.
branch_labels: str | Sequence[str] | None = ("content",)
depends_on: str | Sequence[str] | None = "core_0001"


def upgrade() -> None:
    op.create_table(
        "content_packages",
        sa.Column("id", lucien.core.db.types.BigIntId(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("description", sa.String(length=1000), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("price_minor", sa.Integer(), nullable=True),
        sa.Column("currency", sa.String(length=8), nullable=True),
        sa.Column("media_kind", sa.String(length=16), nullable=True),
        sa.Column("media_file_id", sa.String(length=255), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_by", lucien.core.db.types.BigIntId(), nullable=True),
        sa.Column("created_at", lucien.core.db.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", lucien.core.db.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_packages")),
    )
    op.create_index(
        "ix_content_packages_active_position", "content_packages", ["active", "position"]
    )
    op.create_table(
        "content_interests",
        sa.Column("id", lucien.core.db.types.BigIntId(), autoincrement=True, nullable=False),
        sa.Column("user_id", lucien.core.db.types.BigIntId(), nullable=False),
        sa.Column("first_name", sa.String(length=255), nullable=True),
        sa.Column("username", sa.String(length=64), nullable=True),
        sa.Column("package_id", lucien.core.db.types.BigIntId(), nullable=False),
        sa.Column("created_at", lucien.core.db.types.UTCDateTime(), nullable=False),
        sa.Column("attended_at", lucien.core.db.types.UTCDateTime(), nullable=True),
        sa.Column("attended_by", lucien.core.db.types.BigIntId(), nullable=True),
        sa.Column("attended_by_name", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["package_id"],
            ["content_packages.id"],
            name=op.f("fk_content_interests_package_id_content_packages"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_interests")),
    )
    op.create_index(
        "ix_content_interests_attended_created",
        "content_interests",
        ["attended_at", "created_at"],
    )
    op.create_index(
        "ix_content_interests_user_package",
        "content_interests",
        ["user_id", "package_id", "created_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_content_interests_user_package", table_name="content_interests")
    op.drop_index("ix_content_interests_attended_created", table_name="content_interests")
    op.drop_table("content_interests")
    op.drop_index("ix_content_packages_active_position", table_name="content_packages")
    op.drop_table("content_packages")
