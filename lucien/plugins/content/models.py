"""SQLAlchemy tables of the content plugin: the packages admins sell, and the interests
users show in them.

A package is never deleted (its interests point at it): deactivating it hides it from
users. Telegram ids are not foreign keys to `users`: the core records users in the
background, so an interest may arrive before its user row exists. The interest keeps the
name and @username the user had when they asked, which is what the admin followed up.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lucien.core.db import Base
from lucien.core.db.types import BigIntId, UTCDateTime

PLUGIN = {"plugin": "content"}


class ContentPackage(Base):
    """What the creator offers beyond the VIP channel, shown to the roles of its category."""

    __tablename__ = "content_packages"
    __table_args__ = (
        # Users' lists: the active packages of some categories, in display order.
        Index("ix_content_packages_active_position", "active", "position"),
        {"info": PLUGIN},
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    description: Mapped[str] = mapped_column(String(1000), nullable=False)
    category: Mapped[str] = mapped_column(String(16), nullable=False)
    # Minor units (cents), exact on both backends; NULL means "price on request".
    price_minor: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str | None] = mapped_column(String(8))
    # A Telegram file id (photo, video or document): sent again by id, never downloaded.
    media_kind: Mapped[str | None] = mapped_column(String(16))
    media_file_id: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_by: Mapped[int | None] = mapped_column(BigIntId)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class ContentInterest(Base):
    """A user's "Me interesa" on a package: a lead the admins follow up, then mark attended."""

    __tablename__ = "content_interests"
    __table_args__ = (
        # The dedupe check: this user's latest interest in this package.
        Index("ix_content_interests_user_package", "user_id", "package_id", "created_at"),
        # The inbox: pending (attended_at NULL) or attended, newest first.
        Index("ix_content_interests_attended_created", "attended_at", "created_at"),
        {"info": PLUGIN},
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigIntId, nullable=False)
    first_name: Mapped[str | None] = mapped_column(String(255))
    username: Mapped[str | None] = mapped_column(String(64))
    package_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("content_packages.id"), nullable=False
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    attended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attended_by: Mapped[int | None] = mapped_column(BigIntId)
    attended_by_name: Mapped[str | None] = mapped_column(String(255))
