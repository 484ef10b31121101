"""Finding people among those the bot has seen (the core `users` table), and the facts of
their card: who they are, which role they hold and why, whether an admin blocked them, and
what admins last did to them (the core's audit log).

A search is by id, by @username (exact, any case) or by a fragment of the name or username,
paged in a stable order: name, then id, so a page never shifts while people come and go
(`last_seen` would).

A name matches in any case and with or without accents ("PEREZ" finds "Pérez"): both sides
are compared folded (`fold`: lower case, accents stripped). The fragment is folded in
Python; the column in SQL, in the same single statement whatever the number of users:
SQLite by `fold` itself, registered on the connection as a deterministic SQL function
(its own lower() folds ASCII only); PostgreSQL by lower() then translate() over the Latin
letters that carry accents (its unaccent extension is not installed everywhere).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import Connection, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

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
# Telegram ids are stored as BIGINT: a larger number names nobody (and SQLite's driver
# refuses to bind it), so it is refused as an id before any query.
MAX_ID = 2**63 - 1
FOLD_FUNCTION = "lucien_fold"  # the SQL name of `fold` on SQLite connections


def telegram_id(text: str | None) -> int | None:
    """The id written in `text` (ASCII digits, 1 to MAX_ID), or None."""
    raw = (text or "").strip()
    if not (raw.isascii() and raw.isdigit()):
        return None
    number = int(raw)
    return number if 0 < number <= MAX_ID else None


def fold(text: str) -> str:
    """`text` as a search compares it: lower case, accents stripped ("PÉREZ" -> "perez").
    Lowered first, so that a capital whose lower form gains an accent ("İ") loses it too."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _sql_fold(text: str | None) -> str | None:
    return None if text is None else fold(text)


def _translation() -> tuple[str, str]:
    """translate()'s two alphabets for PostgreSQL: every Latin letter (either case) that
    `fold` turns into one other letter, and that letter ("É" and "é" -> "e"); then the
    combining accents, which translate() deletes (the source is longer than the target),
    for names stored decomposed."""
    source, target = [], []
    for code in [*range(0xC0, 0x250), *range(0x1E00, 0x1F00)]:
        letter = chr(code)
        folded = fold(letter)
        if len(folded) == 1 and folded != letter:
            source.append(letter)
            target.append(folded)
    source.extend(chr(code) for code in range(0x300, 0x370))
    return "".join(source), "".join(target)


_ACCENTED, _PLAIN = _translation()


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
    if raw.isascii() and raw.isdigit():
        return Query("id", raw) if telegram_id(raw) is not None else "users.bad_id"
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


def _register_fold(connection: Connection) -> None:
    """Make `fold` callable from SQL on this SQLite connection (registering it again
    replaces it: cheap, and no statement is sent)."""
    # The driver's connection as SQLAlchemy adapts it (aiosqlite's, awaited for us, since
    # run_sync runs this where SQLAlchemy may wait on the driver).
    driver: Any = connection.connection.dbapi_connection
    driver.create_function(FOLD_FUNCTION, 1, _sql_fold, deterministic=True)


def _folded(column: Any, dialect: str) -> ColumnElement[Any]:
    """`column` folded in SQL the way `fold` folds the fragment."""
    if dialect == "sqlite":
        return getattr(func, FOLD_FUNCTION)(column)
    return func.translate(func.lower(column), _ACCENTED, _PLAIN)


class UserDirectory:
    """Reads over the core `users` table for the admin screens (no writes here)."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    async def get(self, user_id: int) -> Person | None:
        if not 0 < user_id <= MAX_ID:  # a forged button: nobody, and no query
            return None
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
        """People whose first name or username contains `fragment` (any case, with or
        without accents), page `page` of PAGE_SIZE in a stable order; a page past the end
        gives the last one."""
        wanted = fold(fragment)
        async with self.ctx.db.session(readonly=True) as session:
            connection = await session.connection()
            dialect = connection.dialect.name
            if dialect == "sqlite":
                await connection.run_sync(_register_fold)
            name = _folded(User.first_name, dialect)
            # Telegram usernames are ASCII letters, digits and "_": lower() is enough.
            match = or_(
                name.contains(wanted, autoescape=True),
                func.lower(User.username).contains(wanted, autoescape=True),
            )
            total = int(await session.scalar(select(func.count()).where(match)) or 0)
            last = max(0, -(-total // PAGE_SIZE) - 1)
            page = min(max(0, page), last)
            rows = await session.execute(
                select(*_COLUMNS)
                .where(match)
                .order_by(name, User.id)
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
