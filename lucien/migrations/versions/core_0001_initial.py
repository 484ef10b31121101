"""core: users, plugin settings and their change history

Revision ID: core_0001
Revises:
Create Date: 2026-01-01 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lucien.core.db.types

revision: str = "core_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("core",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", lucien.core.db.types.BigIntId(), autoincrement=False, nullable=False),
        sa.Column("username", sa.String(length=64), nullable=True),
        sa.Column("first_name", sa.String(length=255), nullable=True),
        sa.Column("language_code", sa.String(length=16), nullable=True),
        sa.Column(
            "first_seen",
            lucien.core.db.types.UTCDateTime(),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column(
            "last_seen",
            lucien.core.db.types.UTCDateTime(),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.Column("blocked_bot", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )
    op.create_table(
        "plugin_settings",
        sa.Column("id", lucien.core.db.types.BigIntId(), autoincrement=True, nullable=False),
        sa.Column("plugin", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("updated_by", lucien.core.db.types.BigIntId(), nullable=True),
        sa.Column(
            "updated_at",
            lucien.core.db.types.UTCDateTime(),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plugin_settings")),
        sa.UniqueConstraint("plugin", "key", name=op.f("uq_plugin_settings_plugin_key")),
    )
    op.create_table(
        "plugin_setting_changes",
        sa.Column("id", lucien.core.db.types.BigIntId(), autoincrement=True, nullable=False),
        sa.Column("plugin", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("old_value", sa.JSON(), nullable=True),
        sa.Column("new_value", sa.JSON(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_by", lucien.core.db.types.BigIntId(), nullable=True),
        sa.Column(
            "changed_at",
            lucien.core.db.types.UTCDateTime(),
            server_default=sa.text("CURRENT_TIMESTAMP"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plugin_setting_changes")),
    )
    op.create_index(
        op.f("ix_plugin_setting_changes_plugin"),
        "plugin_setting_changes",
        ["plugin", "key", "changed_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_plugin_setting_changes_plugin"), table_name="plugin_setting_changes")
    op.drop_table("plugin_setting_changes")
    op.drop_table("plugin_settings")
    op.drop_table("users")
