"""The VIP entry ritual: the three steps between a redemption (or an admin's grant) and
the link to the VIP channel, and what they remember.

Stage 1 acknowledges the step taken ("Continue"), stage 2 says what the space is and
what it asks ("I am ready"), stage 3 hands over the one-time link. The stage is a row
(`vip_rituals`, one per user), so a member who leaves comes back to the very stage.

The buttons carry the ritual's `nonce` and the stage they stand on: a press moves the
ritual on with one conditional UPDATE from that stage, so a double press (or two
replicas) moves it once, and a button of another user, of an earlier ritual or of one
already finished is told apart from the one under way.

A ritual ends "done" when the member enters the channel (or is found inside already),
"closed" when the period ends first: the expiry job or a revocation closes it in its own
transaction (and says the closing line instead of the usual farewell); a ritual found
open with no running period is closed on sight. A renewal by a member already in the
channel opens none.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, cast

from sqlalchemy import select, update

from lucien.core.db import upsert
from lucien.plugins.vip.models import Ritual, Subscription
from lucien.plugins.vip.services.common import VipPart, log

if TYPE_CHECKING:
    from sqlalchemy import CursorResult
    from sqlalchemy.ext.asyncio import AsyncSession

    from lucien.core.context import AppContext

RitualStatus = Literal["open", "done", "closed"]
RitualSource = Literal["token", "admin"]
#: The stages: the acknowledgment, the space and what it asks, the link's delivery.
ACK, SPACE, DELIVERY = 1, 2, 3
OPEN: RitualStatus = "open"
DONE: RitualStatus = "done"
CLOSED: RitualStatus = "closed"


@dataclass(frozen=True)
class RitualView:
    """A member's ritual as it stands."""

    user_id: int
    nonce: int
    stage: int
    status: RitualStatus
    source: RitualSource

    @property
    def open(self) -> bool:
        return self.status == OPEN


def new_nonce() -> int:
    """A fresh ritual's name: 31 random bits (small in callback data, never 0)."""
    return secrets.randbelow(2**31 - 1) + 1


async def open_ritual(
    s: AsyncSession, user_id: int, nonce: int, source: RitualSource, now: datetime
) -> None:
    """Start a ritual at stage 1 in the caller's transaction (an earlier one, finished or
    not, is replaced: its buttons become an earlier ritual's)."""
    values = {
        "user_id": user_id,
        "nonce": nonce,
        "stage": ACK,
        "status": OPEN,
        "source": source,
        "started_at": now,
        "updated_at": now,
        "message_id": None,
    }
    await s.execute(
        upsert(
            s,
            Ritual,
            values,
            conflict=["user_id"],
            update=[
                "nonce",
                "stage",
                "status",
                "source",
                "started_at",
                "updated_at",
                "message_id",
            ],
        )
    )


async def close_ritual(s: AsyncSession, user_id: int, now: datetime) -> bool:
    """Close the user's open ritual in the caller's transaction (the period ended before
    the member crossed); whether there was one."""
    result = cast(
        "CursorResult[Any]",
        await s.execute(
            update(Ritual)
            .where(Ritual.user_id == user_id, Ritual.status == OPEN)
            .values(status=CLOSED, updated_at=now)
            .execution_options(synchronize_session=False)
        ),
    )
    return bool(result.rowcount)


async def finish_ritual(ctx: AppContext, user_id: int) -> bool:
    """The member is inside the channel: their open ritual is done. Whether one was."""
    async with ctx.db.session() as s:
        result = cast(
            "CursorResult[Any]",
            await s.execute(
                update(Ritual)
                .where(Ritual.user_id == user_id, Ritual.status == OPEN)
                .values(status=DONE, updated_at=ctx.clock.now())
                .execution_options(synchronize_session=False)
            ),
        )
    return bool(result.rowcount)


def _view(row: Ritual) -> RitualView:
    return RitualView(
        row.user_id,
        row.nonce,
        row.stage,
        cast("RitualStatus", row.status),
        cast("RitualSource", row.source),
    )


