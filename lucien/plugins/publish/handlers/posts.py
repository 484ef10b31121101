"""Channel posts and their reaction buttons (the other agent builds them here)."""

from __future__ import annotations

from typing import Any

from aiogram import Router


def create_router() -> Router:
    """The admins' routes of channel posts (guarded by the parent)."""
    return Router(name="publish:posts")


def members_router() -> Router:
    """The reaction buttons under channel posts, pressed by channel members."""
    return Router(name="publish:reactions")


def jobs() -> list[Any]:
    """The posts' jobs (scheduled posts, coalesced reaction edits)."""
    return []
