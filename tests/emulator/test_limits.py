"""Telegram's sending limits, answered with 429 and retry_after."""

from __future__ import annotations

import asyncio

from aiogram import Bot
from aiogram.exceptions import TelegramRetryAfter

from lucien.core.testing.emulator import Emulator


async def _burst(bot: Bot, chat_ids: list[int]) -> list[object]:
    return await asyncio.gather(
        *(bot.send_message(chat_id, f"n{n}") for n, chat_id in enumerate(chat_ids)),
        return_exceptions=True,
    )


async def test_forty_messages_to_one_chat_hit_429(bot: Bot, emu: Emulator, hooked) -> None:
    """Telegram: about 1 message per second per chat (short bursts tolerated); beyond that
    429 "Too Many Requests: retry after N" with parameters.retry_after."""
    ana = emu.add_user("Ana")
    await ana.send("/start")
    emu.limiter.enabled = True
    results = await _burst(bot, [ana.id] * 40)
    refused = [r for r in results if isinstance(r, TelegramRetryAfter)]
    assert len(refused) == 37 and len(results) - len(refused) == 3
    assert {r.retry_after for r in refused} == {1}
    assert "Too Many Requests: retry after 1" in str(refused[0])
    assert len(ana.messages) == 3
    assert [c.status for c in emu.calls_of("sendMessage")].count(429) == 37


async def test_no_429_when_limits_off(bot: Bot, emu: Emulator, hooked) -> None:
    """With limits="off" (the default) the same burst all goes through."""
    ana = emu.add_user("Ana")
    await ana.send("/start")
    results = await _burst(bot, [ana.id] * 40)
    assert not [r for r in results if isinstance(r, Exception)]
    assert len(ana.messages) == 40


async def test_group_limit_twenty_per_minute(bot: Bot, emu: Emulator) -> None:
    """Telegram: 20 messages per minute to one group or channel."""
    channel = emu.create_channel("News")
    emu.limiter.enabled = True
    results = await _burst(bot, [channel.id] * 22)
    refused = [r for r in results if isinstance(r, TelegramRetryAfter)]
    assert len(refused) == 2 and 55 <= refused[0].retry_after <= 60


async def test_bulk_limit_thirty_per_second(bot: Bot, emu: Emulator, hooked) -> None:
    """Telegram: about 30 messages per second in bulk across different chats."""
    users = [emu.add_user(f"U{n}") for n in range(33)]
    for user in users:
        await user.send("/start")
    emu.limiter.enabled = True
    results = await _burst(bot, [u.id for u in users])
    assert sum(isinstance(r, TelegramRetryAfter) for r in results) == 3


async def test_limit_scale_shrinks_the_windows(bot: Bot, emu: Emulator, hooked) -> None:
    """limit_scale makes limits fast for tests: waiting retry_after * scale real seconds
    lets the next message through."""
    ana = emu.add_user("Ana")
    await ana.send("/start")
    emu.limiter.enabled, emu.limiter.scale = True, 0.02
    results = await _burst(bot, [ana.id] * 5)
    refused = [r for r in results if isinstance(r, TelegramRetryAfter)]
    assert refused and refused[0].retry_after == 1
    await asyncio.sleep(refused[0].retry_after * 0.02 + 0.005)
    assert (await bot.send_message(ana.id, "ya")).text == "ya"
