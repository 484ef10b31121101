"""Telegram's limits through the bot's own sending path (TELEGRAM_FACTS: ~1 message/s per
chat, short bursts tolerated; 429 with retry_after beyond)."""

from __future__ import annotations

import asyncio

import pytest
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import CopyMessages, SendMessage

from lucien.core.sender import Sender
from lucien.core.testing.harness import BotHarness

pytestmark = [
    pytest.mark.lucien(plugins=["voice"]),
    pytest.mark.parametrize("db_kind", ["sqlite"], indirect=True),
]


async def _forty_at_once(harness: BotHarness) -> list[BaseException | object]:
    ana = harness.user("Ana")
    await harness.start_app()
    await ana.send("/start")  # she started the bot: messages to her are allowed
    bot = harness.ctx.bot
    return await asyncio.gather(
        *(bot.send_message(ana.id, f"message {i}") for i in range(40)), return_exceptions=True
    )


@pytest.mark.lucien(plugins=["voice"], limits="on")
async def test_forty_messages_to_one_chat_get_429_with_retry_after(harness: BotHarness) -> None:
    results = await _forty_at_once(harness)
    refused = [r for r in results if isinstance(r, TelegramRetryAfter)]
    assert refused, "the emulator let 40 messages to one chat through at once"
    assert all(r.retry_after >= 1 for r in refused)
    statuses = [c.status for c in harness.emulator.calls_of("sendMessage")]
    assert statuses.count(429) == len(refused)


@pytest.mark.lucien(plugins=["voice"], limits="off")
async def test_with_limits_off_none_is_refused(harness: BotHarness) -> None:
    results = await _forty_at_once(harness)
    assert not [r for r in results if isinstance(r, BaseException)]


@pytest.mark.lucien(plugins=["voice"], limits="on")
async def test_the_sender_paces_bulk_sends_to_many_chats_without_a_429(harness: BotHarness) -> None:
    users = [harness.user(f"U{i}") for i in range(30)]
    # They wrote to the bot before (messages to them are allowed); no /start here, whose
    # 30 answers would spend the same second's budget the test measures.
    for user in users:
        user.chat_with(harness.account).started = True
    await harness.start_app()
    sender = Sender(harness.ctx.bot, per_second=20)
    await asyncio.gather(*(sender(SendMessage(chat_id=u.id, text="news")) for u in users))
    statuses = [c.status for c in harness.emulator.calls_of("sendMessage")]
    assert statuses.count(429) == 0
    assert all(u.last.text == "news" for u in users)


@pytest.mark.lucien(plugins=["voice"], limits="on", redis=True)
async def test_two_replicas_share_one_pace_through_redis(harness: BotHarness) -> None:
    """Each replica alone would stay under 30/s; together they would not, unless shared."""
    users = [harness.user(f"U{i}") for i in range(40)]
    for user in users:  # they wrote to the bot before (messages to them are allowed)
        user.chat_with(harness.account).started = True
    await harness.start_app()
    ctx = harness.ctx
    replicas = [
        Sender(ctx.bot, per_second=20, redis=ctx.state.redis, key_prefix=harness.redis_prefix)
        for _ in range(2)
    ]
    await asyncio.gather(
        *(replicas[i % 2](SendMessage(chat_id=u.id, text="news")) for i, u in enumerate(users))
    )
    statuses = [c.status for c in harness.emulator.calls_of("sendMessage")]
    assert len(statuses) == 40 and statuses.count(429) == 0


@pytest.mark.lucien(plugins=["voice"], limits="on")
async def test_an_album_is_paced_as_the_messages_it_holds(harness: BotHarness) -> None:
    """Ten albums of five are fifty messages: paced one call at a time they would break
    Telegram's 30 a second; weighed as five each, none is refused."""
    users = [harness.user(f"U{i}") for i in range(10)]
    for user in users:
        user.chat_with(harness.account).started = True
    ada = harness.user("Ada")
    await harness.start_app()
    album = await ada.send_album([("photo", None)] * 5)
    sender = Sender(harness.ctx.bot, per_second=25)
    ids = [m.message_id for m in album]
    await asyncio.gather(
        *(sender(CopyMessages(chat_id=u.id, from_chat_id=ada.id, message_ids=ids)) for u in users)
    )
    statuses = [c.status for c in harness.emulator.calls_of("copyMessages")]
    assert statuses.count(429) == 0
    assert all(len(u.messages) == 5 for u in users)


async def _busy_chat_then_another(harness: BotHarness, redis: bool) -> int:
    """Twenty notes queued for one chat, then one for another chat: how many of the
    twenty had arrived when the other one was sent."""
    admin, ana = harness.user("Admin"), harness.user("Ana")
    for user in (admin, ana):
        user.chat_with(harness.account).started = True
    await harness.start_app()
    ctx = harness.ctx
    shared = dict(redis=ctx.state.redis, key_prefix=harness.redis_prefix) if redis else {}
    sender = Sender(ctx.bot, per_second=25, **shared)
    busy = [
        asyncio.create_task(sender(SendMessage(chat_id=admin.id, text=f"note {i}")))
        for i in range(20)
    ]
    await asyncio.sleep(0.05)  # every note has reserved its slot
    await sender(SendMessage(chat_id=ana.id, text="your answer"))
    arrived = len(admin.messages)
    for task in busy:
        task.cancel()
    await asyncio.gather(*busy, return_exceptions=True)
    assert ana.last.text == "your answer"
    return arrived


@pytest.mark.lucien(plugins=["voice"], limits="on")
async def test_a_busy_chat_does_not_hold_back_another_chat(harness: BotHarness) -> None:
    """One chat's queue (1 message/s) must not move the global schedule: booking both at
    once sent the other chat's message only after all twenty, 17 s later."""
    assert await _busy_chat_then_another(harness, redis=False) <= 4


@pytest.mark.lucien(plugins=["voice"], limits="on", redis=True)
async def test_a_busy_chat_does_not_hold_back_another_chat_across_replicas(
    harness: BotHarness,
) -> None:
    assert await _busy_chat_then_another(harness, redis=True) <= 4
