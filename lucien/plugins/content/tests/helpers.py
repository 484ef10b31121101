"""What the content plugin's tests share: the plugins they run with (a stand-in for the
VIP role, so that the suite needs no other feature plugin's internals, and one for the
admin role when the admin plugin is disabled), a photo sent from a user's client, a
forged button press, routing updates to one replica, rows.
"""

from __future__ import annotations

import secrets
from importlib.metadata import EntryPoint
from typing import Any

from sqlalchemy import func, select

from lucien.core.plugin import PluginInfo, RoleSpec, hookimpl
from lucien.core.testing.emulator.state import CallbackQueryState, DocumentFile, StoredMessage
from lucien.plugins.content.models import ContentInterest, ContentPackage
from lucien.plugins.content.services import ContentService, PackageView, service

#: Users the stand-in VIP plugin makes VIP (add them before their first update: the role
#: is cached).
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


class FakeAdminRole:
    """The admin role for ADMIN_IDS, from a plugin that is not the admin plugin: the
    content plugin's screens for a bot running without the admin plugin."""

    @hookimpl
    def lucien_plugin_info(self) -> PluginInfo:
        return PluginInfo(name="staff", version="0.0.0")

    @hookimpl
    def lucien_roles(self) -> list[RoleSpec]:
        return [RoleSpec("admin", 100, "test admins")]

    @hookimpl
    async def lucien_resolve_role(self, ctx: Any, user_id: int) -> str | None:
        return "admin" if user_id in ctx.settings.admin_ids else None


fake_admin = FakeAdminRole()


def _ep(name: str, value: str) -> EntryPoint:
    return EntryPoint(name, value, "lucien.plugins")


ENTRY_POINTS = [
    _ep("admin", "lucien.plugins.admin:plugin"),
    _ep("voice", "lucien.plugins.voice:plugin"),
    _ep("content", "lucien.plugins.content:plugin"),
    _ep("diagnostics", "lucien.plugins.diagnostics:plugin"),
    _ep("vip", f"{__name__}:fake_vip"),
]
PLUGINS = ["admin", "voice", "content", "vip"]
#: The same bot with the admin plugin installed but disabled, and admins all the same.
WITHOUT_ADMIN = [*ENTRY_POINTS, _ep("staff", f"{__name__}:fake_admin")]
WITHOUT_ADMIN_PLUGINS = ["voice", "content", "vip", "staff"]

#: Labels (Spanish: the users of these tests speak it, as the original bot's did).
MINE, PREMIUM, WANT, BACK = "Mi contenido", "Premium", "Me interesa", "Volver"
PACKAGES, INTERESTS = "Paquetes de contenido", "Intereses"
ATTEND, SEE_USER = "Atendido", "Ver usuario"


def svc(harness: Any, app: Any = None) -> ContentService:
    return service((app or harness.app).ctx)


async def seed(
    harness: Any,
    name: str,
    category: str,
    *,
    price: tuple[int | None, str | None] = (None, None),
    description: str = "Una descripción.",
) -> PackageView:
    """A package made through the service (the wizard has tests of its own)."""
    return await svc(harness).packages.create(
        name=name,
        description=description,
        category=category,
        price_minor=price[0],
        currency=price[1],
    )


async def send_photo(harness: Any, actor: Any, data: bytes = b"\xff\xd8jpeg") -> str:
    """Send a photo from `actor`'s client, as Telegram delivers one (several sizes, each
    with its file id, known to the emulator); the largest size's file id."""
    emulator, account = harness.emulator, harness.emulator.bot
    base = "AgAC" + secrets.token_urlsafe(16)
    sizes = [
        {"file_id": f"{base}{n}", "file_unique_id": f"{base[-12:]}{n}", "width": side,
         "height": side, "file_size": len(data)}
        for n, side in enumerate((90, 800))
    ]  # fmt: skip
    for size in sizes:
        emulator.files[size["file_id"]] = ("photo.jpg", data)
    chat = actor.chat_with(account)
    message = StoredMessage(
        message_id=chat.next_message_id(),
        chat=actor.user.private_chat(),
        date=emulator.clock.now(),
        sender=actor.user.to_api(),
        photo=DocumentFile("photo.jpg", data),
        photo_api=sizes,
    )
    chat.messages[message.message_id] = message
    await emulator.wait_handled([account.queue.push("message", message.to_api())])
    return str(sizes[-1]["file_id"])


async def forge_click(harness: Any, actor: Any, data: str) -> CallbackQueryState:
    """Press a button with arbitrary callback data, as a modified client could."""
    account = harness.emulator.bot
    target = actor.messages[-1]
    return await actor.press(target, data, bot=account)


async def route_to(app: Any) -> None:
    """Send the bot's updates to this replica from now on (its webhook)."""
    settings = app.settings
    await app.ctx.bot.set_webhook(
        settings.webhook_url or "",
        secret_token=settings.effective_webhook_secret,
        allowed_updates=app.ctx.dispatcher.resolve_used_update_types(),
    )


async def packages(harness: Any) -> list[ContentPackage]:
    async with harness.ctx.db.session(readonly=True) as s:
        return list(await s.scalars(select(ContentPackage).order_by(ContentPackage.id)))


async def interests(harness: Any) -> list[ContentInterest]:
    async with harness.ctx.db.session(readonly=True) as s:
        return list(await s.scalars(select(ContentInterest).order_by(ContentInterest.id)))


async def count_interests(harness: Any) -> int:
    async with harness.ctx.db.session(readonly=True) as s:
        return int(await s.scalar(select(func.count()).select_from(ContentInterest)) or 0)


def labels(message: Any) -> list[str]:
    """Every button label of a message, row after row."""
    return [label for row in message.buttons for label in row]


def button_data(message: Any, label: str) -> str:
    """The callback data of the button labelled `label` on `message`."""
    [data] = [b.get("callback_data") for b in message.inline_buttons if b.get("text") == label]
    return str(data)
