"""SQLAlchemy tables of the publish plugin: broadcasts and their recipients, channel posts
and the reactions members leave on them.

A broadcast's recipients are rows, written when it starts (the admin's confirmation, or
its scheduled time): the job of every replica claims them in small chunks under a lease
and marks each one sent, blocked or failed as soon as Telegram answered, so a replica
killed mid-way leaves the rest to the others, and only the sends in flight may double.
Telegram ids are not foreign keys to `users` (the core records users in the background).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lucien.core.db import Base
from lucien.core.db.types import BigIntId, UTCDateTime

PLUGIN = {"plugin": "publish"}


class Broadcast(Base):
    """A message (or album) an admin copies to the private chats of an audience."""

    __tablename__ = "publish_broadcasts"
    __table_args__ = (
        # The job's questions: which broadcasts are due, which are sending.
        Index("ix_publish_broadcasts_status_scheduled", "status", "scheduled_at"),
        {"info": PLUGIN},
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    created_by: Mapped[int] = mapped_column(BigIntId, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # "all", a role's name; with `active_days`, only users seen within that many days.
    audience: Mapped[str] = mapped_column(String(32), nullable=False)
    active_days: Mapped[int | None] = mapped_column(Integer)
    # What is copied: the admin's own message(s) in their chat with the bot.
    source_chat_id: Mapped[int] = mapped_column(BigIntId, nullable=False)
    source_message_ids: Mapped[list[int]] = mapped_column(JSON, nullable=False)
    # scheduled -> sending <-> paused -> done | cancelled
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    total: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # The admin's message that shows the progress, edited by whichever replica sends.
    progress_chat_id: Mapped[int | None] = mapped_column(BigIntId)
    progress_message_id: Mapped[int | None] = mapped_column(Integer)
    # The last progress edit: replicas take turns through a conditional update of it.
    progress_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locale: Mapped[str | None] = mapped_column(String(16))


class BroadcastRecipient(Base):
    """One person a broadcast goes to, and what Telegram said when it was sent."""

    __tablename__ = "publish_recipients"
    __table_args__ = (
        UniqueConstraint("broadcast_id", "user_id", name="uq_publish_recipients_user"),
        # The claim: a sending broadcast's pending rows whose lease (if any) ran out.
        Index("ix_publish_recipients_claim", "broadcast_id", "status", "claimed_until"),
        {"info": PLUGIN},
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    broadcast_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("publish_broadcasts.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[int] = mapped_column(BigIntId, nullable=False)
    # pending -> sent | blocked (403) | failed (another refusal, or past the retries)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")
    error: Mapped[str | None] = mapped_column(String(255))
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    # The lease; also the back-off after a passing failure.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ChannelPost(Base):
    """A post to a channel the bot administers (the VIP or the free one), now or later."""

    __tablename__ = "publish_posts"
    __table_args__ = (
        Index("ix_publish_posts_status_scheduled", "status", "scheduled_at"),
        # Reaction buttons whose counts changed and wait for their coalesced edit.
        Index("ix_publish_posts_dirty", "reactions_dirty_at"),
        {"info": PLUGIN},
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    created_by: Mapped[int] = mapped_column(BigIntId, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # The plugin whose channel setting names the channel ("vip", "free"), and its id then.
    target: Mapped[str] = mapped_column(String(32), nullable=False)
    chat_id: Mapped[int] = mapped_column(BigIntId, nullable=False)
    source_chat_id: Mapped[int] = mapped_column(BigIntId, nullable=False)
    source_message_ids: Mapped[list[int]] = mapped_column(JSON, nullable=False)
    # The emoji of its reaction buttons (empty: none).
    reactions: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    protect_content: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # scheduled -> sending -> sent | failed; scheduled -> cancelled
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The channel's message ids (several for an album; see buttons_message_id).
    message_ids: Mapped[list[int] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(String(255))
    locale: Mapped[str | None] = mapped_column(String(16))
    reactions_dirty_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reactions_edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # (publish_0002) Passing failures so far; the replica holding the lease.
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    # The channel message carrying the reaction buttons: the post itself, or the short
    # follow-up under an album (an album cannot carry buttons).
    buttons_message_id: Mapped[int | None] = mapped_column(Integer)
    # One more per tap: the coalesced edit clears `reactions_dirty_at` only if no tap
    # came after it read the counts (a timestamp could tie).
    reactions_version: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default="0"
    )


class PostReaction(Base):
    """A member's reaction to a post: one per member and post, changeable."""

    __tablename__ = "publish_reactions"
    __table_args__ = (
        Index("ix_publish_reactions_post_emoji", "post_id", "emoji"),
        {"info": PLUGIN},
    )

    post_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("publish_posts.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=False)
    emoji: Mapped[str] = mapped_column(String(32), nullable=False)
    reacted_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


def as_ids(value: Any) -> list[int]:
    """A JSON list of message ids as ints (SQLite and PostgreSQL hand back the same)."""
    return [int(v) for v in value or []]
