"""VIP background jobs: reminders before the end, expiry at the end, stale link cleanup.

These are what `lucien_jobs` runs on every replica, so each row must be handled once.

Job safety (reminders and expiry): a replica claims due rows with one
`UPDATE ... WHERE user_id IN (SELECT ... FOR UPDATE SKIP LOCKED LIMIT n)` that writes a
lease (`claimed_by`, `claimed_until`) and commits; then, for each row, one transaction
marks it done (`reminded_at` / `expired_at`) only if this replica still holds the lease
and writes the Telegram calls that follow to the core's outbox. The outbox makes them
after the commit, each once (only a call in flight at a crash may be repeated), and
retries them when Telegram fails. A replica that crashes after claiming leaves a lease
that runs out, and another replica takes the row: nobody is skipped, nothing doubles.

Expiry: the transaction that marks the row expired (it locks the row on PostgreSQL, the
database on SQLite) queues one outbox row: ban, unban (only if banned), the revocation
of the member's leftover links, the farewell (for a member still in the entry ritual,
the ritual's closing line instead, and the ritual closed in the same transaction). A member already gone counts as removed; a
removal Telegram refuses (the bot lost the right to ban) waits for an admin and is tried
again, and the admins are told (`on_outbox_failure`). A redemption racing the expiry
either took the lease back first (the expiry leaves the member alone) or comes after the
commit: it cancels the removal if no call of it was made yet, else drops the farewell
and hands the member a link back (see tokens.redeem and membership.invite).

A row without a VIP channel to remove the member from is given back with a next-attempt
time: `claimed_by` NULL and `claimed_until` `retry_seconds` ahead, so no replica claims it
again before then. A pass that settles no row ends the run.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal, cast

from aiogram.methods import BanChatMember, RevokeChatInviteLink, SendMessage, UnbanChatMember
from sqlalchemy import and_, func, or_, select, update

from lucien.core.outbox import OutboxCall, OutboxFailure
from lucien.plugins.vip.models import InviteLink, Subscription
from lucien.plugins.vip.services.common import (
    EXPEL_PREFIX,
    PLUGIN,
    VipPart,
    VipSettings,
    days_left,
    expiry_key,
    log,
)
from lucien.plugins.vip.services.periods import event
from lucien.plugins.vip.services.ritual import Rituals, close_ritual

if TYPE_CHECKING:
    from sqlalchemy import CursorResult

    from lucien.core.context import AppContext
    from lucien.plugins.vip.services.membership import Membership
    from lucien.plugins.vip.services.plans import Plans


# Telegram's answers to a ban or unban that mean the member is not there to remove (or
# cannot be: the channel's owner and admins stay), so the removal is done.
GONE = (
    "USER_NOT_PARTICIPANT",
    "PARTICIPANT_ID_INVALID",
    "user not found",
    "can't remove chat owner",
    "user is an administrator",
)
# Answers an admin can fix (give the bot its rights back): the outbox waits and retries.
NEEDS_RIGHTS = (
    "not enough rights",
    "CHAT_ADMIN_REQUIRED",
    "need administrator rights",
    "bot is not a member",
    "bot was kicked",
    "chat not found",
)


def removal_calls(channel: int, user_id: int) -> list[OutboxCall]:
    """Ban then unban (only if banned): out of the channel, free to come back later."""
    return [
        OutboxCall(
            BanChatMember(chat_id=channel, user_id=user_id),
            ok_errors=GONE,
            retry_errors=NEEDS_RIGHTS,
        ),
        OutboxCall(
            UnbanChatMember(chat_id=channel, user_id=user_id, only_if_banned=True),
            ok_errors=GONE,
            retry_errors=NEEDS_RIGHTS,
        ),
    ]


class ExpiryJobs(VipPart):
    """The reminder, expiry and link cleanup jobs, and the queue depths they report."""

    def __init__(
        self, ctx: AppContext, plans: Plans, membership: Membership, rituals: Rituals
    ) -> None:
        super().__init__(ctx)
        self.plans = plans
        self.membership = membership
        self.rituals = rituals

    # ------------------------------------------------------------------ leases

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
        return lease, list(rows)

    async def _finish(
        self, user_id: int, lease: str, *calls: Any, key: str = "", **values: Any
    ) -> bool:
        """Mark a claimed row done, only if this replica still holds its lease; `calls`
        go to the outbox under `key` in the same transaction."""
        async with self.ctx.db.session() as s:
            # An UPDATE's result is a CursorResult: rowcount 0 when the lease was lost.
            result = cast(
                "CursorResult[Any]",
                await s.execute(
                    update(Subscription)
                    .where(Subscription.user_id == user_id, Subscription.claimed_by == lease)
                    .values(claimed_by=None, claimed_until=None, **values)
                    .execution_options(synchronize_session=False)
                ),
            )
            if result.rowcount and calls:
                await self.ctx.outbox.add(s, *calls, key=key, plugin=PLUGIN)
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

    def _reminder_due(self, settings: VipSettings) -> Any:
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
        async with self.ctx.db.session(readonly=True) as s:
            reminders = await s.scalar(
                select(func.count()).select_from(Subscription).where(self._reminder_due(settings))
            )
            expiries = await s.scalar(
                select(func.count()).select_from(Subscription).where(self._expiry_due())
            )
        return {"vip.reminders": int(reminders or 0), "vip.expiry": int(expiries or 0)}

    # ------------------------------------------------------------------ the jobs

    async def send_reminders(self) -> int:
        """Remind every member whose subscription ends within `reminder_hours`; the number
        of reminders queued (each marked and queued in one transaction)."""
        queued = 0
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
                reminder = SendMessage(chat_id=row.user_id, text=text)
                key = f"vip.reminder:{row.user_id}:{int(row.ends_at.timestamp())}"
                if await self._finish(
                    row.user_id, lease, reminder, key=key, reminded_at=self._now()
                ):
                    queued += 1
                    settled += 1
            if len(rows) < settings.job_batch or not settled:
                return queued

    async def expire_subscriptions(self, farewell_markup: Any = None) -> int:
        """Close every subscription that ended and queue the member's removal and farewell;
        the number expired."""
        done = 0
        settings = await self.settings()
        channel = settings.channel_id
        while True:
            lease, rows = await self.claim_expiries()
            settled = 0
            for row in rows:
                outcome = await self._expire_one(row, lease, channel, farewell_markup)
                if outcome == "retry":
                    await self._back_off(row.user_id, lease, settings.retry_seconds)
                    continue
                settled += 1
                if outcome == "expired":
                    done += 1
                    await self.ctx.invalidate_role(row.user_id)
            if len(rows) < settings.job_batch or not settled:
                return done

    async def _expire_one(
        self, row: Any, lease: str, channel: int | None, farewell_markup: Any
    ) -> Literal["expired", "renewed", "retry"]:
        """Mark one claimed subscription expired and queue its removal, atomically.

        "renewed": the row is no longer ours or no longer ended (a redemption won the
        race); "retry": there is no channel yet.
        """
        user_id = row.user_id
        if channel is None:
            log.warning("VIP subscription of %s ended but no VIP channel is set", user_id)
            await self.alert_admins("vip.admin.no_channel", once="no-channel:expiry")
            return "retry"
        # Rendered before the transaction: the voice and the keyboard read on their own.
        user = await self._user(user_id)
        if await self.rituals.is_open(user_id):
            # Ended before the member crossed: the ritual's closing line, nothing more.
            text, markup = await self.ctx.voice.say("vip.ritual.closed", user=user), None
        else:
            plan = await self.plans.get_plan(row.plan_id) if row.plan_id is not None else None
            courtesy = await self.ctx.voice.say("vip.plan.courtesy", user=user)
            text = await self.ctx.voice.say(
                "vip.expired", user=user, plan=plan.name if plan else courtesy
            )
            markup = await farewell_markup(user) if farewell_markup else None
        now = self._now()
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
                return "renewed"
            s.add(event(user_id, now, "end", "expiry", plan_id=row.plan_id, ends_at=row.ends_at))
            await close_ritual(s, user_id, now)
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
            await self.ctx.outbox.add(
                s,
                *removal_calls(channel, user_id),
                *(
                    OutboxCall(
                        RevokeChatInviteLink(chat_id=channel, invite_link=link), optional=True
                    )
                    for link in links
                ),
                OutboxCall(
                    SendMessage(chat_id=user_id, text=text, reply_markup=markup), optional=True
                ),
                key=expiry_key(user_id, row.ends_at),
                plugin=PLUGIN,
            )
        return "expired"

    async def on_outbox_failure(self, failure: OutboxFailure) -> None:
        """A removal Telegram refused (the bot lost the right to ban): tell the admins, once
        per channel and window; the outbox tries again later."""
        method = failure.method
        if not failure.refused or not isinstance(method, BanChatMember | UnbanChatMember):
            return
        if failure.key.startswith(EXPEL_PREFIX):  # an admin's expulsion: expel.py says it
            return
        log.warning("cannot remove %s from %s: %s", method.user_id, method.chat_id, failure.error)
        await self.alert_admins(
            "vip.admin.restrict_rights_missing",
            once=f"restrict:{method.chat_id}",
            channel=str(method.chat_id),
        )

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
            await self.membership.revoke_on_telegram(row.chat_id, row.link)
        return len(rows)
