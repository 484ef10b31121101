"""SQLAlchemy tables of the free plugin.

`free_join_requests` is the job queue of approvals: one row per (channel, user), claimed by
the approval job with `FOR UPDATE SKIP LOCKED`. `free_channels` remembers, per channel, the
join-request invite link the bot created and whether an outage (lost rights) was already
announced to the admins, so that every replica shares one answer.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column

from lucien.core.db.base import Base
from lucien.core.db.types import BigIntId, UTCDateTime

PLUGIN = {"plugin": "free"}

# Request statuses: waiting for its time, handled, or finished without approval.
PENDING = "pending"
APPROVED = "approved"
GONE = "gone"  # withdrawn, or the user left before approval (HIDE_REQUESTER_MISSING)
DECLINED = "declined"  # banned from the channel

# Welcome statuses: queued in the core outbox (which sends it once). Rows written before
# the outbox may hold the older ones: still to send (the `free.welcomes` job queues them),
# sent, or Telegram would not let us write to the user.
WELCOME_QUEUED = "queued"
WELCOME_DUE = "due"
WELCOME_SENT = "sent"
WELCOME_UNREACHABLE = "unreachable"


class FreeJoinRequest(Base):
    """A user's request to join the free channel, approved once `due_at` has passed."""

    __tablename__ = "free_join_requests"
    __table_args__ = (
        UniqueConstraint("chat_id", "user_id"),
        # The approval job's claim: pending rows in due order.
        Index("ix_free_join_requests_status_due", "status", "due_at"),
        {"info": PLUGIN},
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    chat_id: Mapped[int] = mapped_column(BigIntId, nullable=False)
    user_id: Mapped[int] = mapped_column(BigIntId, nullable=False)
    first_name: Mapped[str | None] = mapped_column(String(255))
    language_code: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=PENDING)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # Not before: a claim's lease, or the backoff after the bot lost its rights.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    welcome: Mapped[str | None] = mapped_column(String(16))
    times_requested: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    # The row is written before the ban check (a failed check must not lose the request);
    # False until a check passed: then the approval job checks before approving.
    ban_checked: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default=true()
    )


class FreeChannel(Base):
    """Per free channel: the bot's join-request link and the rights-outage flag."""

    __tablename__ = "free_channels"
    __table_args__ = {"info": PLUGIN}

    chat_id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=False)
    invite_link: Mapped[str | None] = mapped_column(String(255))
    rights_lost_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    alerted: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
