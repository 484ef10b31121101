"""VIP background jobs: reminders before the end, expiry at the end, stale link cleanup.

These are what `lucien_jobs` runs on every replica, so each row must be handled once.

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

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal, cast

from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.methods import SendMessage
from aiogram.types import InlineKeyboardMarkup
from sqlalchemy import and_, func, or_, select, update

from lucien.plugins.vip.models import InviteLink, Subscription
from lucien.plugins.vip.services.common import VipPart, VipSettings, days_left, log

if TYPE_CHECKING:
    from sqlalchemy import CursorResult

    from lucien.core.context import AppContext
    from lucien.plugins.vip.services.membership import Membership
    from lucien.plugins.vip.services.plans import Plans


class _RemovalFailed(Exception):
    """Raised inside the expiry transaction when Telegram refused, to roll it back."""


class ExpiryJobs(VipPart):
    """The reminder, expiry and link cleanup jobs, and the queue depths they report."""

    def __init__(self, ctx: AppContext, plans: Plans, membership: Membership) -> None:
        super().__init__(ctx)
        self.plans = plans
        self.membership = membership

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

    async def _finish(self, user_id: int, lease: str, **values: Any) -> bool:
        """Mark a claimed row done, only if this replica still holds its lease."""
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
                    await self.membership.ban_and_unban(channel, user_id)
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
            await self.membership.revoke_on_telegram(channel, link)
        await self.ctx.invalidate_role(user_id)
        if await self.membership.is_active(user_id):
            return
        plan = await self.plans.get_plan(plan_id)
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
            await self.membership.revoke_on_telegram(row.chat_id, row.link)
        return len(rows)
