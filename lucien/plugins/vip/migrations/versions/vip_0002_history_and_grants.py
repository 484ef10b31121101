"""vip: the subscription history (vip_subscription_events); a plan-less subscription
(days an admin granted) has plan_id NULL

Revision ID: vip_0002
Revises: vip_0001
Create Date: 2026-03-01 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lucien.core.db.types

revision: str = "vip_0002"
down_revision: str | Sequence[str] | None = "vip_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigIntId = lucien.core.db.types.BigIntId
UTCDateTime = lucien.core.db.types.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "vip_subscription_events",
        sa.Column("id", BigIntId(), autoincrement=True, nullable=False),
        sa.Column("user_id", BigIntId(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("plan_id", BigIntId(), nullable=True),
        sa.Column("days", sa.Integer(), nullable=True),
        sa.Column("ends_at", UTCDateTime(), nullable=True),
        sa.Column("actor_id", BigIntId(), nullable=True),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["vip_plans.id"],
            name=op.f("fk_vip_subscription_events_plan_id_vip_plans"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vip_subscription_events")),
    )
    op.create_index(
        "ix_vip_subscription_events_user_at", "vip_subscription_events", ["user_id", "at"]
    )
    op.create_index("ix_vip_subscription_events_at", "vip_subscription_events", ["at"])
    with op.batch_alter_table("vip_subscriptions") as batch:
        batch.alter_column("plan_id", existing_type=BigIntId(), nullable=True)
    # What the rows already stored tell: each latest period's start (every one so far came
    # from a token) and, for those closed, its end.
    op.execute(
        "INSERT INTO vip_subscription_events (user_id, at, kind, source, plan_id, ends_at) "
        "SELECT user_id, started_at, 'start', 'token', plan_id, ends_at FROM vip_subscriptions"
    )
    op.execute(
        "INSERT INTO vip_subscription_events (user_id, at, kind, source, plan_id, ends_at) "
        "SELECT user_id, expired_at, 'end', 'expiry', plan_id, ends_at FROM vip_subscriptions "
        "WHERE expired_at IS NOT NULL"
    )


def downgrade() -> None:
    # Plan-less periods cannot go back under NOT NULL: they end with the downgrade.
    op.execute("DELETE FROM vip_subscriptions WHERE plan_id IS NULL")
    with op.batch_alter_table("vip_subscriptions") as batch:
        batch.alter_column("plan_id", existing_type=BigIntId(), nullable=False)
    op.drop_index("ix_vip_subscription_events_at", table_name="vip_subscription_events")
    op.drop_index("ix_vip_subscription_events_user_at", table_name="vip_subscription_events")
    op.drop_table("vip_subscription_events")
