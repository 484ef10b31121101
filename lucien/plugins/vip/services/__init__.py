"""Database and business logic of the vip plugin, behind one facade: `VipService`.

Handlers, hooks and jobs use `VipService` (one per application:
`ctx.service("vip", VipService)`); it hands each call to the part that holds it:

- `plans.py`: plans, their prices and the cache of active plans;
- `tokens.py`: token batches, the admins' token lists, revocation and redemption;
- `membership.py`: subscriptions, one-time channel links, the channel's chat_member updates;
- `ritual.py`: the entry ritual's three stages between a redemption (or grant) and the link;
- `expiry.py`: the reminder, expiry and link cleanup jobs (and why each row is handled once);
- `periods.py`: starting, extending and ending a period, and the history each leaves;
- `cards.py`: the VIP part of the admins' user card and its confirmed actions;
- `expel.py`: the card's expulsion from the VIP channel, and Telegram's refusals of it;
- `subscribers.py`: the admins' filtered subscriber list and its CSV;
- `stats.py`: the VIP figures of the statistics screen (aggregates only);
- `common.py`: settings, constants, the clock and the admins' alerts every part shares.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lucien.plugins.vip.services.cards import ActionResult, Cards, CardView, HistoryRow
from lucien.plugins.vip.services.common import (
    CACHE_PLANS,
    CACHE_SEEN_LIST,
    LIST_LIMIT,
    PLUGIN,
    VipSettings,
    days_left,
)
from lucien.plugins.vip.services.expel import Expulsions
from lucien.plugins.vip.services.expiry import ExpiryJobs
from lucien.plugins.vip.services.membership import (
    JOINED_STATUSES,
    InviteOutcome,
    InviteStatus,
    Membership,
    SubscriptionView,
)
from lucien.plugins.vip.services.plans import MAX_PLAN_DAYS, Plans, PlanView, parse_price
from lucien.plugins.vip.services.ritual import (
    ACK,
    DELIVERY,
    SPACE,
    Rituals,
    RitualView,
    new_nonce,
)
from lucien.plugins.vip.services.stats import Statistics, VipStats
from lucien.plugins.vip.services.subscribers import (
    FILTERS,
    PAGE_SIZE,
    SubscriberFilter,
    SubscriberRow,
    Subscribers,
)
from lucien.plugins.vip.services.tokens import (
    MAX_TOKENS_PER_BATCH,
    TOKEN_LIKE_RE,
    TOKEN_PREFIX,
    TOKEN_RANDOM_BYTES,
    TOKEN_RE,
    RedeemResult,
    RedeemStatus,
    TokenRow,
    Tokens,
    new_token_code,
    token_code,
)

if TYPE_CHECKING:
    from lucien.core.context import AppContext


class VipService:
    """Plans, tokens, subscriptions, invite links and jobs over the application context.

    A thin facade: each name below is the method of the part that holds it, so callers
    keep one object and the parts stay small. The parts are reachable too (`svc.plans`).
    """

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.plans = Plans(ctx)
        self.tokens = Tokens(ctx)
        self.membership = Membership(ctx)
        self.rituals = Rituals(ctx)
        self.jobs = ExpiryJobs(ctx, self.plans, self.membership, self.rituals)
        self.cards = Cards(ctx, self.membership)
        self.expulsions = Expulsions(ctx, self.cards)
        self.subscribers = Subscribers(ctx)
        self.statistics = Statistics(ctx)
        # shared
        self.settings = self.plans.settings
        self.alert_admins = self.plans.alert_admins
        # plans
        self.list_plans = self.plans.list_plans
        self.get_plan = self.plans.get_plan
        self.create_plan = self.plans.create_plan
        self.update_plan = self.plans.update_plan
        self.archive_plan = self.plans.archive_plan
        # tokens
        self.token_link = self.tokens.token_link
        self.generate_tokens = self.tokens.generate_tokens
        self.tokens_csv = self.tokens.tokens_csv
        self.token_expiry = self.tokens.token_expiry
        self.unused_tokens = self.tokens.unused_tokens
        self.redeemed_tokens = self.tokens.redeemed_tokens
        self.revoke_token = self.tokens.revoke_token
        self.redeem = self.tokens.redeem
        # membership and links
        self.subscription = self.membership.subscription
        self.is_active = self.membership.is_active
        self.counts = self.membership.counts
        self.invite = self.membership.invite
        self.on_member_update = self.membership.on_member_update
        # jobs
        self.claim_reminders = self.jobs.claim_reminders
        self.claim_expiries = self.jobs.claim_expiries
        self.queue_depths = self.jobs.queue_depths
        self.send_reminders = self.jobs.send_reminders
        self.expire_subscriptions = self.jobs.expire_subscriptions
        self.revoke_expired_links = self.jobs.revoke_expired_links


__all__ = [
    "ACK",
    "CACHE_PLANS",
    "CACHE_SEEN_LIST",
    "DELIVERY",
    "FILTERS",
    "JOINED_STATUSES",
    "LIST_LIMIT",
    "MAX_PLAN_DAYS",
    "MAX_TOKENS_PER_BATCH",
    "PAGE_SIZE",
    "PLUGIN",
    "SPACE",
    "TOKEN_LIKE_RE",
    "TOKEN_PREFIX",
    "TOKEN_RANDOM_BYTES",
    "TOKEN_RE",
    "ActionResult",
    "CardView",
    "Cards",
    "ExpiryJobs",
    "Expulsions",
    "HistoryRow",
    "InviteOutcome",
    "InviteStatus",
    "Membership",
    "PlanView",
    "Plans",
    "RedeemResult",
    "RedeemStatus",
    "RitualView",
    "Rituals",
    "Statistics",
    "SubscriberFilter",
    "SubscriberRow",
    "Subscribers",
    "SubscriptionView",
    "TokenRow",
    "Tokens",
    "VipService",
    "VipSettings",
    "VipStats",
    "days_left",
    "new_nonce",
    "new_token_code",
    "parse_price",
    "token_code",
]
