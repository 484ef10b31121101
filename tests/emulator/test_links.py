"""Invite links, join requests and the rights they need."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import ChatJoinRequest

from lucien.core.clock import FakeClock
from lucien.core.testing.emulator import Emulator


async def test_invite_link_needs_can_invite_users(bot: Bot, emu: Emulator) -> None:
    """Telegram: createChatInviteLink needs can_invite_users; a non-admin bot gets
    CHAT_ADMIN_REQUIRED; a bot outside the channel is "not a member of the channel chat"."""
    channel = emu.create_channel(
        "VIP", bot_rights={"can_invite_users": False, "can_post_messages": True}
    )
    with pytest.raises(TelegramBadRequest, match="not enough rights to manage chat invite"):
        await bot.create_chat_invite_link(channel.id)
    emu.set_bot_status(channel.id, "member")
    with pytest.raises(TelegramBadRequest, match="CHAT_ADMIN_REQUIRED"):
        await bot.create_chat_invite_link(channel.id)
    emu.set_bot_status(channel.id, "left")
    with pytest.raises(TelegramForbiddenError, match="bot is not a member of the channel chat"):
        await bot.create_chat_invite_link(channel.id)
    emu.set_bot_rights(channel.id, can_invite_users=True)
    link = await bot.create_chat_invite_link(channel.id, name="vip")
    assert link.creator.id == bot.id and not link.is_revoked and link.name == "vip"


async def test_member_limit_one_refuses_second_user_until_slot_frees(
    bot: Bot, emu: Emulator, hooked
) -> None:
    """Telegram: a member_limit 1 link admits one user; the slot frees when that member
    leaves."""
    channel = emu.create_channel("VIP")
    link = await bot.create_chat_invite_link(channel.id, member_limit=1)
    ana, bea = emu.add_user("Ana"), emu.add_user("Bea")
    assert await ana.join(link.invite_link) == "joined"
    assert await bea.join(link.invite_link) == "limit_reached"
    assert channel.members[ana.id] == "member" and bea.id not in channel.members
    await ana.leave(channel.id)
    assert channel.members[ana.id] == "left"
    assert await bea.join(link.invite_link) == "joined"


async def test_link_option_validation(bot: Bot, emu: Emulator) -> None:
    """Telegram: creates_join_request cannot be combined with member_limit; name is at most
    32 characters; member_limit is 1-99999."""
    channel = emu.create_channel("VIP")
    with pytest.raises(TelegramBadRequest, match="member limit can't be specified"):
        await bot.create_chat_invite_link(channel.id, member_limit=5, creates_join_request=True)
    with pytest.raises(TelegramBadRequest):
        await bot.create_chat_invite_link(channel.id, name="x" * 33)
    with pytest.raises(TelegramBadRequest):
        await bot.create_chat_invite_link(channel.id, member_limit=100_000)
    assert channel.invite_links == {}


async def test_revoked_and_expired_links_refuse(
    bot: Bot, emu: Emulator, clock: FakeClock, hooked
) -> None:
    """Telegram: revokeChatInviteLink returns the link with is_revoked true and it no longer
    admits anyone; a link past its expire_date admits no one."""
    channel = emu.create_channel("VIP")
    revoked = await bot.create_chat_invite_link(channel.id)
    result = await bot.revoke_chat_invite_link(channel.id, revoked.invite_link)
    assert result.is_revoked and result.invite_link == revoked.invite_link
    expiring = await bot.create_chat_invite_link(
        channel.id, expire_date=clock.now() + timedelta(hours=1)
    )
    ana = emu.add_user("Ana")
    assert await ana.join(revoked.invite_link) == "revoked"
    clock.advance(hours=2)
    assert await ana.join(expiring.invite_link) == "expired"
    assert ana.id not in channel.members


async def test_bot_edits_and_revokes_only_its_own_links(bot: Bot, emu: Emulator) -> None:
    """Telegram: a bot can edit or revoke only the links it created."""
    other = emu.create_bot(username="other_bot")
    channel = emu.create_channel("VIP")
    theirs = await bot.create_chat_invite_link(channel.id)
    channel.invite_links[theirs.invite_link].creator_id = other.id
    with pytest.raises(TelegramBadRequest):
        await bot.revoke_chat_invite_link(channel.id, theirs.invite_link)
    mine = await bot.create_chat_invite_link(channel.id, name="a")
    edited = await bot.edit_chat_invite_link(channel.id, mine.invite_link, name="b", member_limit=3)
    assert edited.name == "b" and edited.member_limit == 3
    primary = await bot.export_chat_invite_link(channel.id)
    assert channel.invite_links[primary].is_primary


async def test_join_request_flow_and_five_minute_window(
    bot: Bot, emu: Emulator, clock: FakeClock, hooked
) -> None:
    """Telegram: a creates_join_request link yields a chat_join_request update (with
    user_chat_id); the bot may DM the requester for 5 minutes while the request is pending,
    after which it "can't initiate conversation"; approve adds the member."""
    channel = emu.create_channel("Free")
    link = await bot.create_chat_invite_link(channel.id, creates_join_request=True)
    ana = emu.add_user("Ana")
    assert await ana.join(link.invite_link) == "requested"
    update = hooked.requests[-1][1]["chat_join_request"]
    assert update["user_chat_id"] == ana.id and update["invite_link"]["creates_join_request"]
    assert ana.id in channel.join_requests and ana.id not in channel.members
    assert await ana.join(link.invite_link) == "already_requested"

    await bot.send_message(update["user_chat_id"], "Su solicitud está en curso")
    assert ana.last_text == "Su solicitud está en curso"
    clock.advance(minutes=5, seconds=1)
    with pytest.raises(TelegramForbiddenError, match="can't initiate conversation"):
        await bot.send_message(ana.id, "tarde")

    assert await bot.approve_chat_join_request(channel.id, ana.id)
    assert channel.members[ana.id] == "member" and channel.join_requests == {}
    with pytest.raises(TelegramBadRequest, match="HIDE_REQUESTER_MISSING"):
        await bot.approve_chat_join_request(channel.id, ana.id)


async def test_decline_and_missing_request(bot: Bot, emu: Emulator, hooked) -> None:
    """Telegram: declineChatJoinRequest removes the request; handling a request that does
    not exist fails with HIDE_REQUESTER_MISSING; the DM window closes once handled."""
    channel = emu.create_channel("Free")
    link = await bot.create_chat_invite_link(channel.id, creates_join_request=True)
    ana = emu.add_user("Ana")
    await ana.join(link.invite_link)
    assert await bot.decline_chat_join_request(channel.id, ana.id)
    assert channel.join_requests == {} and ana.id not in channel.members
    with pytest.raises(TelegramBadRequest, match="HIDE_REQUESTER_MISSING"):
        await bot.decline_chat_join_request(channel.id, ana.id)
    with pytest.raises(TelegramForbiddenError, match="can't initiate conversation"):
        await bot.send_message(ana.id, "hola")


async def test_chat_member_updates_only_when_allowed(bot: Bot, emu: Emulator, hooked) -> None:
    """Telegram: chat_member updates are excluded by default and arrive only when the bot
    lists them in allowed_updates."""
    channel = emu.create_channel("VIP")
    link = await bot.create_chat_invite_link(channel.id)
    ana, bea = emu.add_user("Ana"), emu.add_user("Bea")
    await ana.join(link.invite_link)
    assert hooked.requests == []
    await bot.set_webhook(hooked.url, allowed_updates=["message", "chat_member"])
    await bea.join(link.invite_link)
    update = hooked.requests[-1][1]["chat_member"]
    assert update["new_chat_member"]["status"] == "member"
    assert update["invite_link"]["invite_link"] == link.invite_link


async def test_dispatcher_handles_join_request(bot: Bot, emu: Emulator, webhook_bot) -> None:
    """Telegram: a chat_join_request handler may DM the requester through user_chat_id and
    approve the request; the user is a member when join() returns."""
    dp = Dispatcher()

    @dp.chat_join_request()
    async def on_request(request: ChatJoinRequest) -> None:
        await bot.send_message(request.user_chat_id, "Bienvenido a la espera")
        await request.approve()

    await webhook_bot(dp)
    channel = emu.create_channel("Free")
    link = await bot.create_chat_invite_link(channel.id, creates_join_request=True)
    ana = emu.add_user("Ana")
    assert await ana.join(link.invite_link) == "requested"
    assert ana.last_text == "Bienvenido a la espera"
    assert channel.members[ana.id] == "member" and channel.join_requests == {}
