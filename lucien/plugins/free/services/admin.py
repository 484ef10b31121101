"""What the admins see and do with join requests: the Free queue (pending requests in due
order, paged), a user's requests on their card, the figures of the statistics screen, and
the actions: approve one or all now, decline one, expel someone from the channel.

Every action is written to the audit log (`ctx.audit`) in the transaction of the change it
describes. An approval goes through the plugin's one approval path: the action only makes
the request due now and `Approvals.approve_due` approves it (claimed under its lease,
welcomed once through the outbox), so a request pressed in the queue while the job takes
it is still approved once. The Telegram calls of a decline and of an expulsion (a ban,
then an unban so that the user may ask again the normal way) are queued in the outbox
with the change, then made at once; a kill in between loses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from aiogram.methods import BanChatMember, DeclineChatJoinRequest, GetChatMember, UnbanChatMember
from sqlalchemy import and_, case, func, select, update

from lucien.core.outbox import OutboxCall, OutboxFailure
from lucien.plugins.free.models import APPROVED, DECLINED, GONE, PENDING, FreeJoinRequest
from lucien.plugins.free.services.common import FreePart, log

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement, CursorResult

    from lucien.core.context import AppContext
    from lucien.plugins.free.services.approvals import Approvals

PLUGIN = "free"
#: Requests per page of the queue (each brings a row of buttons: a screen stays readable).
PAGE_SIZE = 6
#: A user's requests on their card before "more" (one per channel: rarely more than one).
CARD_CAP = 3
#: Batches an admin's "approve all" approves before answering: the rows are all due by
#: then, so the job approves the rest within seconds and the admin is not kept waiting.
APPROVE_ALL_BATCHES = 1
#: Answers to a ban or unban meaning there is nobody to remove: the expulsion is done.
NOT_THERE = ("USER_NOT_PARTICIPANT", "PARTICIPANT_ID_INVALID", "user not found")
#: Answers an admin can fix by giving the bot its rights back: the outbox retries later.
NEEDS_RIGHTS = (
    "not enough rights",
    "CHAT_ADMIN_REQUIRED",
    "need administrator rights",
    "bot is not a member",
    "bot was kicked",
    "chat not found",
)
#: A request Telegram no longer holds (withdrawn, or handled): declining it is done.
REQUEST_GONE = ("HIDE_REQUESTER_MISSING",)
#: Outbox keys of the admins' actions (the welcomes have their own prefix).
EXPEL_PREFIX = "free.expel:"
DECLINE_PREFIX = "free.decline:"
#: Members Telegram never lets a bot remove.
PRIVILEGED = ("creator", "administrator")


@dataclass(frozen=True)
class RequestView:
    """A join request as the admins' screens show it."""

    id: int
    chat_id: int
    user_id: int
    first_name: str | None
    status: str
    requested_at: datetime
    due_at: datetime
    handled_at: datetime | None
    times_requested: int


@dataclass(frozen=True)
class Page:
    """One page of requests: `page` counts from 0; `total` is every matching request."""

    items: list[RequestView]
    page: int
    pages: int
    total: int


@dataclass(frozen=True)
class FreeFigures:
    """The free plugin's part of the statistics screen."""

    approved_7d: int
    approved_30d: int
    pending: int
    next_due: datetime | None


@dataclass(frozen=True)
class Outcome:
    """What an admin's action did.

    `status`: done; gone (the request is no longer pending); busy (the approvals job holds
    it right now, or it waits for its retry); waiting (due now, Telegram has not answered
    yet: the job goes on); repeated (this confirmation was acted on already); unset (no
    free channel); privileged (an owner or administrator of the channel). `count` and
    `left`: approved now and still pending (approve all).
    """

    status: str
    request: RequestView | None = None
    count: int = 0
    left: int = 0


def _view(row: FreeJoinRequest) -> RequestView:
    return RequestView(
        row.id,
        row.chat_id,
        row.user_id,
        row.first_name,
        row.status,
        row.requested_at,
        row.due_at,
        row.handled_at,
        row.times_requested,
    )


