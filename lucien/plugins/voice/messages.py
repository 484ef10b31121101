"""Message keys of the voice plugin: none; it renders the keys other plugins declare."""

from __future__ import annotations

from lucien.core.plugin import MessageKey

MESSAGES: list[MessageKey] = []
