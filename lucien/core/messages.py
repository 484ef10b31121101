"""The message keys the core itself shows (errors raised outside any plugin's handler,
and what nobody else answered)."""

from __future__ import annotations

from lucien.core.plugin import MessageKey

CORE_MESSAGES: list[MessageKey] = [
    MessageKey(
        "error.generic",
        "Something went wrong. Please try again in a moment.",
    ),
    MessageKey(
        "error.state_unavailable",
        "The bot is busy right now and could not take your request. Please try again in a minute.",
    ),
    MessageKey(
        "start.unknown_link",
        "I do not recognise that link. Here is your menu.",
    ),
]
