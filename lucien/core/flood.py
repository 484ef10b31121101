"""Flood control: a per-user limit on updates (GCRA, `FLOOD_RATE` per second, `FLOOD_BURST`).

The first update past the limit is answered with the voice's `error.too_fast`; the rest
are dropped quietly until the user's bucket has refilled (then a new excess streak is told
again). Dropped updates are acknowledged to Telegram: refused work, not lost work. With
Redis the bucket is shared by every replica (procedure "flood" of the state batcher, one
round trip batched with the update's own); without it, or while it is unreachable, it is
kept in this process. Time is the context's clock, so a test clock drives it.
"""

from __future__ import annotations

import logging
from enum import IntEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lucien.core.context import AppContext

log = logging.getLogger("lucien.flood")

_MEMORY_MAX = 50_000  # users remembered in memory; the oldest entry goes first


class Verdict(IntEnum):
    """What to do with one update (values as the Redis procedure replies)."""

    QUIET = 0  # refused, the user was already told
    ALLOW = 1
    TELL = 2  # refused, first of a streak: answer `error.too_fast`


class FloodControl:
    """`await flood.check(user_id)` -> Verdict; one per process (`ctx.service`)."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        settings = ctx.settings
        self.burst = settings.flood_burst
        self.interval_ms = round(1000 / settings.flood_rate) if settings.flood_rate > 0 else 0
        self.enabled = self.burst > 0 and self.interval_ms > 0
        # user id -> [theoretical arrival time ms, told since the bucket was full]
        self._memory: dict[int, list[int]] = {}
        self._exempt: frozenset[str] | None = (
            frozenset(settings.flood_exempt_roles) if settings.flood_exempt_roles else None
        )

    def exempt(self, role: str | None) -> bool:
        """Whether `role` is never limited: FLOOD_EXEMPT_ROLES, else the highest-ranked role."""
        if role is None:
            return False
        if self._exempt is not None:
            return role in self._exempt
        names = self.ctx.roles.names
        return bool(names) and role == names[0]

    async def check(self, user_id: int) -> Verdict:
        if not self.enabled:
            return Verdict.ALLOW
        now = int(self.ctx.clock.now().timestamp() * 1000)
        state = self.ctx.state
        batcher = state.batcher if state is not None else None
        if batcher is not None and state.connected:
            key = f"{state.prefix}:flood:{state.bot_id}:{user_id}"
            try:
                reply = await batcher.call("flood", [key], [now, self.interval_ms, self.burst])
                return Verdict(int(reply))
            except Exception as exc:  # Redis away: limit in this process meanwhile
                log.debug("shared flood limit unavailable (%r); limiting locally", exc)
        return self._check_local(user_id, now)

    def _check_local(self, user_id: int, now: int) -> Verdict:
        """The Redis procedure's logic (`FLOOD_LUA`), on this process's memory."""
        entry = self._memory.get(user_id)
        if entry is None or entry[0] <= now:
            entry = [now, 0]
            self._memory.pop(user_id, None)
            self._memory[user_id] = entry
            if len(self._memory) > _MEMORY_MAX:
                self._memory.pop(next(iter(self._memory)))
        if entry[0] + self.interval_ms - now <= self.burst * self.interval_ms:
            entry[0] += self.interval_ms
            return Verdict.ALLOW
        if entry[1]:
            return Verdict.QUIET
        entry[1] = 1
        return Verdict.TELL
