"""What several drills share: waiting, updates sent without waiting, what users read, the
free channel's join-request link, and the test's own reads and writes of the database
(with `time_passes`, the drills' clock jump)."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import DateTime, MetaData, func, update
from sqlalchemy.ext.asyncio import create_async_engine

from lucien.core.settings import normalize_database_url
from lucien.core.testing.emulator import PendingUpdate, UserActor, membership
from lucien.core.testing.emulator.state import ChatState, InviteLink, StoredMessage
from lucien.core.testing.replicas import Cluster

#: After the last message a drill expects: a job tick and a half (the jobs run every
#: second) in which no second copy came.
SETTLE = 1.5


async def wait_until(
    condition: Callable[[], bool], within: float, what: str, step: float = 0.05
) -> float:
    """Poll `condition` until true; the seconds it took (AssertionError naming `what`
    after `within` seconds)."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > within:
            raise AssertionError(f"not within {within}s: {what}")
        await asyncio.sleep(step)
    return time.monotonic() - started


def push_text(cluster: Cluster, actor: UserActor, text: str) -> PendingUpdate:
    """Queue `text` from `actor` and return at once (`UserActor.send` waits for the bot)."""
    assert cluster.bot is not None
    chat = actor.chat_with(cluster.bot)
    chat.started = True
    entities = []
    if text.startswith("/"):
        entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    message = StoredMessage(
        message_id=chat.next_message_id(),
        chat=actor.user.private_chat(),
        date=cluster.emulator.clock.now(),
        sender=actor.user.to_api(),
        text=text,
        entities=entities,
    )
    chat.messages[message.message_id] = message
    pending = cluster.bot.queue.push("message", message.to_api())
    assert pending is not None
    return pending


def vip_answers(user: UserActor) -> list[str]:
    """What the bot answered to `/vip` (a never-subscribed user's: the way to redeem an
    invitation, alone)."""
    return [m.text or "" for m in user.messages if m.buttons == [["Canjear invitación"]]]


def greetings(user: UserActor) -> list[str]:
    """The /start greetings (with the vip plugin: the main menu offers to redeem, among
    its other buttons)."""
    return [
        m.text or ""
        for m in user.messages
        if ["Canjear invitación"] in m.buttons and len(m.buttons) > 1
    ]


def join_request_link(cluster: Cluster, chat: ChatState) -> InviteLink:
    """A link of `chat` that makes a join request (as the bot's own link would)."""
    assert cluster.bot is not None
    link = InviteLink("https://t.me/+" + secrets.token_urlsafe(12), cluster.bot.id, True)
    chat.invite_links[link.invite_link] = link
    return link


def request_to_join(
    cluster: Cluster, chat: ChatState, user: UserActor, link: InviteLink
) -> list[PendingUpdate]:
    """`user` asks to join through `link`; returns at once (the updates are queued)."""
    return membership.request_to_join(cluster.emulator, chat, user.id, link)


async def execute(cluster: Cluster, statement: Any) -> Any:
    """Run one statement on the drill's database (how a drill moves time: real processes
    use the real clock)."""
    engine = create_async_engine(normalize_database_url(cluster.database_url).url)
    try:
        async with engine.begin() as conn:
            result = await conn.execute(statement)
            return result.all() if statement.is_select else None
    finally:
        await engine.dispose()


async def time_passes(cluster: Cluster, seconds: float) -> int:
    """A drill's clock jump for the database: every timestamp the replicas scheduled within
    `seconds` from now (a due time, a lease's end, a back-off) becomes now.

    Real processes run on the real clock; waiting a minute for a lease to lapse would spend
    the drills' time budget. Returns how many values moved.
    """
    engine = create_async_engine(normalize_database_url(cluster.database_url).url)
    moved = 0
    try:
        async with engine.begin() as conn:
            meta = MetaData()
            await conn.run_sync(meta.reflect)
            soon = func.now() + timedelta(seconds=seconds)
            for table in meta.sorted_tables:
                for column in table.columns:
                    if isinstance(column.type, DateTime):
                        result = await conn.execute(
                            update(table)
                            .where(column > func.now(), column <= soon)
                            .values({column.name: func.now()})
                        )
                        moved += result.rowcount
    finally:
        await engine.dispose()
    return moved
