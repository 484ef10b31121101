"""Database and business logic of the publish plugin.

Where each part lives: `broadcasts.py` (durable broadcasts: recipients as rows, the job
that sends them, progress, pause, resume, cancel), `posts.py` (posts to the channels, sent
now or scheduled, recorded with their message ids), `reactions.py` (the reaction buttons:
one per member and post, counts, the coalesced edits), `common.py` (settings, the
channels, statuses, times as admins type them, the tuning constants).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lucien.plugins.publish.services.broadcasts import Broadcasts
from lucien.plugins.publish.services.common import (
    NAME,
    Channel,
    PublishSettings,
    channels,
    check_reactions,
    creator_tz,
    parse_when,
    reactions_for,
    zone,
)
from lucien.plugins.publish.services.posts import (
    PostFigures,
    Posts,
    PostView,
    TopPost,
    target_name,
    where_label,
)
from lucien.plugins.publish.services.reactions import Reactions, Tap
from lucien.plugins.publish.services.views import BroadcastView, Counts

if TYPE_CHECKING:
    from lucien.core.context import AppContext


def broadcasts(ctx: AppContext) -> Broadcasts:
    """The process's broadcast service (made on first use)."""
    return ctx.service("publish.broadcasts", Broadcasts)


def posts(ctx: AppContext) -> Posts:
    """The process's channel post service (made on first use)."""
    return ctx.service("publish.posts", Posts)


def reactions(ctx: AppContext) -> Reactions:
    """The process's reaction button service (made on first use)."""
    return ctx.service("publish.reactions", Reactions)


__all__ = [
    "NAME",
    "BroadcastView",
    "Broadcasts",
    "Channel",
    "Counts",
    "PostFigures",
    "PostView",
    "Posts",
    "PublishSettings",
    "Reactions",
    "Tap",
    "TopPost",
    "broadcasts",
    "channels",
    "check_reactions",
    "creator_tz",
    "parse_when",
    "posts",
    "reactions",
    "reactions_for",
    "target_name",
    "where_label",
    "zone",
]
