"""The content plugin's figures for the admins' screens: the statistics screen's (interests
pending and attended, packages active and inactive) and a user card's (that user's
interests, newest first, capped).

Each is a fixed number of statements however many rows there are: the statistics are
counts with filters in one statement per table, so 10,000 interests cost what 10 do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, func, select

from lucien.plugins.content.models import ContentInterest, ContentPackage
from lucien.plugins.content.services.common import InterestView
from lucien.plugins.content.services.interests import view_of

if TYPE_CHECKING:
    from lucien.core.context import AppContext

#: Interests a user card lists: enough to see what a person asks for, short enough that
#: the card (every plugin's sections in one message) stays readable.
CARD_CAP = 5
#: The statistics' recent windows, in days (the issue's "in 7 and 30 days").
WEEK, MONTH = 7, 30


@dataclass(frozen=True)
class InterestFigures:
    """The statistics screen's figures.

    `pending_*`: interests nobody attended yet, all of them and those that arrived in the
    last 7 / 30 days; `attended_*`: attended ones, all and those attended in the last
    7 / 30 days; packages by state.
    """

    pending: int
    pending_7d: int
    pending_30d: int
    attended: int
    attended_7d: int
    attended_30d: int
    active_packages: int
    inactive_packages: int


@dataclass(frozen=True)
class UserInterests:
    """A user's latest interests (at most `CARD_CAP`), and how many they have in all."""

    items: list[InterestView]
    total: int
    pending: int


class Figures:
    """Aggregates for the admins' screens. One per process, in `ContentService`."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    async def statistics(self) -> InterestFigures:
        """The statistics screen's figures: two statements, whatever the row counts."""
        now = self.ctx.clock.now()
        week, month = now - timedelta(days=WEEK), now - timedelta(days=MONTH)
        created, attended_at = ContentInterest.created_at, ContentInterest.attended_at
        pending = attended_at.is_(None)

        def count(*conditions: ColumnElement[bool]) -> ColumnElement[int]:
            return func.count(ContentInterest.id).filter(*conditions)

        active = func.count(ContentPackage.id).filter(ContentPackage.active.is_(True))
        async with self.ctx.db.session(readonly=True) as s:
            interests = (
                await s.execute(
                    select(
                        count(pending),
                        count(pending, created >= week),
                        count(pending, created >= month),
                        count(attended_at.is_not(None)),
                        count(attended_at >= week),
                        count(attended_at >= month),
                    )
                )
            ).one()
            packages = (await s.execute(select(active, func.count(ContentPackage.id)))).one()
        pending_n, pending_7d, pending_30d, attended_n, attended_7d, attended_30d = (
            int(n or 0) for n in interests
        )
        active_n, all_n = int(packages[0] or 0), int(packages[1] or 0)
        return InterestFigures(
            pending=pending_n,
            pending_7d=pending_7d,
            pending_30d=pending_30d,
            attended=attended_n,
            attended_7d=attended_7d,
            attended_30d=attended_30d,
            active_packages=active_n,
            inactive_packages=all_n - active_n,
        )

    async def of_user(self, user_id: int, *, cap: int = CARD_CAP) -> UserInterests:
        """The user's latest `cap` interests (newest first) with their package, and their
        counts: two statements."""
        mine = ContentInterest.user_id == user_id
        async with self.ctx.db.session(readonly=True) as s:
            rows = await s.execute(
                select(ContentInterest, ContentPackage)
                .join(ContentPackage, ContentPackage.id == ContentInterest.package_id)
                .where(mine)
                .order_by(ContentInterest.created_at.desc(), ContentInterest.id.desc())
                .limit(cap)
            )
            items = [view_of(i, p) for i, p in rows]
            total, pending = (
                await s.execute(
                    select(
                        func.count(ContentInterest.id),
                        func.count(ContentInterest.id).filter(
                            ContentInterest.attended_at.is_(None)
                        ),
                    ).where(mine)
                )
            ).one()
        return UserInterests(items, int(total or 0), int(pending or 0))
