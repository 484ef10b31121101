"""Message keys of the channel posts and their reaction buttons (the other agent fills
this in)."""

from __future__ import annotations

from lucien.core.plugin import MessageKey

POST_MESSAGES: list[MessageKey] = []
