"""Database and business logic of the free plugin.

The life of a join request:

1. `receive` records it (one row per channel and user) with `due_at = now + wait`, and
   tells the user the wait and the creator's social links. Telegram lets the bot write to
   a user who never started it only within 5 minutes of the request, so this message goes
   out at once, from the handler.
2. `approve_due` (the `free.approvals` job, every second on every replica) claims due rows
   with `FOR UPDATE SKIP LOCKED`, leases them (so a crashed replica's claim expires rather
   than getting lost), approves them concurrently and records the outcome.
3. The welcome: when the request is still inside the 5-minute window it is sent just
   before the approval (afterwards Telegram would refuse it to users who never started the
   bot); otherwise after the approval, by the `free.welcomes` job, so that paced messages
   never hold back approvals.

Rights errors keep the rows and retry them with exponential backoff; the admins are told
once per outage (the flag lives in the database, so one replica tells them). Any other
failure of one approval (5xx, network, a 429 outlasting the sender) retries that row alone
with the same backoff: the batch's other outcomes are always stored. A retry that finds
the request missing checks the membership, since the lost attempt may have gone through.
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.methods import (
    ApproveChatJoinRequest,
    CreateChatInviteLink,
    DeclineChatJoinRequest,
    GetChat,
    GetChatMember,
    SendMessage,
)
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import or_, select, update

from lucien.core.db import upsert
from lucien.core.db.models import User
from lucien.plugins.free.models import (
    APPROVED,
    DECLINED,
    GONE,
    PENDING,
    WELCOME_DUE,
    WELCOME_SENT,
    WELCOME_UNREACHABLE,
    FreeChannel,
    FreeJoinRequest,
)

if TYPE_CHECKING:
    from aiogram.types import ChatJoinRequest
    from sqlalchemy import CursorResult

    from lucien.core.context import AppContext
    from lucien.core.plugin import Role

log = logging.getLogger("lucien.free")

#: Telegram's window for writing to a requester who never started the bot is 300 s; keep a
#: margin so a message prepared at 299 s is not refused in flight.
DM_WINDOW_S = 290.0
#: How long a claim keeps other replicas off a row (a crashed replica's rows come back).
LEASE = timedelta(seconds=60)
#: Backoff after a rights error: 30 s, 60 s, 120 s... capped at 15 minutes.
BACKOFF_BASE_S = 30.0
BACKOFF_CAP_S = 15 * 60.0
#: Rows claimed per transaction, and approvals in flight at once (approvals are not
#: messages: Telegram does not count them toward the 30/s sending limit).
APPROVE_BATCH = 200
APPROVE_CONCURRENCY = 16
#: Welcomes per job run: the sender paces them at ~25/s, so a run stays a few seconds.
WELCOME_BATCH = 100
#: The cache namespace holding each channel's join-request invite link.
LINK_NS = "free_link"

_HANDLE = re.compile(r"^@[A-Za-z0-9_]{3,64}$")
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
_RIGHTS_ERRORS = ("CHAT_ADMIN_REQUIRED", "not enough rights", "chat not found", "RIGHT_FORBIDDEN")


class FreeSettings(BaseSettings):
    """The free plugin's settings (`FREE_*`); admins edit the marked ones from chat."""

    model_config = SettingsConfigDict(env_prefix="FREE_", extra="ignore")

    channel_id: int | None = Field(
        None,
        json_schema_extra={
            "lucien": {"editable": True, "kind": "channel", "rights": ["can_invite_users"]}
        },
    )
    wait_minutes: int = Field(
        5, ge=0, le=10080, json_schema_extra={"lucien": {"editable": True, "kind": "int"}}
    )
    social_links: list[str] = Field(
        default_factory=list, json_schema_extra={"lucien": {"editable": True, "kind": "links"}}
    )
    approve_vip_immediately: bool = True

    @field_validator("social_links")
    @classmethod
    def _links_are_urls_or_handles(cls, links: list[str]) -> list[str]:
        cleaned = [link.strip() for link in links if link.strip()]
        for link in cleaned:
            if not (_URL.match(link) or _HANDLE.match(link)):
                raise ValueError(f"{link!r} is neither an http(s) link nor an @handle")
        return cleaned


