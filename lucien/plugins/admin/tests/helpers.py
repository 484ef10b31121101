"""What the user-card and statistics tests share: a stand-in plugin contributing a card
section and a statistics section ("ledger"), one whose hooks raise ("broken"), people
seeded straight into the core's `users` table, a forwarded message from a person (or a
hidden one), a forged button press, and a statement counter.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from importlib.metadata import EntryPoint
from typing import Any

from aiogram.types import InlineKeyboardButton
from sqlalchemy import event, insert

from lucien.core.db.models import User
from lucien.core.plugin import PluginInfo, Section, hookimpl
from lucien.core.testing.emulator.state import CallbackQueryState, StoredMessage

# ----------------------------------------------------------------------------- plugins


class Ledger:
    """A plugin with a card section (long for the ids in LONG) and a statistics section
    that says how many times it was computed (so a cached screen shows)."""

    LONG: set[int] = set()

    def __init__(self) -> None:
        self.computed = 0

    @hookimpl
    def lucien_plugin_info(self) -> PluginInfo:
        return PluginInfo(name="ledger", version="0.0.0")

    @hookimpl
    async def lucien_user_card(self, ctx: Any, user_id: int, viewer: Any) -> Section | None:
        count = 12 if user_id in self.LONG else 2
        return Section(
            title="Ledger",
            lines=tuple(f"Entry {i} &lt;{user_id}&gt;" for i in range(1, count + 1)),
            buttons=(InlineKeyboardButton(text="Ledger action", callback_data="ledger:act"),),
            order=50,
        )

    @hookimpl
    async def lucien_statistics(self, ctx: Any, viewer: Any) -> Section | None:
        self.computed += 1
        return Section(
            title="Ledger figures",
            lines=(f"Computed: {self.computed}",),
            buttons=(InlineKeyboardButton(text="Ledger list", callback_data="ledger:list"),),
            order=50,
        )


class Broken:
    """A plugin whose card and statistics hooks raise: its sections are left out."""

    @hookimpl
    def lucien_plugin_info(self) -> PluginInfo:
        return PluginInfo(name="broken", version="0.0.0")

    @hookimpl
    async def lucien_user_card(self, ctx: Any, user_id: int, viewer: Any) -> Section | None:
        raise RuntimeError("the broken plugin's card")

    @hookimpl
    async def lucien_statistics(self, ctx: Any, viewer: Any) -> Section | None:
        raise RuntimeError("the broken plugin's statistics")


ledger = Ledger()
broken = Broken()


def _ep(name: str, value: str) -> EntryPoint:
    return EntryPoint(name, value, "lucien.plugins")


ENTRY_POINTS = [
    _ep("admin", "lucien.plugins.admin:plugin"),
    _ep("voice", "lucien.plugins.voice:plugin"),
    _ep("ledger", f"{__name__}:ledger"),
    _ep("broken", f"{__name__}:broken"),
]

# ----------------------------------------------------------------------------- people


async def seed_people(
    ctx: Any, names: list[str], *, first_id: int, last_seen: datetime | None = None
) -> list[int]:
    """Rows in the core's users table as if each had written once (in batches)."""
    now = ctx.clock.now()
    seen = last_seen or now
    rows = [
        {
            "id": first_id + i,
            "first_name": name,
            "username": None,
            "language_code": "es",
            "first_seen": seen,
            "last_seen": seen,
        }
        for i, name in enumerate(names)
    ]
    for start in range(0, len(rows), 2000):
        async with ctx.db.session() as s:
            await s.execute(insert(User), rows[start : start + 2000])
    return [first_id + i for i in range(len(names))]


def days_ago(ctx: Any, days: int) -> datetime:
    moment: datetime = ctx.clock.now() - timedelta(days=days)
    return moment


async def forward_message_of(
    harness: Any, actor: Any, sender: Any | None, text: str = "…", *, hidden: str = ""
) -> StoredMessage:
    """`actor` forwards to the bot a message `sender` wrote (forward_origin of type user),
    or, with `hidden`, one whose author hides their account (type hidden_user)."""
    account = harness.emulator.bot
    chat = actor.chat_with()
    date = int(harness.clock.now().timestamp())
    origin: dict[str, Any] = {"type": "hidden_user", "sender_user_name": hidden, "date": date}
    if not hidden:
        assert sender is not None
        origin = {"type": "user", "sender_user": sender.user.to_api(), "date": date}
    message = StoredMessage(
        message_id=chat.next_message_id(),
        chat=actor.user.private_chat(),
        date=harness.clock.now(),
        sender=actor.user.to_api(),
        text=text,
        forward_origin=origin,
    )
    chat.messages[message.message_id] = message
    await harness.emulator.wait_handled([account.queue.push("message", message.to_api())])
    return message


async def forge_click(harness: Any, actor: Any, data: str) -> CallbackQueryState:
    """Press a button with arbitrary callback data on the actor's latest message."""
    account = harness.emulator.bot
    target = actor.messages[-1]
    query = CallbackQueryState(secrets.token_hex(8), actor.id, account.id, target.message_id, data)
    harness.emulator.callback_queries[query.id] = query
    body = {
        "id": query.id,
        "from": actor.user.to_api(),
        "message": target.to_api(),
        "chat_instance": "1",
        "data": data,
    }
    await harness.emulator.wait_handled([account.queue.push("callback_query", body)])
    return query


@contextmanager
def counting_statements(ctx: Any) -> Iterator[list[str]]:
    """Every SQL statement sent to the database inside the block, but SQLite's PRAGMAs:
    those switch a pooled connection between read-only and writing, depending on its last
    use rather than on the work asked."""
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.lstrip().upper().startswith("PRAGMA"):
            statements.append(statement)

    engine = ctx.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)
