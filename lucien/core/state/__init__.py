"""Shared conversation state, per-user ordering and update dedup across replicas.

Railway spreads webhook requests over replicas at random, so everything that makes
several processes behave as one bot lives in Redis: the aiogram FSM state and data, the
per-user lock that handles one user's updates one at a time, the update_id dedup and
the cache. Without REDIS_URL the same objects run on in-process equivalents (one
process only), and the start-up log says so.

The webhook drives one update like this::

    begun = await backend.begin_update(update_id, update=body)     # claim (+ lock + read)
    if begun is Begin.DONE: return 200                              # duplicate: ack
    if begun is Begin.BUSY: return 503                              # live elsewhere: later
    try:
        reply = await dp.feed_update(bot, body)                    # handlers
    except Exception:
        await backend.abort_update(update_id)                      # redelivery handled
        raise
    await backend.finish_update(update_id)                         # unlock + writes + done

The claim and the user's lock are leases (a few seconds) that the replica renews while
it works: a replica killed mid-update holds the user and the update for one lease at
most, and a redelivery meanwhile is told to come back later, never acknowledged unhandled.

That is two round trips per update whatever the handler does with its FSM context: the
handler's state/data writes are buffered while the lock is held. Without `update=`
passed to `begin_update` it is three (claim, lock+read, unlock+done).

Redis faults never reach a user: the backend falls back to in-process state for the
duration (logged once), /health says warn, a probe reconnects in the background, and a
user whose message nobody could handle because their conversation state was
unreachable gets a polite message instead of silence (`StateBackend.setup(dp)`).

Rooms: `scripts` (the two Lua procedures), `local` (in-process locks and dedup), `tickets`
(the per-update lock and claim), `adapters` (aiogram's storage, isolation and the polite
notice), `connection` (the Redis client and its health), `backend` (`StateBackend`,
`build_state`).
"""

from lucien.core.state.adapters import LucienIsolation, LucienStorage
from lucien.core.state.backend import (
    DEFAULT_UNAVAILABLE_TEXT,
    MEMORY_WARNING,
    StateBackend,
    build_state,
)
from lucien.core.state.connection import connect_redis
from lucien.core.state.local import DEDUP_TTL
from lucien.core.state.tickets import Begin

__all__ = [
    "DEDUP_TTL",
    "DEFAULT_UNAVAILABLE_TEXT",
    "MEMORY_WARNING",
    "Begin",
    "LucienIsolation",
    "LucienStorage",
    "StateBackend",
    "build_state",
    "connect_redis",
]
