"""Database and business logic of the free plugin, behind one facade: `FreeService`.

The life of a join request:

1. `receive` records it (one row per channel and user) with `due_at = now + wait` before
   anything else: until the row is committed nothing is sent, and a database failure
   propagates (the core answers Telegram with a retryable status). Then it checks the ban
   (a banned user is told the door stays closed, then declined) and tells the user the
   wait, framed as many requests being attended (the exact time unless `show_wait` is 0),
   with the creator's networks as URL buttons (Telegram lets the bot write to a user who
   never started it only within 5 minutes of the request, so this message goes out at
   once, from the handler). A Bot API failure after the row exists is only logged: a ban
   check that failed leaves the row unchecked, and the job checks it.
2. `approve_due` (the `free.approvals` job, every second on every replica) claims due rows
   with `FOR UPDATE SKIP LOCKED`, leases them (so a crashed replica's claim expires rather
   than getting lost), handles them concurrently and stores each row's outcome when that
   row is done.
3. The welcome goes through the core outbox, queued in the same transaction as the row's
   change under a key of the request's own (row id and `requested_at`), so each request is
   welcomed once, across kills and replicas; it carries a URL button into the channel.
   Inside the 5-minute window it is made just before the approval (afterwards Telegram
   would refuse it to users who never started the bot); otherwise it is queued with the
   approval and the outbox job makes it.

Rights errors keep the rows and retry them with exponential backoff; the admins are told
once per outage (the flag lives in the database, so one replica tells them). Any other
failure of one approval (5xx, network, a 429 outlasting the sender) retries that row alone
with the same backoff. A retry that finds the request missing checks the membership, since
the lost attempt may have gone through.

Where each step lives: `requests.py` (1, and reading requests back), `approvals.py` (2),
`welcomes.py` (3), `channel.py` (the channel's links, who is inside, rights outages), `admin.py` (the
admins' queue, a user's requests on their card, the statistics figures, and the actions:
approve now, approve all, decline, expel), `common.py` (settings, the tuning constants,
the recipient, the backoff). Which social links are accepted and how their buttons are
named is `lucien.plugins.free.social`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lucien.plugins.free.services.admin import (
    CARD_CAP,
    PAGE_SIZE,
    FreeAdmin,
    FreeFigures,
    Outcome,
    Page,
    RequestView,
)
from lucien.plugins.free.services.approvals import Approvals
from lucien.plugins.free.services.channel import Channel
from lucien.plugins.free.services.common import (
    APPROVE_BATCH,
    APPROVE_CONCURRENCY,
    BACKOFF_BASE_S,
    BACKOFF_CAP_S,
    DM_WINDOW_S,
    LEASE,
    LINK_NS,
    WELCOME_BATCH,
    FreeSettings,
    Recipient,
    backoff,
)
from lucien.plugins.free.services.requests import (
    Received,
    Requests,
    Standing,
    minutes_until,
    queue_depths,
)
from lucien.plugins.free.services.welcomes import Welcomes

if TYPE_CHECKING:
    from lucien.core.context import AppContext


class FreeService:
    """Join requests, approvals, welcomes, the invite link. One per process (ctx.service).

    A thin facade: each name below is the method of the part that holds it, so callers
    keep one object and the parts stay small. The parts are reachable too (`svc.requests`).
    """

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.channel = Channel(ctx)
        self.welcomes = Welcomes(ctx, self.channel)
        self.approvals = Approvals(ctx, self.welcomes, self.channel)
        self.requests = Requests(ctx, self.approvals)
        self.admin = FreeAdmin(ctx, self.approvals)
        self.settings = self.requests.settings
        self.is_free_channel = self.channel.is_free_channel
        self.join_link = self.channel.join_link
        self.receive = self.requests.receive
        self.request_of = self.requests.request_of
        self.standing = self.requests.standing
        self.counts = self.requests.counts
        self.approve_due = self.approvals.approve_due
        self.send_welcomes = self.welcomes.send_welcomes


def service(ctx: AppContext) -> FreeService:
    """The process's FreeService."""
    return ctx.service("free", FreeService)


__all__ = [
    "APPROVE_BATCH",
    "APPROVE_CONCURRENCY",
    "BACKOFF_BASE_S",
    "BACKOFF_CAP_S",
    "CARD_CAP",
    "DM_WINDOW_S",
    "LEASE",
    "LINK_NS",
    "PAGE_SIZE",
    "WELCOME_BATCH",
    "Approvals",
    "Channel",
    "FreeAdmin",
    "FreeFigures",
    "FreeService",
    "FreeSettings",
    "Outcome",
    "Page",
    "Received",
    "Recipient",
    "RequestView",
    "Requests",
    "Standing",
    "Welcomes",
    "backoff",
    "minutes_until",
    "queue_depths",
    "service",
]
