"""Update claims in the database, for the time Redis is down.

With Redis configured but unreachable, each replica's memory would claim the same update
for itself and two replicas would both answer it. The database is the one thing they
still share, so the claim moves there for the outage: one row per update with Redis's
marks (`ProcessedUpdate`), a unique key deciding who handles it, and the same lease
(renewed while the replica works, taken over once it lapses). Rows are pruned after a day.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import delete, select, update

from lucien.core.db import dialect_insert
from lucien.core.db.models import ProcessedUpdate
from lucien.core.state.local import DEDUP_TTL
from lucien.core.state.tickets import Begin, Settle

if TYPE_CHECKING:
    from sqlalchemy import CursorResult

    from lucien.core.db import Database

log = logging.getLogger("lucien.state")

_PRUNE_EVERY = 600.0  # seconds between prunes of day-old rows


def _now() -> datetime:
    # Wall time, not the bot's clock: leases are between real processes.
    return datetime.now(UTC)


class DatabaseClaims:
    """Claim, renew and settle updates in `processed_updates`."""

    def __init__(self, database: Database, bot_id: int) -> None:
        self.db = database
        self.bot_id = bot_id
        self._pruned_at = 0.0

    async def claim(self, update_id: int, token: str, lease: float) -> tuple[Begin, int]:
        """(CLAIMED, earlier failed tries), or DONE / BUSY as Redis would answer."""
        now = _now()
        T = ProcessedUpdate
        async with self.db.session() as s:
            insert = (
                dialect_insert(s, T)
                .values(
                    bot_id=self.bot_id,
                    update_id=update_id,
                    status="p",
                    token=token,
                    tries=0,
                    lease_until=now + timedelta(seconds=lease),
                    updated_at=now,
                )
                .on_conflict_do_nothing(index_elements=["bot_id", "update_id"])
            )
            inserted = cast("CursorResult[Any]", await s.execute(insert))
            if inserted.rowcount == 1:
                begun: tuple[Begin, int] = (Begin.CLAIMED, 0)
            else:
                row = await s.scalar(
                    select(T)
                    .where(T.bot_id == self.bot_id, T.update_id == update_id)
                    .with_for_update()
                )
                if row is None or row.status == "d":
                    begun = (Begin.DONE, 0)
                elif row.status == "p" and row.lease_until is not None and row.lease_until > now:
                    begun = (Begin.BUSY, 0)
                else:  # failed before (r) or a dead replica's lapsed lease (p)
                    row.status, row.token, row.updated_at = "p", token, now
                    row.lease_until = now + timedelta(seconds=lease)
                    begun = (Begin.CLAIMED, row.tries)
        await self._prune()
        return begun

    async def renew(self, tokens: Collection[str], lease: float) -> None:
        """Extend the leases of this replica's claims."""
        now = _now()
        async with self.db.session() as s:
            await s.execute(
                update(ProcessedUpdate)
                .where(ProcessedUpdate.token.in_(list(tokens)), ProcessedUpdate.status == "p")
                .values(lease_until=now + timedelta(seconds=lease))
                .execution_options(synchronize_session=False)
            )

    async def settle(self, update_id: int, token: str, op: Settle, tries: int) -> None:
        """done: handled; abort: drop our claim; retry: our claim becomes `tries` failures."""
        T = ProcessedUpdate
        mine = (T.bot_id == self.bot_id, T.update_id == update_id)
        ours = (*mine, T.token == token, T.status == "p")
        async with self.db.session() as s:
            if op == "done":
                stmt: Any = update(T).where(*mine).values(status="d", token=None, updated_at=_now())
            elif op == "retry":
                stmt = update(T).where(*ours).values(status="r", tries=tries, updated_at=_now())
            else:
                stmt = delete(T).where(*ours)
            await s.execute(stmt.execution_options(synchronize_session=False))

    async def _prune(self) -> None:
        if time.monotonic() - self._pruned_at < _PRUNE_EVERY:
            return
        self._pruned_at = time.monotonic()
        cutoff = _now() - timedelta(seconds=DEDUP_TTL)
        async with self.db.session() as s:
            await s.execute(delete(ProcessedUpdate).where(ProcessedUpdate.updated_at < cutoff))
