"""Packages: the users' lists (cached per audience), the admins' paged list, creating,
editing, deactivating and reordering.

Every change commits first, then invalidates the cached lists of every audience: the
cache publishes the invalidation, so every replica drops its copy (a package deactivated
on one replica is gone from the lists of all).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from lucien.plugins.content.models import ContentPackage
from lucien.plugins.content.services.common import (
    AUDIENCES,
    CATEGORIES,
    MEDIA_KINDS,
    PACKAGES_NS,
    PAGE_SIZE,
    ListedPackage,
    PackageView,
    Page,
    page_bounds,
)

if TYPE_CHECKING:
    from lucien.core.context import AppContext

#: The fields an admin may change on an existing package.
EDITABLE = frozenset(
    {"name", "description", "category", "price_minor", "currency", "media_kind", "media_file_id"}
)


@dataclass(frozen=True)
class Moved:
    """What `move` did: the package at its place now (`package.position`, from 1, of
    `total`), and whether it moved (False at either end of the list)."""

    package: PackageView
    moved: bool
    total: int


class Packages:
    """Reading and changing packages. One per process, inside `ContentService`."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    # ------------------------------------------------------------------ reading

    async def visible(self, audience: str) -> list[ListedPackage]:
        """The active packages an audience ("free", "vip", "all") sees, in display order;
        cached until any package changes."""
        categories = AUDIENCES[audience]

        async def load() -> list[dict[str, Any]]:
            async with self.ctx.db.session(readonly=True) as s:
                rows = await s.execute(
                    select(ContentPackage.id, ContentPackage.name, ContentPackage.category)
                    .where(ContentPackage.active.is_(True))
                    .where(ContentPackage.category.in_(categories))
                    .order_by(ContentPackage.position, ContentPackage.id)
                )
                return [{"id": r.id, "name": r.name, "category": r.category} for r in rows]

        raw = await self.ctx.cache.get_or_load(PACKAGES_NS, audience, load)
        return [ListedPackage(**item) for item in raw]

    async def get(self, package_id: int) -> PackageView | None:
        """A package by id, active or not (None when there is no such package)."""
        async with self.ctx.db.session(readonly=True) as s:
            row = await s.get(ContentPackage, package_id)
            return PackageView.of(row) if row is not None else None

    async def page_all(self, page: int) -> Page:
        """Every package, active and inactive, in display order, one page of it."""
        async with self.ctx.db.session(readonly=True) as s:
            total = int(await s.scalar(select(func.count()).select_from(ContentPackage)) or 0)
            page, pages = page_bounds(total, page)
            rows = await s.scalars(
                select(ContentPackage)
                .order_by(ContentPackage.position, ContentPackage.id)
                .offset(page * PAGE_SIZE)
                .limit(PAGE_SIZE)
            )
            return Page([PackageView.of(r) for r in rows], page, pages, total)

    async def all_names(self) -> list[PackageView]:
        """Every package in display order (the inbox's package filter offers them all)."""
        async with self.ctx.db.session(readonly=True) as s:
            rows = await s.scalars(
                select(ContentPackage).order_by(ContentPackage.position, ContentPackage.id)
            )
            return [PackageView.of(r) for r in rows]

    async def counts(self) -> dict[str, int]:
        """Active and inactive packages (the health data)."""
        async with self.ctx.db.session(readonly=True) as s:
            rows = await s.execute(
                select(ContentPackage.active, func.count()).group_by(ContentPackage.active)
            )
            found = {bool(active): int(n) for active, n in rows}
        return {"active_packages": found.get(True, 0), "inactive_packages": found.get(False, 0)}

    # ------------------------------------------------------------------ changing

    async def create(
        self,
        *,
        name: str,
        description: str,
        category: str,
        price_minor: int | None,
        currency: str | None,
        media_kind: str | None = None,
        media_file_id: str | None = None,
        by: int | None = None,
    ) -> PackageView:
        """A new active package, shown last."""
        _check(category=category, media_kind=media_kind)
        now = self.ctx.clock.now()
        async with self.ctx.db.session() as s:
            last = await s.scalar(select(func.max(ContentPackage.position)))
            row = ContentPackage(
                name=name,
                description=description,
                category=category,
                price_minor=price_minor,
                currency=currency if price_minor is not None else None,
                media_kind=media_kind if media_file_id else None,
                media_file_id=media_file_id,
                active=True,
                position=(last or 0) + 1,
                created_by=by,
                created_at=now,
                updated_at=now,
            )
            s.add(row)
            await s.flush()
            view = PackageView.of(row)
        await self._changed()
        return view

    async def update(self, package_id: int, **fields: Any) -> PackageView | None:
        """Change some fields (of `EDITABLE`); None when the package is gone."""
        unknown = set(fields) - EDITABLE
        if unknown:
            raise ValueError(f"not editable: {sorted(unknown)}")
        _check(category=fields.get("category"), media_kind=fields.get("media_kind"))
        async with self.ctx.db.session() as s:
            row = await s.get(ContentPackage, package_id, with_for_update=True)
            if row is None:
                return None
            for key, value in fields.items():
                setattr(row, key, value)
            if row.price_minor is None:
                row.currency = None
            row.updated_at = self.ctx.clock.now()
            view = PackageView.of(row)
        await self._changed()
        return view

    async def set_active(self, package_id: int, active: bool) -> PackageView | None:
        """Deactivate (hide from users; interests and history stay) or reactivate."""
        async with self.ctx.db.session() as s:
            row = await s.get(ContentPackage, package_id, with_for_update=True)
            if row is None:
                return None
            row.active = active
            row.updated_at = self.ctx.clock.now()
            view = PackageView.of(row)
        await self._changed()
        return view

    async def move(self, package_id: int, step: int) -> Moved | None:
        """Move a package one place up (`step` -1) or down (+1) in the display order;
        None when there is no such package.

        Positions are renumbered 1..n on the way, so ties from older rows never stall a
        move. At either end nothing moves (`Moved.moved` is False).
        """
        async with self.ctx.db.session() as s:
            rows = list(
                await s.scalars(
                    select(ContentPackage)
                    .order_by(ContentPackage.position, ContentPackage.id)
                    .with_for_update()
                )
            )
            index = next((i for i, r in enumerate(rows) if r.id == package_id), None)
            if index is None:
                return None
            target = index + (1 if step > 0 else -1)
            moved = 0 <= target < len(rows)
            if moved:
                rows[index], rows[target] = rows[target], rows[index]
            for position, row in enumerate(rows, start=1):
                row.position = position
            view = PackageView.of(rows[target if moved else index])
        await self._changed()
        return Moved(view, moved, len(rows))

    async def _changed(self) -> None:
        """Forget every audience's cached list, here and on every replica."""
        for audience in AUDIENCES:
            await self.ctx.cache.invalidate(PACKAGES_NS, audience)


def _check(*, category: str | None, media_kind: str | None) -> None:
    if category is not None and category not in CATEGORIES:
        raise ValueError(f"unknown category {category!r}")
    if media_kind is not None and media_kind not in MEDIA_KINDS:
        raise ValueError(f"unknown media kind {media_kind!r}")