def page_bounds(total: int, page: int, size: int) -> tuple[int, int]:
    """(the page actually shown, the number of pages): a page past the end shows the last."""
    pages = max(1, -(-total // size))
    return min(max(0, page), pages - 1), pages


def removal_calls(chat_id: int, user_id: int) -> list[OutboxCall]:
    """Ban then unban (only if banned): out of the channel, free to ask again later."""
    return [
        OutboxCall(
            BanChatMember(chat_id=chat_id, user_id=user_id),
            ok_errors=NOT_THERE,
            retry_errors=NEEDS_RIGHTS,
        ),
        OutboxCall(
            UnbanChatMember(chat_id=chat_id, user_id=user_id, only_if_banned=True),
            ok_errors=NOT_THERE,
            retry_errors=NEEDS_RIGHTS,
        ),
    ]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


class FreeAdmin(FreePart):
    """The queue, a user's requests, the figures, and the admins' actions on them."""

    def __init__(self, ctx: AppContext, approvals: Approvals) -> None:
        super().__init__(ctx)
        self.approvals = approvals

    # ------------------------------------------------------------------ reading

    async def pending_page(self, page: int) -> Page:
        """Pending requests, soonest due first (ties by id: a stable order), one page."""
        T = FreeJoinRequest
        return await self._page(T.status == PENDING, (T.due_at, T.id), page, PAGE_SIZE)

    async def of_user(self, user_id: int, page: int = 0, size: int = CARD_CAP) -> Page:
        """A user's requests (one per channel they asked to join), latest first."""
        T = FreeJoinRequest
        order = (T.requested_at.desc(), T.id.desc())
        return await self._page(T.user_id == user_id, order, page, size)

    async def _page(
        self, where: ColumnElement[bool], order: tuple[Any, ...], page: int, size: int
    ) -> Page:
        T = FreeJoinRequest
        async with self.ctx.db.session(readonly=True) as s:
            total = int(await s.scalar(select(func.count()).select_from(T).where(where)) or 0)
            shown, pages = page_bounds(total, page, size)
            rows = await s.scalars(
                select(T).where(where).order_by(*order).offset(shown * size).limit(size)
            )
            return Page([_view(r) for r in rows], shown, pages, total)

    async def get(self, request_id: int) -> RequestView | None:
        """One request by id (None when it no longer exists)."""
        async with self.ctx.db.session(readonly=True) as s:
            row = await s.get(FreeJoinRequest, request_id)
            return _view(row) if row is not None else None

    async def figures(self) -> FreeFigures:
        """Approved in 7 and 30 days, pending, the next due: one aggregate statement."""
        T = FreeJoinRequest
        now = self.ctx.clock.now()

        def count(condition: ColumnElement[bool]) -> Any:
            return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

        approved = T.status == APPROVED
        query = select(
            count(and_(approved, T.handled_at >= now - timedelta(days=7))),
            count(and_(approved, T.handled_at >= now - timedelta(days=30))),
            count(T.status == PENDING),
            func.min(case((T.status == PENDING, T.due_at))),
        )
        async with self.ctx.db.session(readonly=True) as s:
            week, month, pending, next_due = (await s.execute(query)).one()
        return FreeFigures(int(week), int(month), int(pending), next_due)

    # ------------------------------------------------------------------ actions

    async def approve_now(self, request_id: int, admin_id: int) -> Outcome:
        """Make one pending request due now and approve it through the approval path."""
        now = self.ctx.clock.now()
        async with self.ctx.db.session() as s:
            row = await s.scalar(
                select(FreeJoinRequest).where(FreeJoinRequest.id == request_id).with_for_update()
            )
            if row is None or row.status != PENDING:
                return Outcome("gone", _view(row) if row is not None else None)
            before = {"status": PENDING, "due_at": _iso(row.due_at)}
            row.due_at = min(row.due_at, now)
            await self.ctx.audit.record(
                s,
                actor_id=admin_id,
                plugin=PLUGIN,
                action="free.approve_now",
                target_id=row.user_id,
                before=before,
                after={"status": PENDING, "due_at": _iso(row.due_at)},
            )
            pair = (row.chat_id, row.user_id)
        await self.approvals.approve_due(only_user=pair)
        view = await self.get(request_id)
        if view is None or view.status not in (APPROVED, PENDING):
            return Outcome("gone", view)
        return Outcome("done" if view.status == APPROVED else "waiting", view)

    async def approve_all(self, admin_id: int) -> Outcome:
        """Make every pending request due now, approve a batch at once; the job the rest."""
        T = FreeJoinRequest
        now = self.ctx.clock.now()
        pending = select(func.count()).select_from(T).where(T.status == PENDING)
        async with self.ctx.db.session() as s:
            waiting = int(await s.scalar(pending) or 0)
            if not waiting:
                return Outcome("gone")
            moved = await s.execute(
                update(T)
                .where(T.status == PENDING, T.due_at > now)
                .values(due_at=now)
                .execution_options(synchronize_session=False)
            )
            await self.ctx.audit.record(
                s,
                actor_id=admin_id,
                plugin=PLUGIN,
                action="free.approve_all",
                target_id=None,
                before={"pending": waiting},
                after={"made_due": int(cast("CursorResult[Any]", moved).rowcount or 0)},
            )
        approved = await self.approvals.approve_due(batches=APPROVE_ALL_BATCHES)
        async with self.ctx.db.session(readonly=True) as s:
            left = int(await s.scalar(pending) or 0)
        return Outcome("done", count=approved, left=left)

    async def decline(self, request_id: int, admin_id: int) -> Outcome:
        """Decline one pending request (Telegram's call through the outbox), unless the
        approvals job holds it right now."""
        T = FreeJoinRequest
        now = self.ctx.clock.now()
        async with self.ctx.db.session() as s:
            row = await s.scalar(select(T).where(T.id == request_id).with_for_update())
            if row is None or row.status != PENDING:
                return Outcome("gone", _view(row) if row is not None else None)
            if row.due_at <= now and row.next_attempt_at is not None and row.next_attempt_at > now:
                # Claimed (its lease) or backing off: an approval may be in flight.
                return Outcome("busy", _view(row))
            before = {"status": PENDING, "due_at": _iso(row.due_at)}
            row.status, row.handled_at, row.next_attempt_at = DECLINED, now, None
            stamp = round(row.requested_at.timestamp() * 1_000_000)
            key = f"{DECLINE_PREFIX}{row.id}:{stamp}"
            call = OutboxCall(
                DeclineChatJoinRequest(chat_id=row.chat_id, user_id=row.user_id),
                ok_errors=REQUEST_GONE,
                retry_errors=NEEDS_RIGHTS,
            )
            await self.ctx.outbox.add(s, call, key=key, plugin=PLUGIN)
            await self.ctx.audit.record(
                s,
                actor_id=admin_id,
                plugin=PLUGIN,
                action="free.decline",
                target_id=row.user_id,
                before=before,
                after={"status": DECLINED},
            )
            view = _view(row)
        await self.ctx.outbox.send_now(key)
        return Outcome("done", view)

    async def expel(self, user_id: int, admin_id: int, nonce: int) -> Outcome:
        """Remove `user_id` from the free channel: ban, then unban (they may ask again).

        `nonce` names the confirmation pressed: pressing the same one twice expels once.
        A pending request goes too (the ban drops it at Telegram).
        """
        chat_id = (await self.settings()).channel_id
        if chat_id is None:
            return Outcome("unset")
        status = await self._member_status(chat_id, user_id)
        if status in PRIVILEGED:
            return Outcome("privileged")
        T = FreeJoinRequest
        now = self.ctx.clock.now()
        key = f"{EXPEL_PREFIX}{chat_id}:{user_id}:{nonce}"
        async with self.ctx.db.session() as s:
            calls = removal_calls(chat_id, user_id)
            if not await self.ctx.outbox.add(s, *calls, key=key, plugin=PLUGIN):
                return Outcome("repeated")
            dropped = await s.execute(
                update(T)
                .where(T.chat_id == chat_id, T.user_id == user_id, T.status == PENDING)
                .values(status=GONE, handled_at=now, next_attempt_at=None)
                .execution_options(synchronize_session=False)
            )
            await self.ctx.audit.record(
                s,
                actor_id=admin_id,
                plugin=PLUGIN,
                action="free.expel",
                target_id=user_id,
                before={"channel": chat_id, "member": status},
                after={
                    "channel": chat_id,
                    "member": "left",
                    "request_dropped": bool(cast("CursorResult[Any]", dropped).rowcount),
                },
            )
        await self.ctx.outbox.send_now(key)
        left = await self.ctx.outbox.pending(key)
        return Outcome("waiting" if key in left else "done")

    async def _member_status(self, chat_id: int, user_id: int) -> str | None:
        """The user's status in the channel; None when Telegram cannot tell us now (the
        expulsion goes ahead: the outbox makes it when Telegram answers)."""
        try:
            member = await self.ctx.sender(GetChatMember(chat_id=chat_id, user_id=user_id))
        except Exception as exc:
            log.info("could not read %s in %s: %r", user_id, chat_id, exc)
            return None
        return str(member.status)

    async def on_outbox_failure(self, failure: OutboxFailure) -> None:
        """A decline or an expulsion Telegram refused: the admins are told once per row
        (the outbox retries a missing right every few minutes meanwhile)."""
        if not failure.refused or not failure.key.startswith((EXPEL_PREFIX, DECLINE_PREFIX)):
            return
        method = failure.method
        user = str(getattr(method, "user_id", "?"))
        log.warning("free action %s refused: %s", failure.key, failure.error)
        await self.ctx.alerts.send("free.admin.action_refused", once=failure.key, user_id=user)
