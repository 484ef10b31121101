"""What the broadcast screens and the job read: counts by status and a broadcast's view."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lucien.plugins.publish.models import Broadcast, as_ids


@dataclass(frozen=True)
class Counts:
    """Where a broadcast stands: its rows by status."""

    total: int
    sent: int
    blocked: int
    failed: int

    @property
    def pending(self) -> int:
        return self.total - self.sent - self.blocked - self.failed


@dataclass(frozen=True)
class BroadcastView:
    """A broadcast as screens show it."""

    id: int
    status: str
    audience: str
    active_days: int | None
    scheduled_at: datetime | None
    created_by: int
    source_chat_id: int
    source_message_ids: list[int]
    progress_chat_id: int | None
    progress_message_id: int | None
    locale: str | None
    counts: Counts


@dataclass(frozen=True)
class Claimed:
    id: int
    broadcast_id: int
    user_id: int
    attempts: int


def view_of(row: Broadcast, counts: Any) -> BroadcastView:
    return BroadcastView(
        id=row.id,
        status=row.status,
        audience=row.audience,
        active_days=row.active_days,
        scheduled_at=row.scheduled_at,
        created_by=row.created_by,
        source_chat_id=row.source_chat_id,
        source_message_ids=as_ids(row.source_message_ids),
        progress_chat_id=row.progress_chat_id,
        progress_message_id=row.progress_message_id,
        locale=row.locale,
        counts=counts,
    )
