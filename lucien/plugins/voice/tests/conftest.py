"""Fixtures of the voice plugin's suite: the project's declared keys and a voice over them."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from lucien.core.messages import CORE_MESSAGES
from lucien.core.plugin import MessageKey
from lucien.plugins.admin.messages import MESSAGES as ADMIN
from lucien.plugins.diagnostics.messages import MESSAGES as DIAGNOSTICS
from lucien.plugins.free.messages import MESSAGES as FREE
from lucien.plugins.vip.messages import MESSAGES as VIP
from lucien.plugins.voice.messages import MESSAGES as VOICE
from lucien.plugins.voice.services import CatalogueVoice, VoiceSettings, load_catalogue

# Mexico City is UTC-6 all year: 15:00 UTC is 9:00 there.
MORNING = datetime(2027, 3, 5, 15, 0, tzinfo=UTC)


@dataclass
class FakeUser:
    """The parts of aiogram's User the voice reads."""

    id: int = 1
    first_name: str = "Ana"
    username: str | None = None
    language_code: str | None = "es"


class DictCache:
    """A dict-backed stand-in for the core's Cache (`get`, `set`, `remember`)."""

    def __init__(self) -> None:
        self.data: dict[tuple[str, str], Any] = {}

    async def get(self, ns: str, key: str, default: Any = None) -> Any:
        return self.data.get((ns, key), default)

    async def set(self, ns: str, key: str, value: Any) -> None:
        self.data[(ns, key)] = value

    def remember(self, ns: str, key: str, value: Any) -> None:
        self.data[(ns, key)] = value


@pytest.fixture(scope="session")
def declared() -> dict[str, MessageKey]:
    """Every key the core and the five project plugins declare."""
    merged: dict[str, MessageKey] = {}
    for source in (CORE_MESSAGES, ADMIN, VIP, FREE, DIAGNOSTICS, VOICE):
        for message in source:
            assert message.key not in merged, f"{message.key} declared twice"
            merged[message.key] = message
    return merged


@pytest.fixture(scope="session")
def catalogue():
    return load_catalogue()


@pytest.fixture
def make_voice(declared, catalogue) -> Callable[..., CatalogueVoice]:
    """A CatalogueVoice over the project's keys, seeded, at a fixed moment."""

    def make(
        now: datetime = MORNING,
        seed: int = 7,
        cache: Any = None,
        messages: dict[str, MessageKey] | None = None,
        cat: Any = None,
        **settings: Any,
    ) -> CatalogueVoice:
        return CatalogueVoice(
            messages if messages is not None else declared,
            cat if cat is not None else catalogue,
            settings=VoiceSettings(**settings),
            cache=(lambda: cache) if cache is not None else None,
            now=lambda: now,
            rng=random.Random(seed),
        )

    return make
