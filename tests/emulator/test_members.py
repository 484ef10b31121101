"""Bans, unbans and the bot's own membership."""

from __future__ import annotations

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import ChatMemberBanned, ChatMemberLeft

from lucien.core.clock import FakeClock
from lucien.core.testing.emulator import Emulator


async def _member(emu: Emulator, bot: Bot, channel_id: int, name: str):
    link = await bot.create_chat_invite_link(channel_id)
    user = emu.add_user(name)
    assert await user.join(link.invite_link) == "joined"
    return user, link


async def test_ban_blocks_rejoin_until_unbanned(
    bot: Bot, emu: Emulator, clock: FakeClock, hooked
) -> None:
    """Telegram: a banned user cannot come back through links until unbanned; until_date
    under 30 s means forever."""
    channel = emu.create_channel("VIP")
    ana, link = await _member(emu, bot, channel.id, "Ana")
    until = clock.now().timestamp() + 10
    assert await bot.ban_chat_member(channel.id, ana.id, until_date=int(until))
    member = await bot.get_chat_member(channel.id, ana.id)
    assert isinstance(member, ChatMemberBanned) and member.until_date.timestamp() == 0
    assert await ana.join(link.invite_link) == "banned"
    assert await bot.unban_chat_member(channel.id, ana.id, only_if_banned=True)
    assert channel.members[ana.id] == "left"
    assert await ana.join(link.invite_link) == "joined"


async def test_ban_needs_can_restrict_members(bot: Bot, emu: Emulator, hooked) -> None:
    """Telegram: banChatMember needs can_restrict_members."""
    channel = emu.create_channel("VIP", bot_rights={"can_invite_users": True})
    ana, _ = await _member(emu, bot, channel.id, "Ana")
    with pytest.raises(TelegramBadRequest, match="not enough rights to restrict"):
        await bot.ban_chat_member(channel.id, ana.id)


async def test_unban_without_only_if_banned_removes_member(bot: Bot, emu: Emulator, hooked) -> None:
    """Telegram: unbanChatMember without only_if_banned removes a current member; with it,
    nothing happens to a member who is not banned."""
    channel = emu.create_channel("VIP")
    ana, _ = await _member(emu, bot, channel.id, "Ana")
    assert await bot.unban_chat_member(channel.id, ana.id, only_if_banned=True)
    assert channel.members[ana.id] == "member"
    assert await bot.unban_chat_member(channel.id, ana.id)
    assert channel.members[ana.id] == "left"
    assert isinstance(await bot.get_chat_member(channel.id, ana.id), ChatMemberLeft)


async def test_bot_status_changes_send_my_chat_member(bot: Bot, emu: Emulator, hooked) -> None:
    """Telegram: my_chat_member reaches the bot when its own status changes (default
    allowed_updates include it)."""
    channel = emu.create_channel("VIP")
    await emu.wait_handled(emu.set_bot_rights(channel.id, can_invite_users=False))
    update = hooked.requests[-1][1]["my_chat_member"]
    assert update["new_chat_member"]["can_invite_users"] is False
    assert await bot.leave_chat(channel.id)
    await emu.wait_idle()
    assert hooked.requests[-1][1]["my_chat_member"]["new_chat_member"]["status"] == "left"
