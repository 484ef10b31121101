"""Finding people among those the bot has seen (the core `users` table), and the facts of
their card: who they are, which role they hold and why, whether an admin blocked them, and
what admins last did to them (the core's audit log).

A search is by id, by @username (exact, any case) or by a fragment of the name or username
(any case; SQLite folds ASCII letters only), paged in a stable order: name, then id, so a
page never shifts while people come and go (`last_seen` would).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import func, or_, select

from lucien.core.db.models import User
from lucien.core.roles import resolve_role
from lucien.plugins.admin.models import Admin

if TYPE_CHECKING:
    from lucien.core.context import AppContext

PAGE_SIZE = 8  # a page of results fits a phone screen as one button each
MIN_FRAGMENT = 2  # one letter matches half the house: ask for two
# A search travels in its page buttons' callback data (64 bytes in all, see keyboards):
# the encoded fragment may take this many.
MAX_FRAGMENT_BYTES = 44
_USERNAME = re.compile(r"@([A-Za-z0-9_]{1,32})")


@dataclass(frozen=True)
class Query:
    """What an admin typed, understood: an id, an @username or a name fragment."""

    kind: Literal["id", "username", "name"]
    value: str

    @property
    def user_id(self) -> int:
        return int(self.value)


def parse_query(text: str | None) -> Query | str:
    """The query in `text`, or why it cannot be one (a message key of the admin plugin)."""
    raw = (text or "").strip()
    if raw.isdigit() and int(raw) > 0:
        return Query("id", raw)
    if raw.startswith("@"):
        match = _USERNAME.fullmatch(raw)
        return Query("username", match.group(1)) if match else "users.invalid"
    if raw.startswith("/"):  # a command typed while the search was open
        return "users.invalid"
    if len(raw) < MIN_FRAGMENT:
        return "users.too_short"
    if len(encode_fragment(raw).encode()) > MAX_FRAGMENT_BYTES:
        return "users.too_long"
    return Query("name", raw)


def encode_fragment(fragment: str) -> str:
    """The fragment as callback data may carry it (no ':', the separator)."""
    return fragment.replace("%", "%25").replace(":", "%3A")


def decode_fragment(encoded: str) -> str:
    return encoded.replace("%3A", ":").replace("%25", "%")


@dataclass(frozen=True)
class Person:
    """One row of the core's `users` table, as the admin screens show it."""

    id: int
    first_name: str
    username: str | None
    language_code: str | None
    first_seen: datetime
    last_seen: datetime
    blocked_at: datetime | None
    blocked_by: int | None

    @property
    def name(self) -> str:
        """The display name (unescaped): the first name, else @username, else the id."""
        return self.first_name or (f"@{self.username}" if self.username else str(self.id))


@dataclass(frozen=True)
class SearchPage:
    """One page of a name search; `page` counts from 0."""

    people: list[Person]
    page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


@dataclass(frozen=True)
class RoleFacts:
    """A user's role and why: ADMIN_IDS, the `admins` table, what each plugin grants."""

    role: str | None
    env_admin: bool = False
    added_by: int | None = None
    added_at: datetime | None = None
    stored_admin: bool = False
    granted: list[tuple[str, str]] = field(default_factory=list)  # (plugin, role)


_COLUMNS = (
    User.id,
    User.first_name,
    User.username,
    User.language_code,
    User.first_seen,
    User.last_seen,
    User.blocked_at,
    User.blocked_by,
)


def _person(row: Any) -> Person:
    return Person(*row)


class UserDirectory:
    """Reads over the core `users` table for the admin screens (no writes here)."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    async def get(self, user_id: int) -> Person | None:
        async with self.ctx.db.session(readonly=True) as session:
            row = (await session.execute(select(*_COLUMNS).where(User.id == user_id))).first()
        return _person(row) if row is not None else None

    async def by_username(self, username: str) -> list[Person]:
        """Everyone recorded under `username` (any case): one person, or several when a
        name passed from one account to another; most recently seen first."""
        async with self.ctx.db.session(readonly=True) as session:
            rows = await session.execute(
                select(*_COLUMNS)
                .where(func.lower(User.username) == username.lower())
                .order_by(User.last_seen.desc(), User.id)
            )
            return [_person(r) for r in rows]

    async def search(self, fragment: str, page: int = 0) -> SearchPage:
        """People whose first name or username contains `fragment` (any case), page `page`
        of PAGE_SIZE in a stable order; a page past the end gives the last one."""
        match = or_(
            User.first_name.icontains(fragment, autoescape=True),
            User.username.icontains(fragment, autoescape=True),
        )
        async with self.ctx.db.session(readonly=True) as session:
            total = int(await session.scalar(select(func.count()).where(match)) or 0)
            last = max(0, -(-total // PAGE_SIZE) - 1)
            page = min(max(0, page), last)
            rows = await session.execute(
                select(*_COLUMNS)
                .where(match)
                .order_by(func.lower(User.first_name), User.id)
                .offset(page * PAGE_SIZE)
                .limit(PAGE_SIZE)
            )
            people = [_person(r) for r in rows]
        return SearchPage(people, page, total)

    async def names(self, ids: set[int]) -> dict[int, str]:
        """Display names of `ids` (those the bot never saw are left out)."""
        if not ids:
            return {}
        async with self.ctx.db.session(readonly=True) as session:
            rows = await session.execute(
                select(User.id, User.first_name, User.username).where(User.id.in_(ids))
            )
            return {
                uid: first or (f"@{username}" if username else str(uid))
                for uid, first, username in rows
            }

    async def role_facts(self, user_id: int) -> RoleFacts:
        """The role the core resolves for the user, and every reason for it."""
        env = user_id in set(self.ctx.settings.admin_ids or ())
        async with self.ctx.db.session(readonly=True) as session:
            stored = (
                await session.execute(
                    select(Admin.added_by, Admin.added_at).where(Admin.user_id == user_id)
                )
            ).first()
        answers = await self.ctx.registry.acall_each(
            "lucien_resolve_role", ctx=self.ctx, user_id=user_id
        )
        return RoleFacts(
            role=await resolve_role(self.ctx, user_id),
            env_admin=env,
            added_by=stored[0] if stored else None,
            added_at=stored[1] if stored else None,
            stored_admin=stored is not None,
            granted=sorted((record.name, role) for record, role in answers),
        )


def user_directory(ctx: AppContext) -> UserDirectory:
    return ctx.service("admin.users", UserDirectory)