@dataclass(frozen=True)
class Recipient:
    """Enough of a Telegram user for the voice (name, locale) when only the row is left."""

    id: int
    first_name: str | None
    language_code: str | None
    username: str | None = None


@dataclass(frozen=True)
class _Claimed:
    id: int
    chat_id: int
    user_id: int
    requested_at: datetime
    attempts: int
    welcome: str | None
    recipient: Recipient


@dataclass(frozen=True)
class Received:
    """What `receive` did with a request: `outcome` is new / pending / approved / declined."""

    outcome: str
    due_at: datetime | None = None


def backoff(attempts: int) -> timedelta:
    """The wait before retry number `attempts` after a rights error."""
    return timedelta(seconds=min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** max(0, attempts - 1)))


def _rights_error(message: str) -> bool:
    lowered = message.lower()
    return any(marker.lower() in lowered for marker in _RIGHTS_ERRORS)


class FreeService:
    """Join requests, approvals, welcomes, the invite link. One per process (ctx.service)."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    async def settings(self) -> FreeSettings:
        """The values in force: environment overlaid with what admins saved from chat."""
        return await self.ctx.config.get("free")  # type: ignore[no-any-return]

    async def is_free_channel(self, chat_id: int) -> bool:
        return (await self.settings()).channel_id == chat_id

    # -- receiving ----------------------------------------------------------------------

    async def receive(self, request: ChatJoinRequest, role: Role | None) -> Received:
        """Record a join request, answer the user, approve at once when nothing to wait."""
        cfg = await self.settings()
        user = request.from_user
        chat_id = request.chat.id
        now = self.ctx.clock.now()
        if await self._is_banned(chat_id, user.id):
            await self._decline(chat_id, user.id)
            await self._record(chat_id, user, now, now, status=DECLINED)
            return Received(DECLINED)
        immediate = role in ("vip", "admin") and cfg.approve_vip_immediately
        due = now + timedelta(minutes=0 if immediate else cfg.wait_minutes)
        outcome, row_due = await self._record(chat_id, user, now, due)
        if row_due <= now:
            # Nothing to wait for: approve (and welcome) from here rather than a job tick.
            await self.approve_due(only_user=(chat_id, user.id))
            return Received(APPROVED, row_due)
        recipient = Recipient(user.id, user.first_name, user.language_code, user.username)
        if outcome == "pending":
            minutes_left = max(1, math.ceil((row_due - now).total_seconds() / 60))
            text = await self.ctx.voice.say(
                "free.request.pending", user=recipient, minutes_left=minutes_left
            )
        elif cfg.social_links:
            text = await self.ctx.voice.say(
                "free.request.received",
                user=recipient,
                wait_minutes=cfg.wait_minutes,
                links="\n".join(cfg.social_links),
            )
        else:
            text = await self.ctx.voice.say(
                "free.request.received_no_links", user=recipient, wait_minutes=cfg.wait_minutes
            )
        await self._dm(request.user_chat_id, text)
        return Received(outcome, row_due)

    async def _is_banned(self, chat_id: int, user_id: int) -> bool:
        """A user the channel banned: Telegram normally stops them earlier; be sure."""
        try:
            member = await self.ctx.sender(GetChatMember(chat_id=chat_id, user_id=user_id))
        except (TelegramBadRequest, TelegramForbiddenError):
            return False  # cannot tell (rights): the approval path handles that outage
        return member.status == "kicked"

    async def _decline(self, chat_id: int, user_id: int) -> None:
        try:
            await self.ctx.sender(DeclineChatJoinRequest(chat_id=chat_id, user_id=user_id))
        except (TelegramBadRequest, TelegramForbiddenError) as exc:
            log.info("could not decline banned user %s: %s", user_id, exc)

    async def _record(
        self, chat_id: int, user: Any, now: datetime, due: datetime, *, status: str = PENDING
    ) -> tuple[str, datetime]:
        """Insert or refresh the row; ("pending", its due) when one is already waiting.

        The unit of work starts with the INSERT (ON CONFLICT DO NOTHING) so that it writes
        first: on SQLite a read-then-write transaction fails if another writer slipped in.
        """
        handled = now if status != PENDING else None
        async with self.ctx.db.session() as s:
            values = {
                "chat_id": chat_id,
                "user_id": user.id,
                "first_name": user.first_name,
                "language_code": user.language_code,
                "status": status,
                "requested_at": now,
                "due_at": due,
                "attempts": 0,
                "times_requested": 1,
                "handled_at": handled,
            }
            stmt = upsert(s, FreeJoinRequest, values, conflict=["chat_id", "user_id"])
            # An INSERT's result is a CursorResult: rowcount 0 when the row was there already.
            inserted = cast("CursorResult[Any]", await s.execute(stmt))
            if inserted.rowcount == 1:
                return "new", due
            row = await s.scalar(
                select(FreeJoinRequest)
                .where(FreeJoinRequest.chat_id == chat_id, FreeJoinRequest.user_id == user.id)
                .with_for_update()
            )
            assert row is not None
            row.times_requested += 1
            row.first_name, row.language_code = user.first_name, user.language_code
            if row.status == PENDING and status == PENDING:
                # Asking again does not restart the wait (a VIP may shorten it).
                if due < row.due_at:
                    row.due_at = due
                return "pending", row.due_at
            row.status, row.requested_at, row.due_at = status, now, due
            row.attempts, row.next_attempt_at, row.welcome = 0, None, None
            row.handled_at = handled
            return "new", due

    # -- approving ----------------------------------------------------------------------

    async def approve_due(self, *, only_user: tuple[int, int] | None = None) -> int:
        """Approve every due request (the job); returns how many were approved.

        Claims batches until none is left, so a backlog of thousands drains in one run.
        """
        total = 0
        while True:
            claimed = await self._claim_due(only_user)
            if not claimed:
                return total
            approved, stop = await self._approve_batch(claimed)
            total += approved
            if stop or len(claimed) < APPROVE_BATCH or only_user is not None:
                return total

    async def _claim_due(self, only_user: tuple[int, int] | None) -> list[_Claimed]:
        """Lease a batch of due rows in one statement.

        `UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING`: replicas
        never wait on each other's rows, and the lease (`next_attempt_at`) keeps the rows
        off every other claim until it expires (a crashed replica's rows come back).
        """
        now = self.ctx.clock.now()
        due = (
            select(FreeJoinRequest.id)
            .where(
                FreeJoinRequest.status == PENDING,
                FreeJoinRequest.due_at <= now,
                or_(
                    FreeJoinRequest.next_attempt_at.is_(None),
                    FreeJoinRequest.next_attempt_at <= now,
                ),
            )
            .order_by(FreeJoinRequest.due_at)
            .limit(APPROVE_BATCH)
            .with_for_update(skip_locked=True)
        )
        if only_user is not None:
            due = due.where(
                FreeJoinRequest.chat_id == only_user[0], FreeJoinRequest.user_id == only_user[1]
            )
        T = FreeJoinRequest
        async with self.ctx.db.session() as s:
            result = await s.execute(
                update(T)
                .where(T.id.in_(due.scalar_subquery()))
                .values(next_attempt_at=now + LEASE)
                .returning(
                    T.id,
                    T.chat_id,
                    T.user_id,
                    T.requested_at,
                    T.attempts,
                    T.welcome,
                    T.first_name,
                    T.language_code,
                    T.due_at,
                )
                .execution_options(synchronize_session=False)
            )
            rows = sorted(result.all(), key=lambda r: r.due_at)
        return [
            _Claimed(
                r.id,
                r.chat_id,
                r.user_id,
                r.requested_at,
                r.attempts,
                r.welcome,
                Recipient(r.user_id, r.first_name, r.language_code),
            )
            for r in rows
        ]

    async def _approve_batch(self, claimed: list[_Claimed]) -> tuple[int, bool]:
        """Approve concurrently; returns (approved, stop) where stop means rights were lost."""
        gate = asyncio.Semaphore(APPROVE_CONCURRENCY)
        rights_lost = asyncio.Event()
        results: dict[int, tuple[str, str | None]] = {}

        async def one(row: _Claimed) -> None:
            async with gate:
                if rights_lost.is_set():
                    results[row.id] = ("rights", row.welcome)
                    return
                try:
                    outcome = await self._approve_one(row)
                except Exception:  # a bug or an outage: this row only, retried later
                    log.exception("approving %s failed; retrying later", row.user_id)
                    outcome = ("retry", row.welcome)
                if outcome[0] == "rights":
                    rights_lost.set()
                results[row.id] = outcome

        try:
            # return_exceptions: every task runs to its end before the outcomes are stored,
            # whatever one of them raises (none should: `one` maps errors to "retry").
            await asyncio.gather(*(one(row) for row in claimed), return_exceptions=True)
        finally:
            # Always store what happened (also when cancelled while approving): an approved
            # row left PENDING would be approved again when its lease ends, found missing
            # and recorded as gone, and its in-window welcome would be sent twice.
            for row in claimed:
                results.setdefault(row.id, ("retry", row.welcome))
            await self._store_outcomes(claimed, results)
        return sum(1 for o, _ in results.values() if o == APPROVED), rights_lost.is_set()

    async def _approve_one(self, row: _Claimed) -> tuple[str, str | None]:
        """(outcome, welcome status) for one request: approved / gone / rights / retry.

        Never raises for a Telegram or network failure: a 5xx, a timeout or a 429 that
        outlasted the sender's retries is "retry" (with the backoff), keeping the welcome
        already sent so that the retry does not send it again.
        """
        welcome = row.welcome
        now = self.ctx.clock.now()
        in_window = (now - row.requested_at).total_seconds() < DM_WINDOW_S
        if in_window and welcome is None:
            # After the approval Telegram would refuse a message to a user who never
            # started the bot; inside the window it is allowed, so welcome first.
            try:
                sent = await self._welcome(row.recipient)
            except Exception as exc:  # 5xx, network: unknown; the welcome job tries later
                log.warning("welcoming %s failed: %r", row.user_id, exc)
            else:
                welcome = WELCOME_SENT if sent else WELCOME_UNREACHABLE
        try:
            await self.ctx.sender(ApproveChatJoinRequest(chat_id=row.chat_id, user_id=row.user_id))
        except TelegramBadRequest as exc:
            if "HIDE_REQUESTER_MISSING" in exc.message:
                # Withdrawn or gone; or approved by an earlier attempt whose answer was
                # lost (a timeout, a claim that crashed): Telegram no longer has the request.
                member = await self._is_member(row.chat_id, row.user_id)
                if member is None:
                    return "retry", welcome  # cannot tell now: ask again after the backoff
                return (APPROVED, welcome or WELCOME_DUE) if member else (GONE, welcome)
            if "USER_ALREADY_PARTICIPANT" in exc.message:
                return APPROVED, welcome or WELCOME_DUE  # approved by a claim that crashed
            if _rights_error(exc.message):
                return "rights", welcome
            log.warning("approving %s failed: %s; retrying later", row.user_id, exc.message)
            return "retry", welcome
        except TelegramForbiddenError:
            return "rights", welcome  # the bot was removed from the channel
        except Exception as exc:  # 5xx, network error, 429 after the sender's retries
            log.warning("approving %s failed: %r; retrying later", row.user_id, exc)
            return "retry", welcome
        return APPROVED, welcome or WELCOME_DUE

    async def _is_member(self, chat_id: int, user_id: int) -> bool | None:
        """Whether the user is in the channel now (None when Telegram cannot tell us)."""
        try:
            member = await self.ctx.sender(GetChatMember(chat_id=chat_id, user_id=user_id))
        except Exception as exc:
            log.info("could not check %s in %s: %r", user_id, chat_id, exc)
            return None
        if member.status == "restricted":
            return bool(getattr(member, "is_member", False))
        return member.status in ("member", "administrator", "creator")

    async def _store_outcomes(
        self, claimed: list[_Claimed], results: dict[int, tuple[str, str | None]]
    ) -> None:
        now = self.ctx.clock.now()
        by_id = {row.id: row for row in claimed}
        rights_failed = False
        async with self.ctx.db.session() as s:
            for outcome, welcome in set(results.values()):
                ids = [i for i, r in results.items() if r == (outcome, welcome)]
                values: dict[str, Any] = {"welcome": welcome}
                if outcome in (APPROVED, GONE):
                    values.update(status=outcome, handled_at=now, next_attempt_at=None)
                    await s.execute(
                        update(FreeJoinRequest)
                        .where(FreeJoinRequest.id.in_(ids))
                        .values(**values)
                        .execution_options(synchronize_session=False)
                    )
                    continue
                rights_failed = rights_failed or outcome == "rights"
                for i in ids:  # backoff depends on each row's attempts
                    attempts = by_id[i].attempts + 1
                    await s.execute(
                        update(FreeJoinRequest)
                        .where(FreeJoinRequest.id == i)
                        .values(
                            attempts=attempts, next_attempt_at=now + backoff(attempts), **values
                        )
                        .execution_options(synchronize_session=False)
                    )
        chats = {row.chat_id for row in claimed}
        if rights_failed:
            for chat_id in chats:
                await self._rights_lost(chat_id)
        elif any(o == APPROVED for o, _ in results.values()):
            for chat_id in chats:
                await self._rights_ok(chat_id)

    # -- rights outages -----------------------------------------------------------------

    async def _ensure_channel_row(self, chat_id: int) -> None:
        async with self.ctx.db.session() as s:
            await s.execute(
                upsert(s, FreeChannel, {"chat_id": chat_id, "alerted": False}, conflict=["chat_id"])
            )

    async def _rights_lost(self, chat_id: int) -> None:
        """Tell the admins once per outage: the first replica to flip the flag tells them."""
        await self._ensure_channel_row(chat_id)
        async with self.ctx.db.session() as s:
            flipped = await s.execute(
                update(FreeChannel)
                .where(FreeChannel.chat_id == chat_id, FreeChannel.alerted.is_(False))
                .values(alerted=True, rights_lost_at=self.ctx.clock.now())
                .execution_options(synchronize_session=False)
            )
        if flipped.rowcount != 1:
            return
        log.warning("free channel %s: the bot lost its rights; requests kept for retry", chat_id)
        channel = str(chat_id)
        try:  # the title reads better than the id; reading it needs no admin right
            chat = await self.ctx.sender(GetChat(chat_id=chat_id))
            channel = chat.title or channel
        except (TelegramBadRequest, TelegramForbiddenError):
            pass
        admin_ids = list(self.ctx.settings.admin_ids)
        async with self.ctx.db.session() as s:
            # Speak each admin's language, as the core recorded it when they wrote to us.
            found = await s.execute(
                select(User.id, User.first_name, User.language_code).where(User.id.in_(admin_ids))
            )
            known = {r.id: Recipient(r.id, r.first_name, r.language_code) for r in found}
        for admin_id in admin_ids:
            recipient = known.get(admin_id, Recipient(admin_id, None, None))
            text = await self.ctx.voice.say(
                "free.admin.rights_lost", user=recipient, channel=channel
            )
            await self._dm(admin_id, text)

    async def _rights_ok(self, chat_id: int) -> None:
        """An approval went through: the outage (if any) is over; a new one alerts again."""
        async with self.ctx.db.session() as s:
            await s.execute(
                update(FreeChannel)
                .where(FreeChannel.chat_id == chat_id, FreeChannel.alerted.is_(True))
                .values(alerted=False, rights_lost_at=None)
                .execution_options(synchronize_session=False)
            )

    # -- welcomes -----------------------------------------------------------------------

    async def send_welcomes(self) -> int:
        """Welcome approved users not yet welcomed (the job); returns how many were sent."""
        now = self.ctx.clock.now()
        T = FreeJoinRequest
        due = (
            select(T.id)
            .where(
                T.status == APPROVED,
                T.welcome == WELCOME_DUE,
                or_(T.next_attempt_at.is_(None), T.next_attempt_at <= now),
            )
            .order_by(T.handled_at)
            .limit(WELCOME_BATCH)
            .with_for_update(skip_locked=True)
        )
        async with self.ctx.db.session() as s:
            result = await s.execute(
                update(T)
                .where(T.id.in_(due.scalar_subquery()))
                .values(next_attempt_at=now + LEASE)
                .returning(T.id, T.user_id, T.first_name, T.language_code)
                .execution_options(synchronize_session=False)
            )
            recipients = [
                (r.id, Recipient(r.user_id, r.first_name, r.language_code)) for r in result
            ]
        if not recipients:
            return 0
        sent: list[int] = []
        unreachable: list[int] = []
        for row_id, recipient in recipients:
            try:
                reached = await self._welcome(recipient)
            except Exception as exc:  # 5xx, network: this one comes back when its lease ends
                log.warning("welcoming %s failed: %r; retrying later", recipient.id, exc)
                continue
            (sent if reached else unreachable).append(row_id)
        async with self.ctx.db.session() as s:
            for status, ids in ((WELCOME_SENT, sent), (WELCOME_UNREACHABLE, unreachable)):
                if ids:
                    await s.execute(
                        update(FreeJoinRequest)
                        .where(FreeJoinRequest.id.in_(ids))
                        .values(welcome=status, next_attempt_at=None)
                        .execution_options(synchronize_session=False)
                    )
        return len(sent)

    async def _welcome(self, recipient: Recipient) -> bool:
        text = await self.ctx.voice.say("free.approved", user=recipient)
        return await self._dm(recipient.id, text)

    async def _dm(self, chat_id: int, text: str) -> bool:
        """Send through the paced sender; False when Telegram will not let us write."""
        try:
            await self.ctx.sender(SendMessage(chat_id=chat_id, text=text))
        except (TelegramForbiddenError, TelegramBadRequest) as exc:
            log.info("could not write to %s: %s", chat_id, exc.message)
            return False
        return True

    # -- the free menu ------------------------------------------------------------------

    async def join_link(self, chat_id: int) -> str | None:
        """The bot's join-request link to `chat_id`, created once and kept (None: no rights)."""

        async def load() -> str | None:
            async with self.ctx.db.session() as s:
                row = await s.get(FreeChannel, chat_id)
                if row is not None and row.invite_link:
                    return row.invite_link
            try:
                link = await self.ctx.sender(
                    CreateChatInviteLink(chat_id=chat_id, name="Lucien", creates_join_request=True)
                )
            except (TelegramBadRequest, TelegramForbiddenError) as exc:
                log.warning("cannot create the free channel's link: %s", exc.message)
                return None
            await self._ensure_channel_row(chat_id)
            async with self.ctx.db.session() as s:
                # Keep the first link stored if another replica raced us to it.
                await s.execute(
                    update(FreeChannel)
                    .where(FreeChannel.chat_id == chat_id, FreeChannel.invite_link.is_(None))
                    .values(invite_link=link.invite_link)
                    .execution_options(synchronize_session=False)
                )
                row = await s.get(FreeChannel, chat_id)
                return row.invite_link if row else link.invite_link

        link = await self.ctx.cache.get_or_load(LINK_NS, str(chat_id), load)
        if link is None:
            await self.ctx.cache.invalidate(LINK_NS, str(chat_id))  # retry next time
        return link

    async def request_of(self, chat_id: int, user_id: int) -> FreeJoinRequest | None:
        """The stored request of a user (tests, diagnostics)."""
        async with self.ctx.db.session() as s:
            return await s.scalar(
                select(FreeJoinRequest).where(
                    FreeJoinRequest.chat_id == chat_id, FreeJoinRequest.user_id == user_id
                )
            )

    async def counts(self) -> dict[str, int]:
        """Rows per status (health, tests, the benchmark)."""
        from sqlalchemy import func

        async with self.ctx.db.session() as s:
            rows = await s.execute(
                select(FreeJoinRequest.status, func.count()).group_by(FreeJoinRequest.status)
            )
            return {status: n for status, n in rows}


async def queue_depths(ctx: AppContext) -> dict[str, int]:
    """Rows each job would take now (diagnostics shows them beside the jobs)."""
    from sqlalchemy import func

    now = ctx.clock.now()
    async with ctx.db.session() as s:
        approvals = await s.scalar(
            select(func.count())
            .select_from(FreeJoinRequest)
            .where(FreeJoinRequest.status == PENDING, FreeJoinRequest.due_at <= now)
        )
        welcomes = await s.scalar(
            select(func.count())
            .select_from(FreeJoinRequest)
            .where(FreeJoinRequest.welcome == WELCOME_DUE)
        )
    return {"free.approvals": int(approvals or 0), "free.welcomes": int(welcomes or 0)}


def service(ctx: AppContext) -> FreeService:
    """The process's FreeService."""
    return ctx.service("free", FreeService)