class Rituals(VipPart):
    """Opening, reading and moving on a member's ritual."""

    async def begin(self, user_id: int, source: RitualSource) -> RitualView:
        """Open a fresh ritual at stage 1 (after a redemption)."""
        nonce = new_nonce()
        async with self.ctx.db.session() as s:
            await open_ritual(s, user_id, nonce, source, self._now())
        log.info("user %s begins the entry ritual (%s)", user_id, source)
        return RitualView(user_id, nonce, ACK, OPEN, source)

    async def current(self, user_id: int) -> RitualView | None:
        """The user's ritual as it stands (None when they never had one). An open ritual
        whose period is over is closed here: nothing more is offered."""
        now = self._now()
        async with self.ctx.db.session(readonly=True) as s:
            row = await s.get(Ritual, user_id)
            if row is None:
                return None
            view = _view(row)
            if not view.open:
                return view
            running = await s.scalar(
                select(Subscription.user_id).where(
                    Subscription.user_id == user_id,
                    Subscription.expired_at.is_(None),
                    Subscription.ends_at > now,
                )
            )
        if running is not None:
            return view
        async with self.ctx.db.session() as s:
            await close_ritual(s, user_id, now)
        return RitualView(user_id, view.nonce, view.stage, CLOSED, view.source)

    async def open_for(self, user_id: int) -> RitualView | None:
        """The user's ritual if it is under way (closed on sight when the period is over)."""
        view = await self.current(user_id)
        return view if view is not None and view.open else None

    async def step(self, user_id: int, nonce: int, stage: int) -> tuple[RitualView | None, bool]:
        """Move ritual `nonce` on from `stage` (1 or 2) to the next; the ritual as it
        stands after, and whether this press moved it (False for a second press, another
        ritual's button, one finished or closed)."""
        view = await self.current(user_id)
        if view is None or view.nonce != nonce or not view.open or view.stage != stage:
            return view, False
        if stage >= DELIVERY:
            return view, False
        async with self.ctx.db.session() as s:
            result = cast(
                "CursorResult[Any]",
                await s.execute(
                    update(Ritual)
                    .where(
                        Ritual.user_id == user_id,
                        Ritual.nonce == nonce,
                        Ritual.status == OPEN,
                        Ritual.stage == stage,
                    )
                    .values(stage=stage + 1, updated_at=self._now())
                    .execution_options(synchronize_session=False)
                ),
            )
        if not result.rowcount:  # another press (or replica) was first
            return await self.current(user_id), False
        return RitualView(user_id, nonce, stage + 1, OPEN, view.source), True

    async def shown(
        self, user_id: int, nonce: int, message_id: int, *, fresh: bool = False
    ) -> int | None:
        """Remember `message_id` as the message showing ritual `nonce`'s stage; the one it
        replaces, whose buttons are to go (None when there was none, or it is the same).
        `fresh`: the ritual was just opened, so there is none (one statement, not two)."""
        async with self.ctx.db.session() as s:
            previous = None
            if not fresh:
                row = await s.get(Ritual, user_id)
                if row is None or row.nonce != nonce:
                    return None
                previous = row.message_id
            await s.execute(
                update(Ritual)
                .where(Ritual.user_id == user_id, Ritual.nonce == nonce)
                .values(message_id=message_id)
                .execution_options(synchronize_session=False)
            )
        return previous if previous != message_id else None

    async def finish(self, user_id: int) -> bool:
        """The member was found inside the channel: the ritual is done."""
        return await finish_ritual(self.ctx, user_id)

    async def is_open(self, user_id: int) -> bool:
        """Whether the user's ritual is under way (read only; the expiry job asks)."""
        async with self.ctx.db.session(readonly=True) as s:
            status = await s.scalar(select(Ritual.status).where(Ritual.user_id == user_id))
        return status == OPEN
