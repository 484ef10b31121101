"""VIP membership: the member's subscription, their one-time channel links, and the
VIP channel's chat_member updates (who may stay, who is removed).

A link is made for an active member only, reused while it is valid, and revoked once the
member has joined with it. Anyone who joins without an active subscription is removed and
the link they used is revoked (a leaked link must not keep letting strangers in).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from aiogram.exceptions import TelegramAPIError
from aiogram.methods import (
    BanChatMember,
    CreateChatInviteLink,
    GetChatMember,
    RevokeChatInviteLink,
    UnbanChatMember,
)
from sqlalchemy import and_, func, or_, select, update

from lucien.plugins.vip.models import InviteLink, Plan, Subscription, Token
from lucien.plugins.vip.services.common import VipPart, days_left, expiry_prefix, log
from lucien.plugins.vip.services.ritual import finish_ritual

InviteStatus = Literal["link", "member", "not_vip", "unavailable"]
JOINED_STATUSES = frozenset({"member", "restricted"})


@dataclass(frozen=True)
class SubscriptionView:
    """A member's active subscription (`plan` "" for days granted without a plan, whose
    `plan_days` is None)."""

    user_id: int
    plan: str
    ends_at: datetime
    days_left: int
    plan_days: int | None = None


@dataclass(frozen=True)
class InviteOutcome:
    """The result of asking for the channel link."""

    status: InviteStatus
    link: str = ""
    expires_at: datetime | None = None


def _is_present(member: Any) -> bool:
    """Whether a ChatMember is in the chat (restricted members may or may not be)."""
    status = getattr(member, "status", None)
    if status in ("creator", "administrator", "member"):
        return True
    return status == "restricted" and bool(getattr(member, "is_member", False))


class Membership(VipPart):
    """Subscriptions as members see them, invite links, and the channel's door."""

    async def subscription(self, user_id: int) -> SubscriptionView | None:
        """The user's active subscription, or None."""
        now = self._now()
        async with self.ctx.db.session(readonly=True) as s:
            row = (
                await s.execute(
                    select(Subscription.ends_at, Plan.name, Plan.days)
                    .outerjoin(Plan, Plan.id == Subscription.plan_id)
                    .where(
                        Subscription.user_id == user_id,
                        Subscription.expired_at.is_(None),
                        Subscription.ends_at > now,
                    )
                )
            ).first()
        if row is None:
            return None
        return SubscriptionView(
            user_id, row.name or "", row.ends_at, days_left(row.ends_at, now), row.days
        )

    async def is_active(self, user_id: int) -> bool:
        """Whether the user is VIP now (the role hook asks; the core caches the answer)."""
        return await self.subscription(user_id) is not None

    async def was_member(self, user_id: int) -> bool:
        """Whether the user ever had a period (a "Renew" means something to them)."""
        async with self.ctx.db.session(readonly=True) as s:
            found = await s.scalar(
                select(Subscription.user_id).where(Subscription.user_id == user_id)
            )
        return found is not None

    async def present(self, user_id: int) -> bool:
        """Whether the user is inside the VIP channel to stay (Telegram is asked; no
        channel, a failed question or a removal under way count as not inside)."""
        channel = (await self.settings()).channel_id
        if channel is None:
            return False
        try:
            member = await self.ctx.bot(GetChatMember(chat_id=channel, user_id=user_id))
        except TelegramAPIError as exc:
            log.info("cannot tell whether %s is in %s: %r", user_id, channel, exc)
            return False
        return _is_present(member) and not await self.ctx.outbox.pending(expiry_prefix(user_id))

    async def counts(self) -> dict[str, int]:
        """Active subscriptions and redeemable tokens (health and diagnostics)."""
        now = self._now()
        async with self.ctx.db.session(readonly=True) as s:
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
            # Still in, but an expiry's removal is under way (a renewal raced it): the
            # link lets them back in once it is done.
            if _is_present(member) and not await self.ctx.outbox.pending(expiry_prefix(user.id)):
                return InviteOutcome("member")
            if getattr(member, "status", None) == "kicked" and not await self._unban(
                channel, user.id
            ):
                return InviteOutcome("unavailable")
            async with self.ctx.db.session(readonly=True) as s:
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
            await self.revoke_on_telegram(chat_id, link)

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
        await self.revoke_on_telegram(chat_id, link)

    async def revoke_on_telegram(self, chat_id: int, link: str) -> None:
        """Revoke `link` on Telegram; a failure is only logged."""
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
            await finish_ritual(self.ctx, user.id)  # across the threshold: the ritual is done
            return "member"
        if invite_link:  # first, so that the slot the removal frees stays closed
            await self._revoke_used_link(chat_id, invite_link)
        member = getattr(user, "full_name", None) or user.first_name
        try:
            await self.ban_and_unban(chat_id, user.id)
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

    async def ban_and_unban(self, chat_id: int, user_id: int) -> None:
        """Ban then unban (only if banned): out of the channel, free to come back later.
        Raises what Telegram raised; the caller decides what a failure means."""
        await self.ctx.sender(BanChatMember(chat_id=chat_id, user_id=user_id))
        await self.ctx.sender(
            UnbanChatMember(chat_id=chat_id, user_id=user_id, only_if_banned=True)
        )
