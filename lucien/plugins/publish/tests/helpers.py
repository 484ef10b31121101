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


async def broadcasts(harness: Any) -> list[Broadcast]:
    async with harness.ctx.db.session(readonly=True) as s:
        return list(await s.scalars(select(Broadcast).order_by(Broadcast.id)))
