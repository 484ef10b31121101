"""Database and business logic of the vip plugin: plans, tokens, subscriptions, links, jobs.

Handlers call `VipService` (one per application: `ctx.service("vip", VipService)`); the
job functions at the bottom are what `lucien_jobs` runs on every replica.

Job safety (reminders and expiry): a replica claims due rows with one
`UPDATE ... WHERE user_id IN (SELECT ... FOR UPDATE SKIP LOCKED LIMIT n)` that writes a
lease (`claimed_by`, `claimed_until`) and commits; then it acts (Telegram calls) and marks
each row done (`reminded_at` / `expired_at`) only if it still holds the lease. A replica
that crashes after claiming leaves a lease that runs out, and another replica retries the
row: nobody is skipped. The price is at-least-once delivery in one narrow window (Telegram
accepted the message, then the process died before the one-row UPDATE that marks it
done); marking before sending would instead lose the message in the same window, and a
lost expiry would leave a non-paying member in the channel, so we prefer the retry.

A row whose attempt failed for a reason that may pass (Telegram down, the bot without the
right to ban) is given back with a next-attempt time instead: `claimed_by` NULL and
`claimed_until` `retry_seconds` ahead, so no replica claims it again before then and a
job run never spins on the same rows. A pass that settles no row ends the run.

Expiry acts under a lock: one UPDATE marks the row expired only if this replica still holds
its lease and the subscription still ended (it locks the row on PostgreSQL, the database on
SQLite); ban and unban run inside that transaction, which commits only if both succeeded
and rolls back (the row stays unexpired, then backs off) otherwise. A redemption racing
it either took the lease back first (the expiry leaves the member alone) or waits for the
commit and starts a fresh period. The farewell goes out after the commit (at most once:
a lost farewell costs less than a removal repeated or never made).
"""

from __future__ import annotations

import csv
import io
import logging
import math
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramForbiddenError
from aiogram.methods import (
    BanChatMember,
    CreateChatInviteLink,
    GetChatMember,
    RevokeChatInviteLink,
    SendMessage,
    UnbanChatMember,
)
from aiogram.types import InlineKeyboardMarkup
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import and_, func, or_, select, update

from lucien.core.db import upsert
from lucien.core.db.models import User
from lucien.plugins.vip.models import InviteLink, Plan, Subscription, Token

if TYPE_CHECKING:
    from lucien.core.context import AppContext

log = logging.getLogger("lucien.vip")

PLUGIN = "vip"
# Tokens: a fixed prefix makes a pasted token recognisable; 18 random bytes are 144 bits,
# 24 URL-safe characters, 28 in all: inside the deep-link charset and 64-character limit.
TOKEN_PREFIX = "VIP-"
TOKEN_RANDOM_BYTES = 18
TOKEN_RE = re.compile(r"^VIP-[A-Za-z0-9_-]{24}$")
#: What a message must look like to be taken as an attempt at a token (the handler filter).
TOKEN_LIKE_RE = re.compile(r"^\s*VIP-\S*\s*$")
MAX_TOKENS_PER_BATCH = 500
MAX_PLAN_DAYS = 3650
LIST_LIMIT = 10
CACHE_PLANS = "vip_plans"
CACHE_ALERTS = "vip_alerts"

RedeemStatus = Literal["ok", "used", "expired", "revoked", "unknown", "malformed"]
InviteStatus = Literal["link", "member", "not_vip", "unavailable"]
JOINED_STATUSES = frozenset({"member", "restricted"})


class VipSettings(BaseSettings):
    """Settings of the vip plugin (environment prefix `VIP_`; admins edit `channel_id`)."""

    model_config = SettingsConfigDict(env_prefix="VIP_", extra="ignore")

    channel_id: int | None = Field(
        None,
        json_schema_extra={
            "lucien": {
                "editable": True,
                "kind": "channel",
                "rights": ["can_invite_users", "can_restrict_members"],
            }
        },
    )
    reminder_hours: int = Field(24, ge=0, le=24 * 30)
    invite_link_hours: int = Field(24, ge=1, le=24 * 30)
    token_valid_days: int = Field(30, ge=1, le=3650)
    # Token batches above this size are sent as a CSV document instead of a message.
    list_max_tokens: int = Field(20, ge=1, le=100)
    job_interval_seconds: float = Field(30.0, gt=0, le=60)
    lease_seconds: int = Field(300, ge=10)
    # After a failed attempt (Telegram unreachable, rights missing) a row waits this long.
    retry_seconds: int = Field(600, ge=10, le=24 * 3600)
    job_batch: int = Field(100, ge=1, le=1000)


