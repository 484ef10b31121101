"""Fixtures of the voice plugin's suite: the installed plugins' keys and catalogues, a voice."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from lucien.core.plugin import MessageKey
from lucien.plugins.voice.catalogues import Catalogue, installed_plugins, load_catalogue
from lucien.plugins.voice.services import CatalogueVoice, VoiceSettings

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
    """Every key the installed plugins (the built-in one among them) declare."""
    merged: dict[str, MessageKey] = {}
    for plugin in installed_plugins():
        for message in plugin.messages:
            assert message.key not in merged, f"{message.key} declared twice"
            merged[message.key] = message
    return merged


class CatalogueRegistry:
    """The part of the core's plugin registry the voice calls: `call_each` over the
    installed plugins named in `enabled` (all when None), as (record, result) pairs."""

    def __init__(self, enabled: set[str] | None = None) -> None:
        self.enabled = enabled

    def call_each(self, hook: str, **kwargs: Any) -> list[tuple[Any, Any]]:
        assert hook == "lucien_catalogue", hook
        return [
            (SimpleNamespace(name=p.name), p.catalogue)
            for p in installed_plugins()
            if p.catalogue and (self.enabled is None or p.name in self.enabled)
        ]


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    """Every installed plugin's catalogue, merged as the voice merges them."""
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
