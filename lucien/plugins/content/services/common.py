"""What every part of the content service shares: the settings, the categories and who
sees them, the tuning constants (each says why), and the views handed to handlers (prices are
read in `prices.py`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from lucien.core.formatting import Money

if TYPE_CHECKING:
    from lucien.core.context import AppContext
    from lucien.core.plugin import Role

#: Categories, and what each role sees: free users the free content; VIPs (and any role
#: ranked at or above them) the VIP content and premium; admins everything.
FREE, VIP, PREMIUM = "free", "vip", "premium"
CATEGORIES = (FREE, VIP, PREMIUM)
ADMIN_ROLE = "admin"
VIP_ROLE = "vip"
AUDIENCES: dict[str, tuple[str, ...]] = {
    "free": (FREE,),
    "vip": (VIP, PREMIUM),
    "all": CATEGORIES,
}

#: The cache namespace of the users' package lists, one key per audience. Every edit
#: invalidates it, on every replica (the cache's pub/sub), so the local copy may live as
#: long as the shared one.
PACKAGES_NS = "content_packages"
PACKAGES_TTL_S = 300.0

#: Rows per page in every list (users' and admins'): a screen without scrolling.
PAGE_SIZE = 8
#: Field limits. A detail screen with media is a caption (1024 characters at most): the
#: name, the description and Lucien's words around them must fit.
MAX_NAME = 64
MAX_DESCRIPTION = 700
MEDIA_KINDS = ("photo", "video", "document")

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class ContentSettings(BaseSettings):
    """The content plugin's settings (`CONTENT_*`); admins edit the marked ones from chat."""

    model_config = SettingsConfigDict(env_prefix="CONTENT_", extra="ignore")

    # The same user's "Me interesa" on the same package within this window counts once.
    interest_dedupe_minutes: int = Field(
        5, ge=0, le=1440, json_schema_extra={"lucien": {"editable": True, "kind": "int"}}
    )


def audience_of(ctx: AppContext, role: Role | None) -> str:
    """Which packages a role sees: "all" (admins), "vip" (VIPs and above), "free"."""
    if role == ADMIN_ROLE:
        return "all"
    if role is not None and role in ctx.roles.at_least(VIP_ROLE):
        return "vip"
    return "free"


def clean_text(raw: str | None) -> str:
    """What an admin typed, trimmed and without control characters (newlines kept)."""
    return _CONTROL.sub("", raw or "").strip()


@dataclass(frozen=True)
class PackageView:
    """A package as screens show it (plain values; the voice escapes them)."""

    id: int
    name: str
    description: str
    category: str
    price_minor: int | None
    currency: str | None
    media_kind: str | None
    media_file_id: str | None
    active: bool
    position: int

    @property
    def price(self) -> Money | None:
        """The price as the voice formats it, or None: on request."""
        if self.price_minor is None or not self.currency:
            return None
        return Money.from_minor(self.price_minor, self.currency)

    @classmethod
    def of(cls, row: Any) -> PackageView:
        return cls(
            id=row.id,
            name=row.name,
            description=row.description,
            category=row.category,
            price_minor=row.price_minor,
            currency=row.currency,
            media_kind=row.media_kind,
            media_file_id=row.media_file_id,
            active=bool(row.active),
            position=row.position,
        )


@dataclass(frozen=True)
class ListedPackage:
    """A line of a users' list: what the cache holds per audience."""

    id: int
    name: str
    category: str


@dataclass(frozen=True)
class InterestView:
    """An interest as the inbox shows it."""

    id: int
    user_id: int
    first_name: str
    username: str | None
    package_id: int
    package_name: str
    category: str
    created_at: datetime
    attended_at: datetime | None
    attended_by: int | None
    attended_by_name: str | None


@dataclass(frozen=True)
class Page:
    """One page of a list: its items, its number (from 0) and how many pages there are."""

    items: list[Any]
    page: int
    pages: int
    total: int


def page_bounds(total: int, page: int) -> tuple[int, int]:
    """(the page actually shown, the number of pages): a page past the end shows the last."""
    pages = max(1, -(-total // PAGE_SIZE))
    return min(max(0, page), pages - 1), pages
