"""The core's tables: users, plugin settings (with their change history) and the outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from lucien.core.db.base import Base
from lucien.core.db.types import BigIntId, UTCDateTime


class User(Base):
    """A Telegram user the bot has seen."""

    __tablename__ = "users"

    # Telegram assigns the id; never autoincrement it.
    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=False)
    username: Mapped[str | None] = mapped_column(String(64))
    first_name: Mapped[str | None] = mapped_column(String(255))
    language_code: Mapped[str | None] = mapped_column(String(16))
    first_seen: Mapped[datetime] = mapped_column(
        UTCDateTime, nullable=False, server_default=func.current_timestamp()
    )
    last_seen: Mapped[datetime] = mapped_column(
        UTCDateTime, nullable=False, server_default=func.current_timestamp()
    )
    # Set when Telegram answers 403 "bot was blocked by the user"; broadcasts skip them.
    blocked_bot: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=false())
    # Set when an admin blocks the user from the bot (the reverse of `blocked_bot`): the
    # core answers them once (`told_blocked`), then ignores them, before any plugin.
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    blocked_by: Mapped[int | None] = mapped_column(BigIntId, nullable=True)
    told_blocked: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=false())


class PluginSetting(Base):
    """One setting of one plugin, changed from chat by admins.

    `version` implements optimistic locking: an update says which version it read and
    fails if another admin changed the value meanwhile.
    """

    __tablename__ = "plugin_settings"
    __table_args__ = (UniqueConstraint("plugin", "key"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    plugin: Mapped[str] = mapped_column(String(64), nullable=False)
    key: Mapped[str] = mapped_column(String(128), nullable=False)
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")
    updated_by: Mapped[int | None] = mapped_column(BigIntId, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, nullable=False, server_default=func.current_timestamp()
    )

    __mapper_args__ = {"version_id_col": version}


class PluginSettingChange(Base):
    """History of `PluginSetting`: who changed what, from which value to which."""

    __tablename__ = "plugin_setting_changes"
    __table_args__ = (Index(None, "plugin", "key", "changed_at"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    plugin: Mapped[str] = mapped_column(String(64), nullable=False)
    key: Mapped[str] = mapped_column(String(128), nullable=False)
    old_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    new_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    changed_by: Mapped[int | None] = mapped_column(BigIntId, nullable=True)
    changed_at: Mapped[datetime] = mapped_column(
        UTCDateTime, nullable=False, server_default=func.current_timestamp()
    )


class OutboxEntry(Base):
    """Bot API calls waiting to be made, written with the change that causes them.

    One row is one `key` (unique: adding it twice adds it once) and its calls in order,
    each stored as the API method name and its JSON params. `step` is the index of the
    next call to make; `status` is pending, sent, failed or cancelled. A replica delivering
    the row holds a lease (`claimed_by`, `claimed_until`); `next_attempt_at` is when any
    replica may claim it (after a failure, or once a dead replica's lease ends). See
    lucien/core/outbox.py.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("key"),
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(255), nullable=False)
    plugin: Mapped[str] = mapped_column(String(64), nullable=False)
    calls: Mapped[Any] = mapped_column(JSON, nullable=False)
    step: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    status: Mapped[str] = mapped_column(String(16), nullable=False, server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set by `Outbox.cancel` on a row already under way: its optional calls are dropped.
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ProcessedUpdate(Base):
    """An update's claim kept in the database while Redis is down, so that replicas
    still handle each update once (lucien/core/state/db_claims.py).

    `status` is Redis's mark: p (in progress, `token`'s lease until `lease_until`),
    d (handled), r (`tries` attempts failed before any effect). Pruned after a day.
    """

    __tablename__ = "processed_updates"
    __table_args__ = (Index("ix_processed_updates_updated_at", "updated_at"),)

    bot_id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=False)
    update_id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=False)
    status: Mapped[str] = mapped_column(String(1), nullable=False)
    token: Mapped[str | None] = mapped_column(String(64))
    tries: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class AuditEntry(Base):
    """Who did what to whom, and when: every admin action on a user (`ctx.audit`).

    `before` and `after` hold what the action changed, as the plugin that did it describes
    it (a subscription's end, a role); the user card shows the latest entries.
    """

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_target_at", "target_id", "at"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    actor_id: Mapped[int | None] = mapped_column(BigIntId, nullable=True)
    plugin: Mapped[str] = mapped_column(String(64), nullable=False)
    action: Mapped[str] = mapped_column(String(64), nullable=False)
    target_id: Mapped[int | None] = mapped_column(BigIntId, nullable=True)
    before: Mapped[Any] = mapped_column(JSON, nullable=True)
    after: Mapped[Any] = mapped_column(JSON, nullable=True)
