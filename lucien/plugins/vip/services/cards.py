"""The VIP part of an admin's user card: what it shows, and three of its actions (grant,
extend, revoke; the fourth, expel from the VIP channel, is `expel.py`).

Each action is confirmed by a second press whose button carries the card's `version`:
a fingerprint of what the admin saw (the subscription and the latest VIP audit entry
about the user). The action re-reads it under the subscription's row lock, inside its
own write transaction, and does nothing when it differs: a confirm pressed twice, or
after another admin, a redemption or the expiry job changed the user, is stale. The
change, its audit entry (before and after) and the Telegram calls it causes (the user's
messages, the channel removal) commit together; the outbox makes the calls.

A grant opens for the user what a redemption does (tokens.py): the entry ritual
(`ritual.py`), its first stage sent in the grant's own transaction; the link comes at
its third stage. A revocation closes a ritual under way.
"""

from __future__ import annotations

import uuid
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any, Literal

from aiogram.methods import RevokeChatInviteLink, SendMessage
from sqlalchemy import func, select, update

from lucien.core.db.models import AuditEntry
from lucien.core.outbox import OutboxCall
from lucien.plugins.vip.models import InviteLink, Plan, Subscription, SubscriptionEvent, Token
from lucien.plugins.vip.services.common import PLUGIN, VipPart, days_left, expiry_key
from lucien.plugins.vip.services.expiry import removal_calls
from lucien.plugins.vip.services.membership import Membership
from lucien.plugins.vip.services.periods import end_period, locked_subscription, start_or_extend
from lucien.plugins.vip.services.ritual import close_ritual, open_ritual

# The card shows at most 8 lines per section (the admin plugin's cap): the status, the
# history's heading and latest 3 (the rest behind "Whole history"), the invitations'
# count and latest 2.
HISTORY_ON_CARD = 3
TOKENS_ON_CARD = 2
# ok: done (an expulsion: Telegram confirmed it); waiting: an expulsion queued, Telegram
# has not answered yet; refused: Telegram refused it; the others say why nothing was done.
ActionStatus = Literal[
    "ok",
    "stale",
    "not_vip",
    "already_vip",
    "no_plan",
    "no_channel",
    "privileged",
    "absent",
    "waiting",
    "refused",
]


class StaleConfirmation(Exception):
    """The card changed since the confirmation was shown: nothing is done (rolled back)."""


@dataclass(frozen=True)
class HistoryRow:
    """One line of the subscription history (`plan` None: days without a plan)."""

    at: datetime
    kind: str
    source: str
    plan: str | None
    days: int | None
    ends_at: datetime | None


@dataclass(frozen=True)
class CardView:
    """What the card shows of a user's VIP side, and the version its buttons carry."""

    user_id: int
    active: bool
    plan: str | None
    ends_at: datetime | None
    days_left: int
    version: int
    history: list[HistoryRow] = field(default_factory=list)
    more_history: bool = False
    tokens_redeemed: int = 0
    tokens: list[tuple[str, str, datetime]] = field(default_factory=list)  # code, plan, when

    @property
    def known(self) -> bool:
        """Whether the user ever was VIP."""
        return self.ends_at is not None


@dataclass(frozen=True)
class ActionResult:
    """What an action did: `ok` with the new end (grant, extend), or why it did nothing."""

    status: ActionStatus
    ends_at: datetime | None = None
    key: str = ""  # the outbox row of the user's message


def _version(audit_id: int | None, sub: Any) -> int:
    """The card's fingerprint: 31 bits, small enough for callback data."""
    state = "none" if sub is None else f"{sub.plan_id}|{sub.ends_at}|{sub.expired_at}"
    return zlib.crc32(f"{audit_id or 0}|{state}".encode()) & 0x7FFFFFFF


def snapshot(sub: Any, now: datetime) -> dict[str, Any]:
    """A subscription as the audit log keeps it (before / after)."""
    if sub is None:
        return {"vip": False}
    return {
        "vip": sub.expired_at is None and sub.ends_at > now,
        "plan_id": sub.plan_id,
        "ends_at": sub.ends_at.isoformat(),
    }


