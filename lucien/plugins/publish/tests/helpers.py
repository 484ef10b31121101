"""What the publish plugin's tests share: the plugins they run with (a stand-in VIP role,
so the suite needs no other feature plugin's internals), the rows, and finding a
message the bot edited in place."""

from __future__ import annotations

from importlib.metadata import EntryPoint
from typing import Any

from sqlalchemy import func, select

from lucien.core.plugin import PluginInfo, RoleSpec, hookimpl
from lucien.plugins.publish.models import Broadcast, BroadcastRecipient

#: Users the stand-in VIP plugin makes VIP (add them before their first update).
VIP_USERS: set[int] = set()


class FakeVipRole:
    """The VIP role and nothing else: who is VIP is the test's to say."""

    @hookimpl
    def lucien_plugin_info(self) -> PluginInfo:
        return PluginInfo(name="vip", version="0.0.0")

    @hookimpl
    def lucien_roles(self) -> list[RoleSpec]:
        return [RoleSpec("vip", 50, "test VIPs")]

    @hookimpl
    async def lucien_resolve_role(self, ctx: Any, user_id: int) -> str | None:
        return "vip" if user_id in VIP_USERS else None


fake_vip = FakeVipRole()


def _ep(name: str, value: str) -> EntryPoint:
    return EntryPoint(name, value, "lucien.plugins")


ENTRY_POINTS = [
    _ep("admin", "lucien.plugins.admin:plugin"),
    _ep("voice", "lucien.plugins.voice:plugin"),
    _ep("publish", "lucien.plugins.publish:plugin"),
    _ep("vip", f"{__name__}:fake_vip"),
]
PLUGINS = ["admin", "voice", "publish", "vip"]


def message(actor: Any, message_id: int) -> Any:
    """One of `actor`'s messages by id (as it reads now, after any edit)."""
    return next(m for m in actor.messages if m.message_id == message_id)


async def recipients(harness: Any, broadcast_id: int | None = None) -> dict[str, int]:
    """Recipient rows by status (of one broadcast, or of all)."""
    query = select(BroadcastRecipient.status, func.count()).group_by(BroadcastRecipient.status)
    if broadcast_id is not None:
        query = query.where(BroadcastRecipient.broadcast_id == broadcast_id)
    async with harness.ctx.db.session(readonly=True) as s:
        return {status: n for status, n in (await s.execute(query)).all()}


async def recipient_order(harness: Any) -> list[int]:
    """Recipients' user ids in the order the job claims them (row id)."""
    async with harness.ctx.db.session(readonly=True) as s:
        query = select(BroadcastRecipient.user_id).order_by(BroadcastRecipient.id)
        return list(await s.scalars(query))


async def broadcasts(harness: Any) -> list[Broadcast]:
    async with harness.ctx.db.session(readonly=True) as s:
        return list(await s.scalars(select(Broadcast).order_by(Broadcast.id)))


# ----------------------------------------------------------------------------- channel posts

from pydantic import Field  # noqa: E402
from pydantic.json_schema import JsonDict  # noqa: E402
from pydantic_settings import BaseSettings, SettingsConfigDict  # noqa: E402

from lucien.plugins.publish.models import ChannelPost, PostReaction  # noqa: E402

_CHANNEL: JsonDict = {"lucien": {"editable": True, "kind": "channel"}}


class VipChannelSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VIP_", extra="ignore")
    channel_id: int | None = Field(None, json_schema_extra=_CHANNEL)


class FreeChannelSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FREE_", extra="ignore")
    channel_id: int | None = Field(None, json_schema_extra=_CHANNEL)


class FakeChannelPlugin:
    """A plugin whose only part is a channel setting (what the VIP and free plugins' own
    settings declare): the places a post can go."""

    def __init__(self, name: str, settings: type[BaseSettings]) -> None:
        self.name, self.settings = name, settings

    @hookimpl
    def lucien_plugin_info(self) -> PluginInfo:
        return PluginInfo(name=self.name, version="0.0.0")

    @hookimpl
    def lucien_settings_model(self) -> type[BaseSettings]:
        return self.settings


vip_channel = FakeChannelPlugin("vip", VipChannelSettings)
free_channel = FakeChannelPlugin("free", FreeChannelSettings)
POST_ENTRY_POINTS = [
    *ENTRY_POINTS[:3],
    _ep("vip", f"{__name__}:vip_channel"),
    _ep("free", f"{__name__}:free_channel"),
]
POST_PLUGINS = ["admin", "voice", "publish", "vip", "free"]


async def set_channel(harness: Any, target: str, chat_id: int | None) -> None:
    """Name `target`'s channel as an admin would (or unset it with None)."""
    config = harness.ctx.config
    version = await config.version(target, "channel_id")
    await config.update(target, "channel_id", chat_id, expected_version=version, by=None)


async def channel(harness: Any, target: str, title: str, **kwargs: Any) -> Any:
    """A public channel (members join it by its name) set as `target`'s."""
    chat = harness.emulator.create_channel(title, username=title.lower(), **kwargs)
    await set_channel(harness, target, chat.id)
    return chat


async def join(chat: Any, *people: Any) -> None:
    for person in people:
        assert await person.join(f"@{chat.username}") == "joined"


async def set_timezone(harness: Any, name: str) -> None:
    config = harness.ctx.config
    version = await config.version("voice", "timezone")
    await config.update("voice", "timezone", name, expected_version=version, by=None)


async def posts(harness: Any) -> list[ChannelPost]:
    async with harness.ctx.db.session(readonly=True) as s:
        return list(await s.scalars(select(ChannelPost).order_by(ChannelPost.id)))


async def reaction_counts(harness: Any, post_id: int) -> dict[str, int]:
    """Reactions per emoji of a post, as stored."""
    query = (
        select(PostReaction.emoji, func.count())
        .where(PostReaction.post_id == post_id)
        .group_by(PostReaction.emoji)
    )
    async with harness.ctx.db.session(readonly=True) as s:
        return {emoji: n for emoji, n in (await s.execute(query)).all()}


def button_counts(message: Any) -> dict[str, int]:
    """The counts a post's reaction buttons show ("🔥 3" -> {"🔥": 3}), zeros left out."""
    found = {}
    for row in message.buttons:
        for label in row:
            emoji, _, n = label.rpartition(" ")
            if int(n):
                found[emoji] = int(n)
    return found
