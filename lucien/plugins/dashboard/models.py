"""SQLAlchemy tables of the dashboard plugin: the history it keeps and the links used.

`dashboard_samples` holds each replica's counters per time bucket (10 s buckets for the
last hour, 5 min buckets for the last 24 h), so the dashboard needs no Prometheus and
sums the replicas by bucket. Rows older than their resolution's window are deleted by
the sampler itself: the table stays at about 650 rows per live replica.

`dashboard_links` records each login link's nonce on first use: the primary key makes a
link single use across replicas (an insert that conflicts is a link already used).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lucien.core.db import Base
from lucien.core.db.types import BigIntId, UTCDateTime

PLUGIN = {"plugin": "dashboard"}


class DashboardSample(Base):
    """One replica's counters over one bucket (`resolution` seconds from `at`)."""

    __tablename__ = "dashboard_samples"
    __table_args__ = (
        UniqueConstraint("replica", "resolution", "at"),
        Index("ix_dashboard_samples_resolution_at", "resolution", "at"),
        {"info": PLUGIN},
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    replica: Mapped[str] = mapped_column(String(32), nullable=False)
    resolution: Mapped[int] = mapped_column(Integer, nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # {"u": updates, "b": {le: count}, "f": {plugin: n}, "e": {"method:code": n},
    #  "g": {gauge: value}, "l": {gauge: lag seconds}}: deltas, gauges as last read.
    data: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)


class DashboardLink(Base):
    """A login link's nonce, recorded when the link is first opened."""

    __tablename__ = "dashboard_links"
    __table_args__ = ({"info": PLUGIN},)

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    admin_id: Mapped[int] = mapped_column(BigIntId, nullable=False)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