class Cards(VipPart):
    """The card's facts and actions."""

    def __init__(self, ctx: Any, membership: Membership) -> None:
        super().__init__(ctx)
        self.membership = membership

    # ------------------------------------------------------------------ reading

    async def card(self, user_id: int, history: int = HISTORY_ON_CARD) -> CardView:
        """The user's VIP facts for the card (a fixed handful of statements)."""
        now = self._now()
        async with self.ctx.db.session(readonly=True) as s:
            row = (
                await s.execute(
                    select(Subscription, Plan.name)
                    .outerjoin(Plan, Plan.id == Subscription.plan_id)
                    .where(Subscription.user_id == user_id)
                )
            ).first()
            version = _version(await self._last_audit(s, user_id), row[0] if row else None)
            events = await self._events(s, user_id, history + 1, 0)
            count = await s.scalar(
                select(func.count()).select_from(Token).where(Token.redeemed_by == user_id)
            )
            tokens = (
                await s.execute(
                    select(Token.code, Plan.name, Token.redeemed_at)
                    .join(Plan, Plan.id == Token.plan_id)
                    .where(Token.redeemed_by == user_id)
                    .order_by(Token.redeemed_at.desc(), Token.id.desc())
                    .limit(TOKENS_ON_CARD)
                )
            ).all()
        sub, plan = (row[0], row[1]) if row else (None, None)
        active = sub is not None and sub.expired_at is None and sub.ends_at > now
        return CardView(
            user_id=user_id,
            active=active,
            plan=plan,
            ends_at=sub.ends_at if sub else None,
            days_left=days_left(sub.ends_at, now) if active and sub else 0,
            version=version,
            history=events[:history],
            more_history=len(events) > history,
            tokens_redeemed=int(count or 0),
            tokens=[(t.code, t.name, t.redeemed_at) for t in tokens],
        )

    async def history(self, user_id: int, limit: int, offset: int) -> list[HistoryRow]:
        """A page of the user's history, newest first."""
        async with self.ctx.db.session(readonly=True) as s:
            return await self._events(s, user_id, limit, offset)

    async def history_count(self, user_id: int) -> int:
        """How many history rows the user has."""
        async with self.ctx.db.session(readonly=True) as s:
            found = await s.scalar(
                select(func.count())
                .select_from(SubscriptionEvent)
                .where(SubscriptionEvent.user_id == user_id)
            )
        return int(found or 0)

    @staticmethod
    async def _events(s: Any, user_id: int, limit: int, offset: int) -> list[HistoryRow]:
        rows = await s.execute(
            select(SubscriptionEvent, Plan.name)
            .outerjoin(Plan, Plan.id == SubscriptionEvent.plan_id)
            .where(SubscriptionEvent.user_id == user_id)
            .order_by(SubscriptionEvent.at.desc(), SubscriptionEvent.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return [
            HistoryRow(e.at, e.kind, e.source, name, e.days, e.ends_at) for e, name in rows.all()
        ]

    @staticmethod
    async def _last_audit(s: Any, user_id: int) -> int | None:
        found: int | None = await s.scalar(
            select(func.max(AuditEntry.id)).where(
                AuditEntry.target_id == user_id, AuditEntry.plugin == PLUGIN
            )
        )
        return found

    async def check(self, s: Any, user_id: int, version: int) -> Subscription | None:
        """Lock the row and compare the card with what the admin confirmed (raises
        `StaleConfirmation` when they differ); the subscription, if any."""
        sub = await locked_subscription(s, user_id)
        if _version(await self._last_audit(s, user_id), sub) != version:
            raise StaleConfirmation
        return sub

    # ------------------------------------------------------------------ actions

    async def grant(
        self,
        admin_id: int,
        user_id: int,
        version: int,
        *,
        plan_id: int | None = None,
        days: int | None = None,
        welcome: str,
        markup: Any = None,
        ritual: int,
    ) -> ActionResult:
        """Make a user who is not VIP now a member for a plan's days or for `days` without
        a plan, and open their entry ritual `ritual` (its nonce): `welcome` and `markup`,
        rendered by the caller, are its first stage. A user VIP already is refused
        (`already_vip`): days are added with `extend`."""
        now = self._now()
        key = f"vip.grant:{user_id}:{uuid.uuid4().hex[:12]}"
        try:
            async with self.ctx.db.session() as s:
                sub = await self.check(s, user_id, version)
                if sub is not None and sub.expired_at is None and sub.ends_at > now:
                    return ActionResult("already_vip")  # Extend adds days to a running one
                before = snapshot(sub, now)
                if plan_id is not None:
                    plan = await s.get(Plan, plan_id)
                    if plan is None or plan.archived_at is not None:
                        return ActionResult("no_plan")
                    days = plan.days
                assert days is not None
                change = await start_or_extend(
                    self.ctx,
                    s,
                    user_id=user_id,
                    plan_id=plan_id,
                    days=days,
                    now=now,
                    source="admin",
                    actor_id=admin_id,
                )
                after = {"vip": True, "plan_id": change.plan_id, "ends_at": change.ends_at}
                await self.audit(s, admin_id, "vip.grant", user_id, before, after, days=days)
                await open_ritual(s, user_id, ritual, "admin", now)
                await self.ctx.outbox.add(
                    s,
                    SendMessage(chat_id=user_id, text=welcome, reply_markup=markup),
                    key=key,
                    plugin=PLUGIN,
                )
        except StaleConfirmation:
            return ActionResult("stale")
        await self.ctx.invalidate_role(user_id)
        await self.ctx.outbox.send_now(key)
        return ActionResult("ok", change.ends_at, key)

    async def target(self, user_id: int) -> Any:
        """The user as the voice and the link need them: the core's record, or a bare id
        for one the bot never saw."""
        return await self._user(user_id) or SimpleNamespace(
            id=user_id, first_name="", language_code=None
        )

    async def extend(
        self, admin_id: int, user_id: int, version: int, *, days: int, notice: str
    ) -> ActionResult:
        """Add `days` to a running period, keeping its plan; the user is told (`notice`)."""
        now = self._now()
        key = f"vip.extend:{user_id}:{uuid.uuid4().hex[:12]}"
        try:
            async with self.ctx.db.session() as s:
                sub = await self.check(s, user_id, version)
                if sub is None or sub.expired_at is not None or sub.ends_at <= now:
                    return ActionResult("not_vip")
                before = snapshot(sub, now)
                change = await start_or_extend(
                    self.ctx,
                    s,
                    user_id=user_id,
                    plan_id=None,
                    days=days,
                    now=now,
                    source="admin",
                    actor_id=admin_id,
                )
                after = {"vip": True, "plan_id": change.plan_id, "ends_at": change.ends_at}
                await self.audit(s, admin_id, "vip.extend", user_id, before, after, days=days)
                await self.ctx.outbox.add(
                    s,
                    OutboxCall(SendMessage(chat_id=user_id, text=notice), optional=True),
                    key=key,
                    plugin=PLUGIN,
                )
        except StaleConfirmation:
            return ActionResult("stale")
        await self.ctx.outbox.send_now(key)
        return ActionResult("ok", change.ends_at)

    async def revoke(
        self, admin_id: int, user_id: int, version: int, *, farewell: str
    ) -> ActionResult:
        """End a running period now: out of the VIP channel (ban then unban), leftover
        links revoked, told politely (`farewell`)."""
        channel = (await self.settings()).channel_id
        now = self._now()
        try:
            async with self.ctx.db.session() as s:
                sub = await self.check(s, user_id, version)
                if sub is None or sub.expired_at is not None or sub.ends_at <= now:
                    return ActionResult("not_vip")
                before = snapshot(sub, now)
                end_period(s, sub, now, "revoke", admin_id)
                await close_ritual(s, user_id, now)
                await self.audit(s, admin_id, "vip.revoke", user_id, before, snapshot(sub, now))
                calls: list[Any] = []
                if channel is not None:
                    calls += removal_calls(channel, user_id)
                    calls += [
                        OutboxCall(
                            RevokeChatInviteLink(chat_id=channel, invite_link=link), optional=True
                        )
                        for link in await self._close_links(s, user_id, channel, now)
                    ]
                calls.append(OutboxCall(SendMessage(chat_id=user_id, text=farewell), optional=True))
                # The key of an expiry's removal: a later grant or token cancels what is left.
                key = expiry_key(user_id, sub.ends_at)
                await self.ctx.outbox.add(s, *calls, key=key, plugin=PLUGIN)
        except StaleConfirmation:
            return ActionResult("stale")
        await self.ctx.invalidate_role(user_id)
        await self.ctx.outbox.send_now(key)
        return ActionResult("ok", now)

    async def _close_links(self, s: Any, user_id: int, channel: int, now: datetime) -> list[str]:
        return list(
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

    async def audit(
        self,
        s: Any,
        admin_id: int,
        action: str,
        user_id: int,
        before: dict[str, Any],
        after: dict[str, Any],
        **extra: Any,
    ) -> None:
        """One VIP audit entry about `user_id` in the open transaction (`extra` joins
        `after`); dates written as ISO text."""

        def plain(d: dict[str, Any]) -> dict[str, Any]:
            return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in d.items()}

        await self.ctx.audit.record(
            s,
            actor_id=admin_id,
            plugin=PLUGIN,
            action=action,
            target_id=user_id,
            before=plain(before),
            after=plain({**after, **extra}),
        )

    def ends_after(self, view: CardView, days: int) -> datetime:
        """When a grant or extension of `days` confirmed now would end (for the prompt)."""
        now = self._now()
        start = view.ends_at if view.active and view.ends_at else now
        return start + timedelta(days=days)
