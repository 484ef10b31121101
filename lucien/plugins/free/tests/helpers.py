"""Set-up shared by the free plugin's suite and other plugins' tests (diagnostics)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from lucien.plugins.free.models import FreeJoinRequest
from lucien.plugins.free.services import service

LINKS = ["https://instagram.com/diana", "@diana_tiktok"]
#: The buttons LINKS become: named by network; a bare @handle is a Telegram username.
LINK_BUTTONS = {"Instagram": "https://instagram.com/diana", "Telegram": "https://t.me/diana_tiktok"}


async def setup_free(
    harness: Any, *, wait: int = 5, links: list[str] | None = None
) -> tuple[Any, str]:
    """A free channel configured as an admin would save it, and the bot's join link."""
    channel = harness.emulator.create_channel("Vestibule")
    ctx = harness.ctx
    values = (
        ("channel_id", channel.id),
        ("wait_minutes", wait),
        ("social_links", LINKS if links is None else links),
    )
    for key, value in values:
        await ctx.config.update(
            "free", key, value, expected_version=await ctx.config.version("free", key), by=None
        )
    link = await service(ctx).join_link(channel.id)
    assert link is not None
    return channel, link


def url_buttons(message: Any) -> dict[str, str]:
    """The URL buttons under a message the user received: label -> address."""
    return {b["text"]: b["url"] for b in message.inline_buttons if "url" in b}


async def set_free(harness: Any, key: str, value: Any) -> None:
    """Save one free setting as an admin would (the current version presented)."""
    ctx = harness.ctx
    version = await ctx.config.version("free", key)
    await ctx.config.update("free", key, value, expected_version=version, by=None)


async def rows(harness: Any) -> list[FreeJoinRequest]:
    """Every join request row, oldest first."""
    async with harness.ctx.db.session() as s:
        return list(await s.scalars(select(FreeJoinRequest).order_by(FreeJoinRequest.id)))


def viewer(actor: Any) -> Any:
    """The aiogram User an admin screen is rendered for (as the admin plugin passes it)."""
    from aiogram.types import User

    return User(
        id=actor.id,
        is_bot=False,
        first_name=actor.first_name,
        language_code=actor.user.language_code,
    )


async def seed_requests(harness: Any, values: list[dict[str, Any]]) -> None:
    """Insert join request rows in one statement (a seeded world, however large)."""
    from sqlalchemy import insert

    defaults = {"attempts": 0, "times_requested": 1, "ban_checked": True}
    async with harness.ctx.db.session() as s:
        await s.execute(insert(FreeJoinRequest), [{**defaults, **v} for v in values])


class StatementCounter:
    """Counts the SQL statements the database engine runs while it is entered (SQLite's
    PRAGMAs left out: the pool issues them when a connection changes between reading and
    writing, whatever the query)."""

    def __init__(self, ctx: Any) -> None:
        self.engine = ctx.db.engine.sync_engine
        self.count = 0
        self.statements: list[str] = []

    def _seen(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("PRAGMA"):
            return
        self.count += 1
        self.statements.append(statement)

    def __enter__(self) -> StatementCounter:
        from sqlalchemy import event

        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *_exc: object) -> None:
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._seen)


async def audit_of(harness: Any, action: str) -> list[Any]:
    """Audit entries of one action, oldest first."""
    from lucien.core.db.models import AuditEntry

    async with harness.ctx.db.session(readonly=True) as s:
        return list(
            await s.scalars(
                select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
            )
        )
