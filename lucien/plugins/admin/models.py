"""SQLAlchemy tables of the admin plugin."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Mapped, mapped_column

from lucien.core.db import Base
from lucien.core.db.types import BigIntId, UTCDateTime


class Admin(Base):
    """An administrator added from chat (ADMIN_IDS live in the environment, not here)."""

    __tablename__ = "admins"
    __table_args__ = {"info": {"plugin": "admin"}}

    # Telegram assigns the id; never autoincrement it.
    user_id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=False)
    added_by: Mapped[int | None] = mapped_column(BigIntId, nullable=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
