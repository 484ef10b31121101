"""The admins' list of VIP subscribers: filters, stable pages and the CSV export.

Filters: `active` (a period running now), `expiring` (running and ending within 7 days),
`expired` (ended in the last 30 days, by expiry or revocation), `plan` (running on one
plan). The order is stable whatever happens between two pages' reads of the same rows:
running periods by end then user id (the soonest to end first), ended ones by end
descending then user id (the latest first). Pages are offsets over that order.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import and_, func, or_, select

from lucien.core.db.models import User
from lucien.plugins.vip.models import Plan, Subscription
from lucien.plugins.vip.services.common import VipPart

SubscriberFilter = Literal["active", "expiring", "expired", "plan"]
FILTERS: tuple[SubscriberFilter, ...] = ("active", "expiring", "expired", "plan")
PAGE_SIZE = 10
EXPIRING_DAYS = 7
EXPIRED_DAYS = 30


@dataclass(frozen=True)
class SubscriberRow:
    """One subscriber as the list and the CSV show them (`plan` None: no plan)."""

    user_id: int
    name: str | None
    username: str | None
    plan: str | None
    started_at: datetime
    ends_at: datetime
    active: bool


def _cell(text: str | None) -> str:
    """Text users or admins wrote, kept from being read as a formula by spreadsheets."""
    value = text or ""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


class Subscribers(VipPart):
    """Paged, filtered subscriber lists and their export."""

    def _where_and_order(self, kind: SubscriberFilter, plan_id: int) -> tuple[Any, list[Any]]:
        now = self._now()
        active = and_(Subscription.expired_at.is_(None), Subscription.ends_at > now)
        soonest = [Subscription.ends_at.asc(), Subscription.user_id.asc()]
        if kind == "expiring":
            return and_(
                active, Subscription.ends_at <= now + timedelta(days=EXPIRING_DAYS)
            ), soonest
        if kind == "expired":
            ended = or_(Subscription.expired_at.is_not(None), Subscription.ends_at <= now)
            recent = Subscription.ends_at > now - timedelta(days=EXPIRED_DAYS)
            return and_(ended, recent), [Subscription.ends_at.desc(), Subscription.user_id.desc()]
        if kind == "plan":
            return and_(active, Subscription.plan_id == plan_id), soonest
        return active, soonest

    def _select(self) -> Any:
        now = self._now()
        return (
            select(
                Subscription.user_id,
                User.first_name,
                User.username,
                Plan.name,
                Subscription.started_at,
                Subscription.ends_at,
                and_(Subscription.expired_at.is_(None), Subscription.ends_at > now).label("active"),
            )
            .outerjoin(Plan, Plan.id == Subscription.plan_id)
            .outerjoin(User, User.id == Subscription.user_id)
        )

    @staticmethod
    def _rows(result: Any) -> list[SubscriberRow]:
        return [
            SubscriberRow(uid, name, username, plan, started, ends, bool(active))
            for uid, name, username, plan, started, ends, active in result.all()
        ]

    async def page(
        self, kind: SubscriberFilter, page: int, *, plan_id: int = 0, size: int = PAGE_SIZE
    ) -> tuple[list[SubscriberRow], int]:
        """One page (0-based) of the filter's subscribers, and how many there are."""
        where, order = self._where_and_order(kind, plan_id)
        async with self.ctx.db.session(readonly=True) as s:
            total = int(
                await s.scalar(select(func.count()).select_from(Subscription).where(where)) or 0
            )
            result = await s.execute(
                self._select().where(where).order_by(*order).limit(size).offset(page * size)
            )
            return self._rows(result), total

    async def all_rows(self, kind: SubscriberFilter, *, plan_id: int = 0) -> list[SubscriberRow]:
        """Every subscriber of the filter, in the list's order (the CSV export)."""
        where, order = self._where_and_order(kind, plan_id)
        async with self.ctx.db.session(readonly=True) as s:
            return self._rows(await s.execute(self._select().where(where).order_by(*order)))

    @staticmethod
    def csv(rows: list[SubscriberRow]) -> bytes:
        """A CSV document: one line per subscriber, times in UTC (ISO 8601)."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(
            ["user_id", "name", "username", "plan", "started_utc", "ends_utc", "active"]
        )
        for r in rows:
            writer.writerow([
                r.user_id, _cell(r.name), _cell(r.username), _cell(r.plan),
                r.started_at.isoformat(), r.ends_at.isoformat(), "yes" if r.active else "no",
            ])  # fmt: skip
        return out.getvalue().encode("utf-8")
