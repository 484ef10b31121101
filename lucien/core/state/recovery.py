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
    records = list(storage.items())
    if not records:
        return
    commands: list[tuple[Arg, ...]] = []
    for key, record in records:
        state_key = backend.key_builder.build(key, "state")
        data_key = backend.key_builder.build(key, "data")
        commands.append(("SET", state_key, record.state) if record.state else ("DEL", state_key))
        if record.data:
            commands.append(("SET", data_key, json.dumps(record.data)))
        else:
            commands.append(("DEL", data_key))
    try:
        await execute_batch(backend.redis, commands)
    except REDIS_FAULTS as exc:
        backend.availability.mark_down(exc)
        return
    for key, record in records:
        if storage.get(key) is record:
            del storage[key]
    log.info("%d conversation(s) kept in memory during the outage moved to Redis", len(records))