# --------------------------------------------------------------------------- views


@dataclass(frozen=True)
class PlanView:
    """A plan as screens show it."""

    id: int
    name: str
    days: int
    price_minor: int
    currency: str
    archived: bool = False

    @property
    def price(self) -> str:
        """The price as shown to users ("9.99 USD"), or "" for a plan without price."""
        if not self.price_minor and not self.currency:
            return ""
        return f"{self.price_minor / 100:.2f} {self.currency}".strip()

    def line(self) -> str:
        """One plain-text line of a plan list (the voice escapes it)."""
        price = f" — {self.price}" if self.price else ""
        return f"• {self.name}: {self.days} d{price}"


@dataclass(frozen=True)
class RedeemResult:
    """What a redemption did: `ok` with the plan and the new end, or why it was refused."""

    status: RedeemStatus
    plan: str = ""
    days: int = 0
    ends_at: datetime | None = None
    extended: bool = False


@dataclass(frozen=True)
class SubscriptionView:
    """A member's active subscription."""

    user_id: int
    plan: str
    ends_at: datetime
    days_left: int


@dataclass(frozen=True)
class InviteOutcome:
    """The result of asking for the channel link."""

    status: InviteStatus
    link: str = ""
    expires_at: datetime | None = None


@dataclass(frozen=True)
class TokenRow:
    """One token in an admin list."""

    id: int
    code: str
    plan: str
    expires_at: datetime
    redeemed_by: int | None = None
    redeemed_name: str | None = None
    redeemed_at: datetime | None = None


def new_token_code() -> str:
    """A fresh random token: `VIP-` and 144 random bits, URL-safe."""
    return TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_RANDOM_BYTES)


def parse_price(raw: str) -> tuple[int, str] | None:
    """ "9.99 USD" -> (999, "USD"); "0" -> (0, ""); None if it is not a price."""
    match = re.fullmatch(r"\s*(\d{1,7})(?:[.,](\d{1,2}))?\s*([A-Za-z]{3})?\s*", raw or "")
    if not match:
        return None
    units, cents, currency = match.groups()
    minor = int(units) * 100 + int((cents or "0").ljust(2, "0"))
    if minor and not currency:
        return None  # a price needs its currency to mean anything to users
    return minor, (currency or "").upper()


def days_left(ends_at: datetime, now: datetime) -> int:
    """Whole days remaining, rounded up (a membership ending in 3 h has 1 day left)."""
    return max(0, math.ceil((ends_at - now).total_seconds() / 86400))


