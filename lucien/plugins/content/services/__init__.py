"""Database and business logic of the content plugin, behind one facade: `ContentService`.

Where each part lives: `packages.py` (the packages: users' cached lists, the admins' list,
creating, editing, deactivating, reordering), `interests.py` (recording "Me interesa" with
the admins' notifications in the outbox, and the admins' inbox), `figures.py` (aggregates
for the admins' statistics screen and user card), `common.py` (settings, categories and
audiences, the tuning constants, the views screens receive), `prices.py` (prices as
admins type them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lucien.plugins.content.services.common import (
    AUDIENCES,
    CATEGORIES,
    FREE,
    MAX_DESCRIPTION,
    MAX_NAME,
    MEDIA_KINDS,
    PACKAGES_NS,
    PACKAGES_TTL_S,
    PAGE_SIZE,
    PREMIUM,
    VIP,
    ContentSettings,
    InterestView,
    ListedPackage,
    PackageView,
    Page,
    audience_of,
    clean_text,
)
from lucien.plugins.content.services.figures import (
    CARD_CAP,
    Figures,
    InterestFigures,
    UserInterests,
)
from lucien.plugins.content.services.interests import (
    Attended,
    Interests,
    NotifyMarkup,
    PackageCount,
    Recorded,
    UserCard,
)
from lucien.plugins.content.services.packages import Moved, Packages
from lucien.plugins.content.services.prices import Price, PriceError, parse_price

if TYPE_CHECKING:
    from lucien.core.context import AppContext


class ContentService:
    """Packages and interests. One per process (`service(ctx)`); the parts are reachable
    as `svc.packages`, `svc.interests` and `svc.figures`."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.packages = Packages(ctx)
        self.interests = Interests(ctx)
        self.figures = Figures(ctx)

    async def health_data(self) -> dict[str, int]:
        """What the health check publishes: pending interests and packages by state."""
        data = {"pending_interests": await self.interests.pending_count()}
        data.update(await self.packages.counts())
        return data


def service(ctx: AppContext) -> ContentService:
    """The process's ContentService."""
    return ctx.service("content", ContentService)


__all__ = [
    "AUDIENCES",
    "CARD_CAP",
    "CATEGORIES",
    "FREE",
    "MAX_DESCRIPTION",
    "MAX_NAME",
    "MEDIA_KINDS",
    "PACKAGES_NS",
    "PACKAGES_TTL_S",
    "PAGE_SIZE",
    "PREMIUM",
    "VIP",
    "Attended",
    "ContentService",
    "ContentSettings",
    "Figures",
    "InterestFigures",
    "InterestView",
    "Interests",
    "ListedPackage",
    "Moved",
    "NotifyMarkup",
    "PackageCount",
    "PackageView",
    "Packages",
    "Page",
    "Price",
    "PriceError",
    "Recorded",
    "UserCard",
    "UserInterests",
    "audience_of",
    "clean_text",
    "parse_price",
    "service",
]
