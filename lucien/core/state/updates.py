"""An update's claim, as the webhook drives it: begin, then finish, abort or retry.

The flow is in the package's docstring (`lucien.core.state`). This is `StateBackend`'s
part that speaks of updates rather than users; the locks and leases it relies on are
the backend's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aiogram.fsm.storage.base import StorageKey
from aiogram.types import Update

from lucien.core.cache import REDIS_FAULTS
from lucien.core.state.local import DEDUP_TTL
from lucien.core.state.tickets import TICKET, Begin, Held, Settle, Ticket

if TYPE_CHECKING:
    from lucien.core.cache import RedisAvailability
    from lucien.core.redis_batch import Arg, RedisBatcher
    from lucien.core.state.leases import Leases
    from lucien.core.state.local import MemoryDedup


class UpdateClaims:
    """begin_update / finish_update / abort_update / retry_update (mixed into the backend)."""

    if TYPE_CHECKING:  # provided by StateBackend
        batcher: RedisBatcher | None
        availability: RedisAvailability
        leases: Leases
        claim_ttl: float
        _dedup_memory: MemoryDedup

        @property
        def connected(self) -> bool: ...
        def _dedup_key(self, update_id: int) -> str: ...
        def _new_token(self) -> str: ...
        def key_for_update(self, update: Update | Mapping[str, Any]) -> StorageKey | None: ...
        async def acquire_lock(
            self, key: StorageKey, dedup_key: str | None = None, update_id: int | None = None
        ) -> Held | Begin: ...
        async def release_lock(
            self,
            held: Held,
            dedup_key: str | None,
            dedup_op: Settle | None,
            claim_token: str | None = None,
        ) -> None: ...
        def _settle_memory(self, dedup_key: str, op: Settle | None, tries: int) -> None: ...

    async def begin_update(
        self, update_id: int, update: Update | Mapping[str, Any] | None = None
    ) -> Begin:
        """Claim `update_id`: Begin.CLAIMED (true), or DONE when it was handled already,
        BUSY while another replica's live lease holds it (both false).

        Pass the update body as `update=` to also take the user's lock and read their
        state in the same round trip. Call it in the task that then calls
        `dp.feed_update` or `dp.feed_webhook_update` (the claim travels in a contextvar),
        and always follow with `finish_update`, `abort_update` or `retry_update`.
        """
        dedup_key = self._dedup_key(update_id)
        key: StorageKey | None = None
        if update is not None:
            try:
                key = self.key_for_update(update)
            except Exception:  # unusual body: plain claim, aiogram will complain itself
                key = None
        if key is not None:
            held = await self.acquire_lock(key, dedup_key, update_id)
            if not isinstance(held, Held):
                return held
            TICKET.set(
                Ticket(
                    update_id,
                    dedup_key,
                    held.in_redis,
                    held,
                    held.token,
                    held.tries,
                    held.claim_in_database,
                )
            )
            return Begin.CLAIMED
        token = self._new_token()
        if self.batcher is not None and self.connected:
            try:
                reply = await self.batcher.call(
                    "claim", [dedup_key], [token, int(self.claim_ttl * 1000)]
                )
            except REDIS_FAULTS as exc:
                self.availability.mark_down(exc)
            else:
                if reply[0] != 1:
                    return Begin.DONE if reply[0] == -1 else Begin.BUSY
                self.leases.hold(token, [dedup_key])
                TICKET.set(Ticket(update_id, dedup_key, True, None, token, int(reply[1])))
                return Begin.CLAIMED
        begun, tries, in_database = await self.leases.claim_without_redis(
            dedup_key, update_id, token
        )
        if begun:
            TICKET.set(Ticket(update_id, dedup_key, False, None, token, tries, in_database))
        return begun

    def attempts(self) -> int:
        """Earlier attempts of the update this task claimed that failed before any effect."""
        ticket = TICKET.get()
        return ticket.tries if ticket is not None else 0

    def _take_ticket(self, update_id: int) -> Ticket | None:
        ticket = TICKET.get()
        if ticket is None or ticket.update_id != update_id:
            return None
        TICKET.set(None)
        return ticket

    async def finish_update(self, update_id: int) -> None:
        """Mark handled (kept 24 h), with the lock release and state writes if pending."""
        await self._settle(update_id, "done")

    async def abort_update(self, update_id: int) -> None:
        """Handling stopped: release the claim so Telegram's redelivery is handled."""
        await self._settle(update_id, "abort")

    async def retry_update(self, update_id: int) -> None:
        """Handling failed before any effect: release the claim, counting the attempt
        (`attempts` of the redelivery), so the redelivery is handled."""
        await self._settle(update_id, "retry")

    async def _settle(self, update_id: int, op: Settle) -> None:
        ticket = self._take_ticket(update_id)
        dedup_key = ticket.dedup_key if ticket else self._dedup_key(update_id)
        if op == "retry" and ticket is not None and ticket.held is not None:
            # Handled again from the start: what the failed attempt wrote does not stand
            # (its state would make the redelivery look like the next step's answer).
            ticket.held.state_dirty = ticket.held.data_dirty = False
        if ticket is not None and ticket.in_database:
            if ticket.held is not None:
                await self.release_lock(ticket.held, None, None)
            await self.leases.settle_database(ticket, op)
            return
        if ticket is not None and ticket.held is not None:
            ticket.held.tries = ticket.tries
            self.leases.drop(ticket.token)
            await self.release_lock(ticket.held, dedup_key, op, ticket.token)
            return
        tries = ticket.tries + 1 if ticket is not None else 1
        if ticket is not None:
            self.leases.drop(ticket.token)
        if (
            self.batcher is not None
            and self.connected
            and (ticket is None or ticket.claimed_in_redis)
        ):
            args: list[Arg] = [
                ticket.token if ticket else "",
                "",
                "",
                "",
                "",
                op,
                int(DEDUP_TTL * 1000),
                tries,
            ]
            try:
                await self.batcher.call("release", [dedup_key], args)
                return
            except REDIS_FAULTS as exc:
                self.availability.mark_down(exc)
        self._settle_memory(dedup_key, op, tries)
