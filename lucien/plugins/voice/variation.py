"""How a line is chosen: by weight, never the same twice in a row for a user.

The last variant shown per user, locale and key is remembered in the cache (namespace
`voice`, written behind: other replicas see it a moment later through Redis) or, without
one, in this process. Excluding the previous variant would skew the shares towards the
light variants; `balanced_weights` corrects the draw so that each variant's long-run
share stays its weight.
"""

from __future__ import annotations

import logging
import math
import random
from collections.abc import Callable, Sequence
from typing import Any

from lucien.plugins.voice.catalogues import Variant

log = logging.getLogger("lucien.voice")

CACHE_NAMESPACE = "voice"
LOCAL_MEMORY_SIZE = 100_000  # the in-process fallback is cleared past this many keys

# Returns the context's cache, or raises when there is none yet.
CacheGetter = Callable[[], Any]


def balanced_weights(weights: Sequence[float]) -> list[float]:
    """Weights for the next draw when the previous variant is excluded.

    Drawing among the *other* variants with weights `x` makes a chain whose long-run share
    of each variant is exactly its weight, provided `x_i * (sum(x) - x_i)` is proportional
    to weight `w_i` (the flow between two variants is then symmetric). That `x` exists when
    no weight is more than half of the total; it is found by symmetric scaling. A variant
    weighing half or more is made to follow every other draw: its share is then exactly
    one half (as close to its weight as never repeating allows), the others' exactly theirs.
    """
    total = float(sum(weights))
    if len(weights) < 2 or total <= 0:
        return list(weights)
    w = [x / total for x in weights]
    heaviest = max(range(len(w)), key=w.__getitem__)
    if w[heaviest] >= 0.5 - 1e-9:
        return [1e9 if i == heaviest else wi for i, wi in enumerate(w)]
    x = [math.sqrt(v) for v in w]
    for _ in range(500):
        s = sum(x)
        x = [math.sqrt(xi * wi / (s - xi)) for xi, wi in zip(x, w, strict=True)]
        s = sum(x)
        flows = [xi * (s - xi) for xi in x]
        norm = sum(flows)
        if max(abs(f / norm - wi) for f, wi in zip(flows, w, strict=True)) < 1e-9:
            break
    return x


class Variation:
    """Weighted draws without repeats, remembered per memory key (see the module)."""

    def __init__(self, rng: random.Random, cache: CacheGetter | None = None):
        self.rng = rng
        self._cache = cache
        self._local_memory: dict[str, int] = {}
        self._balanced: dict[tuple[float, ...], list[float]] = {}

    async def choose(self, memory_key: str | None, variants: list[Variant]) -> Variant:
        """A variant drawn by weight, never the one this memory key had last time.

        `memory_key` names the user, locale and key ("42:es:greeting.new"); None (no
        user) draws by weight alone, remembering nothing.
        """
        if len(variants) == 1:
            return variants[0]
        if memory_key is None:
            return self.rng.choices(variants, weights=[v.weight for v in variants])[0]
        last = await self._recall(memory_key)
        pool = [v for v in variants if v.index != last]
        if len(pool) == len(variants):
            weights = [v.weight for v in pool]
        else:
            balanced = self._balanced_for(tuple(v.weight for v in variants))
            weights = [b for v, b in zip(variants, balanced, strict=True) if v.index != last]
        choice = self.rng.choices(pool, weights=weights)[0]
        await self._remember(memory_key, choice.index)
        return choice

    def _balanced_for(self, weights: tuple[float, ...]) -> list[float]:
        try:
            return self._balanced[weights]
        except KeyError:
            result = self._balanced[weights] = balanced_weights(weights)
            return result

    def _cache_or_none(self) -> Any:
        if self._cache is None:
            return None
        try:
            return self._cache()
        except Exception:  # no state yet (tests, early startup): remember locally
            return None

    async def _recall(self, memory_key: str) -> int | None:
        cache = self._cache_or_none()
        if cache is not None:
            try:
                value = await cache.get(CACHE_NAMESPACE, memory_key)
            except Exception:
                log.debug("voice: cache read failed; using local memory", exc_info=True)
            else:
                if value is not None:
                    try:
                        return int(value)
                    except (TypeError, ValueError):
                        return None
        return self._local_memory.get(memory_key)

    async def _remember(self, memory_key: str, index: int) -> None:
        self._local_memory[memory_key] = index
        if len(self._local_memory) > LOCAL_MEMORY_SIZE:
            self._local_memory.clear()
            self._local_memory[memory_key] = index
        cache = self._cache_or_none()
        if cache is not None:
            try:
                # Write-behind: the memory need not be broadcast nor cost a round trip
                # per message; other replicas see it a moment later through Redis.
                cache.remember(CACHE_NAMESPACE, memory_key, index)
            except Exception:
                log.debug("voice: cache write failed; kept in local memory", exc_info=True)
