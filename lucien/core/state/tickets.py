"""Per-update bookkeeping: the user's lock held for an update, and the update's claim.

Both travel in contextvars: `begin_update` sets the ticket in the webhook's task and the
handlers run in that task (or, through aiogram's feed_webhook_update, in one that copies
its context), so the storage and the isolation see the same objects there.
"""

from __future__ import annotations

import asyncio
import enum
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Literal

from aiogram.fsm.storage.base import StorageKey


class Begin(enum.Enum):
    """What `StateBackend.begin_update` made of an update: true only when CLAIMED."""

    CLAIMED = "claimed"  # this replica handles it now
    DONE = "done"  # handled already: acknowledge
    BUSY = "busy"  # in progress elsewhere, its lease alive: ask Telegram to retry later

    def __bool__(self) -> bool:
        return self is Begin.CLAIMED


Settle = Literal["done", "abort", "retry"]


@dataclass
class Held:
    """A user's lock held by this process, with the state/data read under it."""

    key: StorageKey
    lock_key: str
    state_key: str
    data_key: str
    token: str
    local: asyncio.Lock
    in_redis: bool  # the Redis lock was taken (else in-process only)
    degraded: bool  # in-process only because Redis was down, not by configuration
    state: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    state_dirty: bool = False
    data_dirty: bool = False
    in_use: bool = False
    tries: int = 0  # the claimed update's earlier failed attempts (see `Ticket.tries`)
    claim_in_database: bool = False  # its update was claimed in the database


@dataclass
class Ticket:
    """One update between begin_update and finish/abort_update."""

    update_id: int
    dedup_key: str
    claimed_in_redis: bool
    held: Held | None = None
    token: str = ""  # the claim's lease token (Redis and database claims)
    tries: int = 0  # earlier attempts that failed before any effect
    in_database: bool = False  # claimed in the database (Redis configured but down)


TICKET: ContextVar[Ticket | None] = ContextVar("lucien_update_ticket", default=None)
# A lock taken by the isolation for one update without a ticket (polling, tests).
HELD: ContextVar[Held | None] = ContextVar("lucien_held_lock", default=None)


def held_for(key: StorageKey) -> Held | None:
    """The lock this task holds for `key` (its state is read from and written to it)."""
    ticket = TICKET.get()
    if ticket is not None and ticket.held is not None and ticket.held.key == key:
        return ticket.held
    held = HELD.get()
    if held is not None and held.key == key:
        return held
    return None
