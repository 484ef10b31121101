"""Expelling a user from the VIP channel from the admins' card: a ban then an unban, so
the way back stays open; the subscription is left as it is.

Telegram is asked first who the user is in the channel. Its owner and administrators
cannot be removed by a bot (`privileged`), and a user who is not inside has nothing to
leave (`absent`): both are said before anything is written. Otherwise the two calls are
queued in the outbox with the audit entry (one transaction, under the card's version
check, as every card action) and made at once. The admin hears "done" only when
Telegram said so; while it has not answered (an outage, the bot lacking the right to
ban, retried every few minutes) the answer says the expulsion is under way; a refusal
says so. A refusal (now or on a later try) reaches every admin as an alert naming the
user (`on_outbox_failure`), and a final one is written to the audit log beside the
request, so the card never shows an expulsion that did not happen as if it had.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Literal

from aiogram.methods import BanChatMember, GetChatMember, UnbanChatMember
from sqlalchemy import select

from lucien.core.db.models import OutboxEntry
from lucien.core.outbox import FAILED, SENT, OutboxCall, OutboxFailure
from lucien.plugins.vip.services.cards import (
    ActionResult,
    ActionStatus,
    Cards,
    StaleConfirmation,
    snapshot,
)
from lucien.plugins.vip.services.common import (
    EXPEL_PREFIX,
    PLUGIN,
    VipPart,
    display_name,
    log,
)
from lucien.plugins.vip.services.expiry import NEEDS_RIGHTS

if TYPE_CHECKING:
    from lucien.core.context import AppContext

#: Answers meaning the user is not there to remove: the expulsion is done. Unlike an
#: expiry's removal, an owner's or administrator's refusal is not: it is a failure.
NOT_THERE = ("USER_NOT_PARTICIPANT", "PARTICIPANT_ID_INVALID", "user not found")
#: Members Telegram never lets a bot remove.
PRIVILEGED = ("creator", "administrator")
#: Where the user stands in the channel; `unknown` when Telegram could not say (the
#: expulsion goes ahead: the outbox makes it when Telegram answers).
Presence = Literal["privileged", "absent", "inside", "unknown"]
# The outbox row's status -> what the admin is told right after the attempt.
_DELIVERED: dict[str | None, ActionStatus] = {SENT: "ok", FAILED: "refused"}


def expel_calls(channel: int, user_id: int) -> list[OutboxCall]:
    """Ban then unban (only if banned): out of the channel, free to come back later."""
    ban = BanChatMember(chat_id=channel, user_id=user_id)
    unban = UnbanChatMember(chat_id=channel, user_id=user_id, only_if_banned=True)
    return [
        OutboxCall(call, ok_errors=NOT_THERE, retry_errors=NEEDS_RIGHTS) for call in (ban, unban)
    ]


def parse_key(key: str) -> tuple[int, int] | None:
    """The (user, admin) an expulsion's outbox key names; None for any other key."""
    if not key.startswith(EXPEL_PREFIX):
        return None
    try:
        user_id, admin_id, _ = key.removeprefix(EXPEL_PREFIX).split(":")
        return int(user_id), int(admin_id)
    except ValueError:
        return None


class Expulsions(VipPart):
    """The card's Expel from the VIP channel, and what follows a refusal."""

    def __init__(self, ctx: AppContext, cards: Cards) -> None:
        super().__init__(ctx)
        self.cards = cards

    async def refusal(self, user_id: int) -> ActionStatus | None:
        """Why `user_id` cannot be expelled now (no channel set, the channel's owner or an
        administrator, not inside), or None when the expulsion may be asked."""
        channel = (await self.settings()).channel_id
        if channel is None:
            return "no_channel"
        presence = await self.presence(channel, user_id)
        return presence if presence in ("privileged", "absent") else None

    async def presence(self, channel: int, user_id: int) -> Presence:
        """Where `user_id` stands in `channel`, as Telegram says now."""
        try:
            member = await self.ctx.sender(GetChatMember(chat_id=channel, user_id=user_id))
        except Exception as exc:
            log.info("could not read %s in %s: %r", user_id, channel, exc)
            return "unknown"
        status = str(member.status)
        if status in PRIVILEGED:
            return "privileged"
        if status == "member" or (status == "restricted" and getattr(member, "is_member", False)):
            return "inside"
        return "absent"

    async def expel(self, admin_id: int, user_id: int, version: int) -> ActionResult:
        """Remove `user_id` from the VIP channel, as confirmed on card `version`: ok
        (Telegram did it), waiting (not answered yet), refused, or why nothing was done."""
        channel = (await self.settings()).channel_id
        if channel is None:
            return ActionResult("no_channel")
        presence = await self.presence(channel, user_id)
        if presence in ("privileged", "absent"):
            return ActionResult(presence)
        now = self._now()
        key = f"{EXPEL_PREFIX}{user_id}:{admin_id}:{uuid.uuid4().hex[:12]}"
        try:
            async with self.ctx.db.session() as s:
                state = snapshot(await self.cards.check(s, user_id, version), now)
                await self.cards.audit(
                    s,
                    admin_id,
                    "vip.expel",
                    user_id,
                    {**state, "channel": channel, "member": presence},
                    {**state, "channel": channel, "expelled": True},
                )
                await self.ctx.outbox.add(s, *expel_calls(channel, user_id), key=key, plugin=PLUGIN)
        except StaleConfirmation:
            return ActionResult("stale")
        await self.ctx.outbox.send_now(key)
        async with self.ctx.db.session(readonly=True) as s:
            status = await s.scalar(select(OutboxEntry.status).where(OutboxEntry.key == key))
        return ActionResult(_DELIVERED.get(status, "waiting"))

    async def on_outbox_failure(self, failure: OutboxFailure) -> None:
        """An expulsion Telegram refused: every admin is told, naming the user. Refused for
        now (the bot lacks the right to ban), the outbox tries again every few minutes;
        refused for good, the audit log records that it did not happen."""
        named = parse_key(failure.key)
        if named is None or not failure.refused or failure.outcome == "skipped":
            return
        user_id, admin_id = named
        member = display_name(await self._user(user_id), user_id)
        log.warning("expelling %s from the VIP channel refused: %s", user_id, failure.error)
        once = f"{failure.key}:{failure.outcome}"
        if failure.outcome == "retry":
            await self.alert_admins("vip.admin.expel_waiting", once=once, member=member)
            return
        channel = getattr(failure.method, "chat_id", None)
        async with self.ctx.db.session() as s:
            await self.cards.audit(
                s,
                admin_id,
                "vip.expel_failed",
                user_id,
                {"channel": channel, "expelled": True},
                {"channel": channel, "expelled": False, "error": failure.error[:200]},
            )
        await self.alert_admins(
            "vip.admin.expel_refused", once=once, member=member, error=failure.error[:200]
        )


__all__ = ["NOT_THERE", "PRIVILEGED", "Expulsions", "Presence", "expel_calls", "parse_key"]
