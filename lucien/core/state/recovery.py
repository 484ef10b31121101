"""After a Redis outage: the conversations kept in memory meanwhile go back to Redis.

While Redis is down each replica keeps the users' FSM state in its own memory. When
Redis answers again, what this replica kept is written back, where every replica reads
it, so a conversation begun (or carried on) during the outage continues after it.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

from lucien.core.cache import REDIS_FAULTS
from lucien.core.redis_batch import Arg, execute_batch

if TYPE_CHECKING:
    from lucien.core.state.backend import StateBackend

log = logging.getLogger("lucien.state")


async def flush_memory(backend: StateBackend) -> None:
    """Write the in-memory states and data to Redis, then forget them (unless changed
    meanwhile); on a new fault they stay for the next recovery."""
    assert backend.redis is not None
    storage = backend.memory.storage
    # Copies: aiogram's MemoryStorage changes records in place, so only a copy tells
    # whether a record changed during the round trip. Empty records (a user whose state
    # was only read) are left out: writing them would erase what Redis holds.
    snapshot = [
        (key, record.state, dict(record.data))
        for key, record in list(storage.items())
        if record.state or record.data
    ]
    if not snapshot:
        storage.clear()
        return
    commands: list[tuple[Arg, ...]] = []
    for key, state, data in snapshot:
        state_key = backend.key_builder.build(key, "state")
        data_key = backend.key_builder.build(key, "data")
        commands.append(("SET", state_key, state) if state else ("DEL", state_key))
        commands.append(("SET", data_key, json.dumps(data)) if data else ("DEL", data_key))
    try:
        await execute_batch(backend.redis, commands)
    except REDIS_FAULTS as exc:
        backend.availability.mark_down(exc)
        return
    for key, state, data in snapshot:
        record = storage.get(key)
        if record is not None and record.state == state and record.data == data:
            del storage[key]
    for key in [k for k, r in storage.items() if not r.state and not r.data]:
        del storage[key]
    log.info("%d conversation(s) kept in memory during the outage moved to Redis", len(snapshot))