class VipService:
    """Plans, tokens, subscriptions and invite links over the application context."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    # ------------------------------------------------------------------ helpers

    async def settings(self) -> VipSettings:
        """The settings in force (environment overlaid with what admins saved)."""
        return await self.ctx.config.get(PLUGIN)

    def _now(self) -> datetime:
        return self.ctx.clock.now()

    def token_link(self, code: str) -> str:
        """The deep link that redeems `code`."""
        return f"https://t.me/{self.ctx.bot_username}?start={code}"

    # ------------------------------------------------------------------ plans

    async def list_plans(self) -> list[PlanView]:
        """Active (not archived) plans, oldest first; cached until a plan changes."""

        async def load() -> list[dict[str, Any]]:
            async with self.ctx.db.session() as s:
                rows = await s.scalars(
                    select(Plan).where(Plan.archived_at.is_(None)).order_by(Plan.id)
                )
                return [
                    {
                        "id": p.id,
                        "name": p.name,
                        "days": p.days,
                        "price_minor": p.price_minor,
                        "currency": p.currency,
                    }
                    for p in rows
                ]

        raw = await self.ctx.cache.get_or_load(CACHE_PLANS, "active", load)
        return [PlanView(**item) for item in raw]

    async def get_plan(self, plan_id: int) -> PlanView | None:
        """A plan by id, archived or not."""
        async with self.ctx.db.session() as s:
            p = await s.get(Plan, plan_id)
            if p is None:
                return None
            return PlanView(
                p.id, p.name, p.days, p.price_minor, p.currency, p.archived_at is not None
            )

    async def create_plan(self, name: str, days: int, price_minor: int, currency: str) -> PlanView:
        """Add a plan."""
        async with self.ctx.db.session() as s:
            plan = Plan(
                name=name[:64],
                days=days,
                price_minor=price_minor,
                currency=currency,
                created_at=self._now(),
            )
            s.add(plan)
            await s.flush()
            view = PlanView(plan.id, plan.name, days, price_minor, currency)
        await self.ctx.cache.invalidate(CACHE_PLANS, "active")
        return view

    async def update_plan(
        self, plan_id: int, name: str, days: int, price_minor: int, currency: str
    ) -> PlanView | None:
        """Change a plan; subscriptions already running keep their end date."""
        async with self.ctx.db.session() as s:
            plan = await s.get(Plan, plan_id)
            if plan is None:
                return None
            plan.name, plan.days = name[:64], days
            plan.price_minor, plan.currency = price_minor, currency
        await self.ctx.cache.invalidate(CACHE_PLANS, "active")
        return PlanView(plan_id, name[:64], days, price_minor, currency)

    async def archive_plan(self, plan_id: int) -> PlanView | None:
        """Hide a plan from new tokens; its issued tokens still work."""
        async with self.ctx.db.session() as s:
            plan = await s.get(Plan, plan_id)
            if plan is None:
                return None
            plan.archived_at = plan.archived_at or self._now()
            view = PlanView(plan.id, plan.name, plan.days, plan.price_minor, plan.currency, True)
        await self.ctx.cache.invalidate(CACHE_PLANS, "active")
        return view

    # ------------------------------------------------------------------ tokens

    async def generate_tokens(self, plan_id: int, count: int, by: int | None) -> list[str]:
        """`count` (1-500) new single-use tokens for an active plan, valid per settings."""
        if not 1 <= count <= MAX_TOKENS_PER_BATCH:
            raise ValueError(f"count must be 1-{MAX_TOKENS_PER_BATCH}")
        settings = await self.settings()
        now = self._now()
        expires = now + timedelta(days=settings.token_valid_days)
        codes = [new_token_code() for _ in range(count)]
        async with self.ctx.db.session() as s:
            plan = await s.get(Plan, plan_id)
            if plan is None or plan.archived_at is not None:
                raise LookupError("no such active plan")
            s.add_all(
                Token(code=c, plan_id=plan_id, created_by=by, created_at=now, expires_at=expires)
                for c in codes
            )
        return codes

    def tokens_csv(self, codes: list[str], plan: PlanView, expires_at: datetime) -> bytes:
        """A CSV document of tokens: code, link, plan, days, valid until (UTC)."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["token", "link", "plan", "days", "valid_until_utc"])
        for code in codes:
            writer.writerow(
                [code, self.token_link(code), plan.name, plan.days, expires_at.isoformat()]
            )
        return out.getvalue().encode("utf-8")

    async def token_expiry(self) -> datetime:
        """When tokens generated now stop being redeemable."""
        return self._now() + timedelta(days=(await self.settings()).token_valid_days)

    async def unused_tokens(self, limit: int = LIST_LIMIT) -> list[TokenRow]:
        """Tokens still redeemable, newest first."""
        now = self._now()
        async with self.ctx.db.session() as s:
            rows = await s.execute(
                select(Token.id, Token.code, Plan.name, Token.expires_at)
                .join(Plan, Plan.id == Token.plan_id)
                .where(
                    Token.redeemed_by.is_(None), Token.revoked_at.is_(None), Token.expires_at > now
                )
                .order_by(Token.id.desc())
                .limit(limit)
            )
            return [TokenRow(r.id, r.code, r.name, r.expires_at) for r in rows]

    async def redeemed_tokens(self, limit: int = LIST_LIMIT) -> list[TokenRow]:
        """Redeemed tokens with who redeemed them, latest first."""
        async with self.ctx.db.session() as s:
            rows = await s.execute(
                select(
                    Token.id,
                    Token.code,
                    Plan.name,
                    Token.expires_at,
                    Token.redeemed_by,
                    Token.redeemed_at,
                    User.first_name,
                    User.username,
                )
                .join(Plan, Plan.id == Token.plan_id)
                .outerjoin(User, User.id == Token.redeemed_by)
                .where(Token.redeemed_by.is_not(None))
                .order_by(Token.redeemed_at.desc(), Token.id.desc())
                .limit(limit)
            )
            return [
                TokenRow(
                    r.id,
                    r.code,
                    r.name,
                    r.expires_at,
                    r.redeemed_by,
                    r.first_name or r.username,
                    r.redeemed_at,
                )
                for r in rows
            ]

    async def revoke_token(self, token_id: int) -> str | None:
        """Revoke an unused token; its code, or None if it was already used or revoked."""
        async with self.ctx.db.session() as s:
            code = await s.scalar(
                update(Token)
                .where(
                    Token.id == token_id, Token.redeemed_by.is_(None), Token.revoked_at.is_(None)
                )
                .values(revoked_at=self._now())
                .returning(Token.code)
                .execution_options(synchronize_session=False)
            )
        return code

    # ------------------------------------------------------------------ redemption

    async def redeem(self, user_id: int, raw: str) -> RedeemResult:
        """Consume a token atomically and start or extend the user's subscription.

        One conditional UPDATE consumes the token: of any number of concurrent attempts
        exactly one matches the row; the others see it redeemed and are told it is used.
        """
        code = (raw or "").strip()
        if not TOKEN_RE.match(code):
            return RedeemResult("malformed")
        now = self._now()
        async with self.ctx.db.session() as s:
            plan_id = await s.scalar(
                update(Token)
                .where(
                    Token.code == code,
                    Token.redeemed_by.is_(None),
                    Token.revoked_at.is_(None),
                    Token.expires_at > now,
                )
                .values(redeemed_by=user_id, redeemed_at=now)
                .returning(Token.plan_id)
                .execution_options(synchronize_session=False)
            )
            if plan_id is None:
                return RedeemResult(await self._refusal(s, code))
            plan = await s.get(Plan, plan_id)
            assert plan is not None  # a foreign key
            # The row exists from here on (a concurrent first redemption of another token
            # by the same user does nothing), then is locked while we extend it.
            await s.execute(
                upsert(
                    s,
                    Subscription,
                    {"user_id": user_id, "plan_id": plan_id, "started_at": now, "ends_at": now},
                    conflict=["user_id"],
                )
            )
            sub = await s.scalar(
                select(Subscription)
                .where(Subscription.user_id == user_id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
            assert sub is not None
            active = sub.expired_at is None and sub.ends_at > now
            if not active:
                sub.started_at, sub.expired_at = now, None
            sub.ends_at = (sub.ends_at if active else now) + timedelta(days=plan.days)
            sub.plan_id = plan_id
            # A fresh period gets its own reminder; a lease held by the expiry job is taken
            # back so it does not remove someone who just renewed (it re-checks the lease).
            sub.reminded_at = None
            sub.claimed_by = sub.claimed_until = None
            result = RedeemResult("ok", plan.name, plan.days, sub.ends_at, extended=active)
        await self.ctx.invalidate_role(user_id)
        log.info("user %s redeemed a token for plan %s (extended=%s)", user_id, plan_id, active)
        return result

    @staticmethod
    async def _refusal(s: Any, code: str) -> RedeemStatus:
        row = (
            await s.execute(select(Token.redeemed_by, Token.revoked_at).where(Token.code == code))
        ).first()
        if row is None:
            return "unknown"
        if row.redeemed_by is not None:
            return "used"
        if row.revoked_at is not None:
            return "revoked"
        return "expired"

    # ------------------------------------------------------------------ subscriptions

    async def subscription(self, user_id: int) -> SubscriptionView | None:
        """The user's active subscription, or None."""
        now = self._now()
        async with self.ctx.db.session() as s:
            row = (
                await s.execute(
                    select(Subscription.ends_at, Plan.name)
                    .join(Plan, Plan.id == Subscription.plan_id)
                    .where(
                        Subscription.user_id == user_id,
                        Subscription.expired_at.is_(None),
                        Subscription.ends_at > now,
                    )
                )
            ).first()
        if row is None:
            return None
        return SubscriptionView(user_id, row.name, row.ends_at, days_left(row.ends_at, now))

    async def is_active(self, user_id: int) -> bool:
        """Whether the user is VIP now (the role hook asks; the core caches the answer)."""
        return await self.subscription(user_id) is not None

    # ------------------------------------------------------------------ invite links

    async def invite(self, user: Any) -> InviteOutcome:
        """A one-time link to the VIP channel for an active member (reused while valid).

        A member already in the channel gets none. When the bot cannot make links (no
        channel set, not an admin, missing rights) the admins are alerted and the user can
        ask again later from the VIP menu: nothing is consumed.
        """
        if await self.subscription(user.id) is None:
            return InviteOutcome("not_vip")
        settings = await self.settings()
        channel = settings.channel_id
        if channel is None:
            await self.alert_admins("vip.admin.rights_missing", once="no-channel", channel="—")
            return InviteOutcome("unavailable")
        now = self._now()
        try:
            member = await self.ctx.bot(GetChatMember(chat_id=channel, user_id=user.id))
            if _is_present(member):
                return InviteOutcome("member")
            if getattr(member, "status", None) == "kicked" and not await self._unban(
                channel, user.id
            ):
                return InviteOutcome("unavailable")
            async with self.ctx.db.session() as s:
                existing = (
                    await s.execute(
                        select(InviteLink.link, InviteLink.expires_at)
                        .where(
                            InviteLink.user_id == user.id,
                            InviteLink.chat_id == channel,
                            InviteLink.revoked_at.is_(None),
                            InviteLink.joined_at.is_(None),
                            InviteLink.expires_at > now + timedelta(minutes=5),
                        )
                        .order_by(InviteLink.id.desc())
                        .limit(1)
                    )
                ).first()
            if existing is not None:
                return InviteOutcome("link", existing.link, existing.expires_at)
            expires = now + timedelta(hours=settings.invite_link_hours)
            name = getattr(user, "full_name", None) or getattr(user, "first_name", "") or ""
            created = await self.ctx.bot(
                CreateChatInviteLink(
                    chat_id=channel,
                    name=f"VIP {name}"[:32],
                    expire_date=int(expires.timestamp()),
                    member_limit=1,
                )
            )
        except TelegramAPIError as exc:
            log.warning("cannot make a VIP invite link in %s: %r", channel, exc)
            await self.alert_admins(
                "vip.admin.rights_missing", once=f"rights:{channel}", channel=str(channel)
            )
            return InviteOutcome("unavailable")
        async with self.ctx.db.session() as s:
            s.add(
                InviteLink(
                    user_id=user.id,
                    chat_id=channel,
                    link=created.invite_link,
                    created_at=now,
                    expires_at=expires,
                )
            )
        return InviteOutcome("link", created.invite_link, expires)

    async def _unban(self, chat_id: int, user_id: int) -> bool:
        """Lift a ban left by a half-done removal so a returning member can use a link."""
        try:
            await self.ctx.bot(
                UnbanChatMember(chat_id=chat_id, user_id=user_id, only_if_banned=True)
            )
        except TelegramAPIError as exc:
            log.warning("cannot unban %s in %s: %r", user_id, chat_id, exc)
            await self.alert_admins(
                "vip.admin.restrict_rights_missing",
                once=f"restrict:{chat_id}",
                channel=str(chat_id),
            )
            return False
        return True

    async def _revoke_links(self, user_id: int, chat_id: int, *, joined: str | None) -> None:
        """Revoke every outstanding link of the user (marking the one used to join), and
        the link they joined with if it was someone else's."""
        now = self._now()
        owned = and_(InviteLink.user_id == user_id, InviteLink.chat_id == chat_id)
        async with self.ctx.db.session() as s:
            if joined:
                await s.execute(
                    update(InviteLink)
                    .where(InviteLink.link == joined, InviteLink.user_id == user_id)
                    .values(joined_at=now)
                    .execution_options(synchronize_session=False)
                )
            links = list(
                await s.scalars(
                    update(InviteLink)
                    .where(
                        or_(owned, InviteLink.link == joined) if joined else owned,
                        InviteLink.revoked_at.is_(None),
                    )
                    .values(revoked_at=now)
                    .returning(InviteLink.link)
                    .execution_options(synchronize_session=False)
                )
            )
        for link in links:
            await self._revoke_on_telegram(chat_id, link)

    async def _revoke_used_link(self, chat_id: int, link: str) -> None:
        """Revoke a link someone without a subscription joined with (a leaked one): their
        removal would free its member_limit slot for the next stranger otherwise."""
        async with self.ctx.db.session() as s:
            await s.execute(
                update(InviteLink)
                .where(
                    InviteLink.link == link,
                    InviteLink.chat_id == chat_id,
                    InviteLink.revoked_at.is_(None),
                )
                .values(revoked_at=self._now())
                .execution_options(synchronize_session=False)
            )
        # Even when the database already says revoked: the join proves Telegram does not.
        await self._revoke_on_telegram(chat_id, link)

    async def _revoke_on_telegram(self, chat_id: int, link: str) -> None:
        try:
            await self.ctx.sender(RevokeChatInviteLink(chat_id=chat_id, invite_link=link))
        except TelegramAPIError as exc:  # already revoked or rights lost: nothing to undo
            log.info("revoking %s in %s failed: %r", link, chat_id, exc)

    # ------------------------------------------------------------------ channel members

    async def on_member_update(
        self, chat_id: int, user: Any, old: Any, new: Any, invite_link: str | None
    ) -> Literal["ignored", "member", "removed", "failed"]:
        """React to a chat_member update of the VIP channel.

        A VIP who joined has their links revoked (the link did its job); anyone else who
        joined without an active subscription (a shared link, an admin's link) has the link
        they used revoked, is removed, and the admins are told (also when the removal
        failed: "failed"). Admins of the bot (ADMIN_IDS) and bots are left alone.
        """
        settings = await self.settings()
        if settings.channel_id is None or chat_id != settings.channel_id:
            return "ignored"
        if _is_present(old) or not _is_present(new) or new.status not in JOINED_STATUSES:
            return "ignored"
        if user.is_bot or user.id in self.ctx.settings.admin_ids:
            return "ignored"
        if await self.is_active(user.id):
            await self._revoke_links(user.id, chat_id, joined=invite_link)
            return "member"
        if invite_link:  # first, so that the slot the removal frees stays closed
            await self._revoke_used_link(chat_id, invite_link)
        member = getattr(user, "full_name", None) or user.first_name
        try:
            await self._ban_and_unban(chat_id, user.id)
        except TelegramAPIError as exc:
            log.warning("cannot remove %s (no subscription) from %s: %r", user.id, chat_id, exc)
            await self.alert_admins(
                "vip.admin.unauthorized_not_removed",
                member=member,
                user_id=str(user.id),
                channel=str(chat_id),
            )
            return "failed"
        await self.alert_admins(
            "vip.admin.unauthorized_removed", member=member, user_id=str(user.id)
        )
        log.warning("removed %s from the VIP channel: no active subscription", user.id)
        return "removed"

    async def _ban_and_unban(self, chat_id: int, user_id: int) -> None:
        """Ban then unban (only if banned): out of the channel, free to come back later.
        Raises what Telegram raised; the caller decides what a failure means."""
        await self.ctx.sender(BanChatMember(chat_id=chat_id, user_id=user_id))
        await self.ctx.sender(
            UnbanChatMember(chat_id=chat_id, user_id=user_id, only_if_banned=True)
        )

    # ------------------------------------------------------------------ admins

    async def alert_admins(self, key: str, *, once: str | None = None, **context: Any) -> None:
        """Tell the admins listed in ADMIN_IDS (the plugin does not depend on the admin
        plugin's own list of admins). `once` deduplicates an alert for the cache TTL."""
        if once is not None:
            if await self.ctx.cache.get(CACHE_ALERTS, once) is not None:
                return
            await self.ctx.cache.set(CACHE_ALERTS, once, True)
        for admin_id in self.ctx.settings.admin_ids:
            text = await self.ctx.voice.say(key, user=await self._user(admin_id), **context)
            try:
                await self.ctx.sender(SendMessage(chat_id=admin_id, text=text))
            except TelegramAPIError as exc:
                log.warning("cannot alert admin %s: %r", admin_id, exc)

    async def _user(self, user_id: int) -> Any:
        """The core's record of a user (first name, language) for the voice, if known."""
        async with self.ctx.db.session() as s:
            return await s.get(User, user_id)

    # ------------------------------------------------------------------ jobs

    async def _claim(self, due: Any, batch: int, lease_seconds: int) -> tuple[str, list[Any]]:
        """Lease up to `batch` due subscriptions to this replica (see the module docstring)."""
        now = self._now()
        lease = uuid.uuid4().hex
        free = or_(Subscription.claimed_until.is_(None), Subscription.claimed_until <= now)
        ids = (
            select(Subscription.user_id)
            .where(due, free)
            .order_by(Subscription.ends_at)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
        async with self.ctx.db.session() as s:
            rows = (
                await s.execute(
                    update(Subscription)
                    .where(Subscription.user_id.in_(ids), due, free)
                    .values(claimed_by=lease, claimed_until=now + timedelta(seconds=lease_seconds))
                    .returning(Subscription.user_id, Subscription.plan_id, Subscription.ends_at)
                    .execution_options(synchronize_session=False)
                )
            ).all()
        return lease, rows

    async def _finish(self, user_id: int, lease: str, **values: Any) -> bool:
        """Mark a claimed row done, only if this replica still holds its lease."""
        async with self.ctx.db.session() as s:
            result = await s.execute(
                update(Subscription)
                .where(Subscription.user_id == user_id, Subscription.claimed_by == lease)
                .values(claimed_by=None, claimed_until=None, **values)
                .execution_options(synchronize_session=False)
            )
            return bool(result.rowcount)

    async def _back_off(self, user_id: int, lease: str, seconds: int) -> None:
        """Give a claimed row back with a next-attempt time (see the module docstring)."""
        async with self.ctx.db.session() as s:
            await s.execute(
                update(Subscription)
                .where(Subscription.user_id == user_id, Subscription.claimed_by == lease)
                .values(claimed_by=None, claimed_until=self._now() + timedelta(seconds=seconds))
                .execution_options(synchronize_session=False)
            )

    def _reminder_due(self, settings: Any) -> Any:
        now = self._now()
        return and_(
            Subscription.expired_at.is_(None),
            Subscription.reminded_at.is_(None),
            Subscription.ends_at > now,
            Subscription.ends_at <= now + timedelta(hours=settings.reminder_hours),
        )

    def _expiry_due(self) -> Any:
        return and_(Subscription.expired_at.is_(None), Subscription.ends_at <= self._now())

    async def claim_reminders(self) -> tuple[str, list[Any]]:
        """Lease the subscriptions whose reminder is due."""
        settings = await self.settings()
        return await self._claim(
            self._reminder_due(settings), settings.job_batch, settings.lease_seconds
        )

    async def claim_expiries(self) -> tuple[str, list[Any]]:
        """Lease the subscriptions that have ended."""
        settings = await self.settings()
        return await self._claim(self._expiry_due(), settings.job_batch, settings.lease_seconds)

    async def queue_depths(self) -> dict[str, int]:
        """Rows each job would take now (diagnostics shows them beside the jobs)."""
        settings = await self.settings()
        async with self.ctx.db.session() as s:
            reminders = await s.scalar(
                select(func.count()).select_from(Subscription).where(self._reminder_due(settings))
            )
            expiries = await s.scalar(
                select(func.count()).select_from(Subscription).where(self._expiry_due())
            )
        return {"vip.reminders": int(reminders or 0), "vip.expiry": int(expiries or 0)}

    async def send_reminders(self) -> int:
        """Remind every member whose subscription ends within `reminder_hours`; count sent."""
        sent = 0
        settings = await self.settings()
        if settings.reminder_hours <= 0:
            return 0
        while True:
            lease, rows = await self.claim_reminders()
            settled = 0
            for row in rows:
                user = await self._user(row.user_id)
                text = await self.ctx.voice.say(
                    "vip.reminder",
                    user=user,
                    days_left=days_left(row.ends_at, self._now()),
                    end_date=row.ends_at,
                )
                if await self._deliver(row.user_id, text, None):
                    await self._finish(row.user_id, lease, reminded_at=self._now())
                    sent += 1
                    settled += 1
                else:
                    await self._back_off(row.user_id, lease, settings.retry_seconds)
            if len(rows) < settings.job_batch or not settled:
                return sent

    async def expire_subscriptions(self, farewell_markup: Any = None) -> int:
        """Remove every member whose subscription ended, say farewell; count expired."""
        done = 0
        settings = await self.settings()
        channel = settings.channel_id
        while True:
            lease, rows = await self.claim_expiries()
            settled = 0
            for row in rows:
                outcome, links = await self._expire_one(row.user_id, lease, channel)
                if outcome == "retry":
                    await self._back_off(row.user_id, lease, settings.retry_seconds)
                    continue
                settled += 1
                if outcome == "expired":
                    assert channel is not None
                    done += 1
                    await self._after_expiry(
                        row.user_id, row.plan_id, channel, links, farewell_markup
                    )
            if len(rows) < settings.job_batch or not settled:
                return done

    async def _expire_one(
        self, user_id: int, lease: str, channel: int | None
    ) -> tuple[Literal["expired", "renewed", "retry"], list[str]]:
        """Remove one claimed member and mark the row expired, atomically (module docstring).

        "expired" comes with the member's links it marked revoked (to revoke on Telegram);
        "renewed": the row is no longer ours or no longer ended (a redemption won the race);
        "retry": there is no channel or Telegram refused; the row stays unexpired.
        """
        if channel is None:
            log.warning("VIP subscription of %s ended but no VIP channel is set", user_id)
            await self.alert_admins("vip.admin.no_channel", once="no-channel:expiry")
            return "retry", []
        now = self._now()
        try:
            async with self.ctx.db.session() as s:
                locked = await s.scalar(
                    update(Subscription)
                    .where(
                        Subscription.user_id == user_id,
                        Subscription.claimed_by == lease,
                        Subscription.expired_at.is_(None),
                        Subscription.ends_at <= now,
                    )
                    .values(expired_at=now, claimed_by=None, claimed_until=None)
                    .returning(Subscription.user_id)
                    .execution_options(synchronize_session=False)
                )
                if locked is None:
                    return "renewed", []
                try:
                    await self._ban_and_unban(channel, user_id)
                except Exception as exc:
                    raise _RemovalFailed(exc) from exc  # rolls the mark back
                # Under the same lock: a renewal waiting for it makes its new link after.
                links = list(
                    await s.scalars(
                        update(InviteLink)
                        .where(
                            InviteLink.user_id == user_id,
                            InviteLink.chat_id == channel,
                            InviteLink.revoked_at.is_(None),
                        )
                        .values(revoked_at=now)
                        .returning(InviteLink.link)
                        .execution_options(synchronize_session=False)
                    )
                )
        except _RemovalFailed as failure:
            log.warning("cannot remove %s from %s, will retry: %r", user_id, channel, failure)
            await self.alert_admins(
                "vip.admin.restrict_rights_missing",
                once=f"restrict:{channel}",
                channel=str(channel),
            )
            return "retry", []
        return "expired", links

    async def _after_expiry(
        self, user_id: int, plan_id: int, channel: int, links: list[str], farewell_markup: Any
    ) -> None:
        """After a committed expiry: revoke the leftover links on Telegram, drop the role,
        say farewell (unless the member renewed meanwhile). Failures here are only logged."""
        for link in links:
            await self._revoke_on_telegram(channel, link)
        await self.ctx.invalidate_role(user_id)
        if await self.is_active(user_id):
            return
        plan = await self.get_plan(plan_id)
        user = await self._user(user_id)
        text = await self.ctx.voice.say("vip.expired", user=user, plan=plan.name if plan else "")
        markup = await farewell_markup(user) if farewell_markup else None
        await self._deliver(user_id, text, markup)

    async def _deliver(self, user_id: int, text: str, markup: InlineKeyboardMarkup | None) -> bool:
        """Send one job message; False when it failed in a way a later attempt may fix.

        A user who blocked the bot or cannot be written to counts as done (retrying cannot
        help); any other failure (Telegram down, 429 after the sender's retries) is False.
        """
        try:
            await self.ctx.sender(SendMessage(chat_id=user_id, text=text, reply_markup=markup))
        except (TelegramForbiddenError, TelegramBadRequest) as exc:
            log.info("vip message to %s not delivered: %r", user_id, exc)
        except Exception as exc:
            log.warning("vip message to %s failed: %r", user_id, exc)
            return False
        return True

    async def revoke_expired_links(self) -> int:
        """Revoke links that expired unused (they are dead anyway; this tidies the chat)."""
        now = self._now()
        ids = (
            select(InviteLink.id)
            .where(InviteLink.revoked_at.is_(None), InviteLink.expires_at <= now)
            .limit(200)
            .with_for_update(skip_locked=True)
        )
        async with self.ctx.db.session() as s:
            rows = (
                await s.execute(
                    update(InviteLink)
                    .where(InviteLink.id.in_(ids), InviteLink.revoked_at.is_(None))
                    .values(revoked_at=now)
                    .returning(InviteLink.chat_id, InviteLink.link)
                    .execution_options(synchronize_session=False)
                )
            ).all()
        for row in rows:
            await self._revoke_on_telegram(row.chat_id, row.link)
        return len(rows)

    async def counts(self) -> dict[str, int]:
        """Active subscriptions and redeemable tokens (health and diagnostics)."""
        now = self._now()
        async with self.ctx.db.session() as s:
            active = await s.scalar(
                select(func.count())
                .select_from(Subscription)
                .where(Subscription.expired_at.is_(None), Subscription.ends_at > now)
            )
            tokens = await s.scalar(
                select(func.count())
                .select_from(Token)
                .where(
                    Token.redeemed_by.is_(None), Token.revoked_at.is_(None), Token.expires_at > now
                )
            )
        return {"active_subscriptions": int(active or 0), "redeemable_tokens": int(tokens or 0)}


class _RemovalFailed(Exception):
    """Raised inside the expiry transaction when Telegram refused, to roll it back."""


def _is_present(member: Any) -> bool:
    """Whether a ChatMember is in the chat (restricted members may or may not be)."""
    status = getattr(member, "status", None)
    if status in ("creator", "administrator", "member"):
        return True
    return status == "restricted" and bool(getattr(member, "is_member", False))


__all__ = [
    "InviteOutcome",
    "PlanView",
    "RedeemResult",
    "SubscriptionView",
    "TokenRow",
    "VipService",
    "VipSettings",
]
