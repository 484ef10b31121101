"""This replica's leases: the users' locks and the updates' claims it holds, renewed
while it works so that they die with it, and the claims taken while Redis is away.

A lease is a few seconds (`LEASE`), renewed every quarter of it: a replica killed
mid-update blocks its user and the update's redelivery for one lease at most, never for
the handler's whole timeout. While Redis is down, the claim moves to the database the
replicas share (`DatabaseClaims`), or to this process when that is down too.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from lucien.core.cache import REDIS_FAULTS
from lucien.core.state.tickets import Begin, Settle, Ticket

if TYPE_CHECKING:
    from lucien.core.cache import RedisAvailability
    from lucien.core.redis_batch import Arg, Key, RedisBatcher
    from lucien.core.state.db_claims import DatabaseClaims
    from lucien.core.state.local import MemoryDedup

log = logging.getLogger("lucien.state")

# Seconds a lock or claim outlives its replica; renewed every quarter of it.
LEASE = 4.0
# An in-process claim dies with its process anyway: it only has to outlast the handler
# (the webhook cancels one past 55 s), so a slow update is never handled twice here.
MEMORY_LEASE = 60.0


class Leases:
    """What this replica holds, kept alive by `run` (a task the backend starts)."""

    def __init__(
        self,
        *,
        batcher: RedisBatcher | None,
        availability: RedisAvailability,
        claims: DatabaseClaims | None,
        memory: MemoryDedup,
        lock_ttl: float,
        claim_ttl: float,
    ) -> None:
        self.batcher = batcher
        self.availability = availability
        self.claims = claims
        self.memory = memory
        self.lock_ttl = lock_ttl
        self.claim_ttl = claim_ttl
        self._redis: dict[str, list[str]] = {}  # token -> the Redis keys it holds
        self._database: set[str] = set()  # tokens of claims held in the database

    def hold(self, token: str, keys: list[str]) -> None:
        """`token` holds `keys` in Redis until `drop`."""
        self._redis[token] = keys

    def drop(self, token: str) -> None:
        """`token` is released (or given up): stop renewing it."""
        self._redis.pop(token, None)
        self._database.discard(token)

    async def claim_without_redis(
        self, dedup_key: str, update_id: int | None, token: str
    ) -> tuple[Begin, int, bool]:
        """The claim while Redis is away: in the database replicas share (Redis
        configured but down), else (memory mode, or the database down too) in-process.
        Returns (begun, earlier failed tries, claimed in the database)."""
        if self.claims is not None and update_id is not None:
            try:
                begun, tries = await self.claims.claim(update_id, token, self.claim_ttl)
            except Exception as exc:  # both down: this process is all we have
                log.warning("update %s claimed in memory only: %r", update_id, exc)
            else:
                if begun:
                    self._database.add(token)
                return begun, tries, True
        begun, tries = self.memory.claim(dedup_key, max(self.claim_ttl, MEMORY_LEASE))
        return begun, tries, False

    async def settle_database(self, ticket: Ticket, op: Settle) -> None:
        """Settle a claim taken in the database (see `DatabaseClaims.settle`)."""
        self._database.discard(ticket.token)
        assert self.claims is not None
        try:
            await self.claims.settle(ticket.update_id, ticket.token, op, ticket.tries + 1)
        except Exception as exc:  # the lease lapses by itself; a redelivery is handled
            log.warning("could not settle update %s in the database: %r", ticket.update_id, exc)

    async def run(self) -> None:
        """Renew every lease held, every quarter lease, until cancelled."""
        interval = min(self.lock_ttl, self.claim_ttl) / 4
        while True:
            await asyncio.sleep(interval)
            # Redis first: a slow database (a connect timeout) must not let them lapse.
            if self._redis and self.batcher is not None and self.availability.up:
                await self._renew_redis(self.batcher)
            if self._database and self.claims is not None:
                try:
                    await self.claims.renew(set(self._database), self.claim_ttl)
                except Exception as exc:
                    log.warning("could not renew update claims in the database: %r", exc)

    async def _renew_redis(self, batcher: RedisBatcher) -> None:
        keys: list[Key] = []
        args: list[Arg] = [int(max(self.lock_ttl, self.claim_ttl) * 1000)]
        for token, held_keys in list(self._redis.items()):
            keys.extend(held_keys)
            args.extend([token] * len(held_keys))
        try:
            kept = await batcher.call("renew", keys, args)
        except REDIS_FAULTS as exc:
            self.availability.mark_down(exc)
            return
        if kept < len(keys):
            log.warning("%d lease(s) lapsed before renewal (event loop stalled?)", len(keys) - kept)
