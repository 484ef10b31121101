"""SQLAlchemy tables of the vip plugin: plans, tokens, subscriptions, their history,
invite links and the entry ritual.

Telegram ids are not foreign keys to `users`: the core records users in the background, so
a redemption may arrive before its user row exists.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lucien.core.db import Base
from lucien.core.db.types import BigIntId, UTCDateTime

PLUGIN = {"plugin": "vip"}


class Plan(Base):
    """What admins sell: a name, a duration and a price shown to users."""

    __tablename__ = "vip_plans"
    __table_args__ = {"info": PLUGIN}

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    days: Mapped[int] = mapped_column(Integer, nullable=False)
    # Minor units (cents): exact on both backends, no Decimal on SQLite.
    price_minor: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    currency: Mapped[str] = mapped_column(String(8), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # Archived plans are hidden from new tokens; tokens already issued keep working.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Token(Base):
    """A single-use invitation for a plan, redeemable until `expires_at`."""

    __tablename__ = "vip_tokens"
    __table_args__ = (
        Index("ix_vip_tokens_redeemed_by", "redeemed_by"),
        {"info": PLUGIN},
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    plan_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("vip_plans.id"), nullable=False)
    created_by: Mapped[int | None] = mapped_column(BigIntId)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    redeemed_by: Mapped[int | None] = mapped_column(BigIntId)
    redeemed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Subscription(Base):
    """One row per user who ever was VIP; active while `expired_at` is NULL and `ends_at`
    is ahead. `plan_id` is NULL for days an admin granted without a plan (no revenue).

    `claimed_by` / `claimed_until` are the job loop's lease: a replica claims a due row,
    acts, then marks it done; if it crashes, the lease runs out and another one retries.
    """

    __tablename__ = "vip_subscriptions"
    __table_args__ = (
        Index("ix_vip_subscriptions_ends_at", "ends_at"),
        {"info": PLUGIN},
    )

    user_id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=False)
    plan_id: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("vip_plans.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SubscriptionEvent(Base):
    """The subscription history: a period started, extended (a renewal) or ended.

    One row per change, written in the change's own transaction (a redemption, an admin's
    grant, extension or revocation, the expiry job), so the card's history and the
    statistics (new VIPs, renewals, lapses) are counted from facts rather than guessed
    from the one subscription row, which only remembers the latest period.
    """

    __tablename__ = "vip_subscription_events"
    __table_args__ = (
        Index("ix_vip_subscription_events_user_at", "user_id", "at"),
        Index("ix_vip_subscription_events_at", "at"),
        {"info": PLUGIN},
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigIntId, nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # "start" (a period began), "renew" (one running was extended) or "end".
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    # "token", "admin" (granted or extended from the card), "expiry" or "revoke".
    source: Mapped[str] = mapped_column(String(16), nullable=False)
    plan_id: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("vip_plans.id"))
    days: Mapped[int | None] = mapped_column(Integer)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(BigIntId)


class InviteLink(Base):
    """A one-time invite link to the VIP channel made for one user."""

    __tablename__ = "vip_invite_links"
    __table_args__ = (
        Index("ix_vip_invite_links_user_id", "user_id"),
        Index("ix_vip_invite_links_expires_at", "expires_at"),
        {"info": PLUGIN},
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigIntId, nullable=False)
    chat_id: Mapped[int] = mapped_column(BigIntId, nullable=False)
    link: Mapped[str] = mapped_column(String(255), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Ritual(Base):
    """The entry ritual of a member's period: the three steps between a redemption (or an
    admin's grant) and the link to the VIP channel, one row per user, reused.

    `nonce` names one ritual: its buttons carry it, so a button of an earlier ritual (or
    forged) is told apart from the one under way. `stage` is 1 (the acknowledgment),
    2 (what the space is and asks) or 3 (the link's delivery); `status` "open" while the
    member is on the way, "done" once inside the channel, "closed" when the period ended
    before (a voiced line closed it). `source` says which step opened it ("token" or
    "admin"), so that the first stage reads the same when the member comes back to it.
    """

    __tablename__ = "vip_rituals"
    __table_args__ = {"info": PLUGIN}

    user_id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=False)
    nonce: Mapped[int] = mapped_column(Integer, nullable=False)
    stage: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    source: Mapped[str] = mapped_column(String(16), nullable=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # The message last showing the stage (a private chat: the user's id is the chat), so
    # the next one shown takes its buttons off: one live stage message at a time.
    message_id: Mapped[int | None] = mapped_column(BigIntId, nullable=True)
