"""Third-party-style plugins the built-in plugin's tests install by entry point."""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import Message

from lucien.core.filters import RoleFilter
from lucien.core.plugin import MenuButton, MessageKey, PluginInfo, RoleSpec, hookimpl

MODERATORS: set[int] = set()


class ModCallback(CallbackData, prefix="mod"):
    action: str


class ModeratorPlugin:
    """Adds a `moderator` role between admin (100) and vip (50), with its own menu."""

    @hookimpl
    def lucien_plugin_info(self) -> PluginInfo:
        return PluginInfo(name="moderator", version="0.1.0")

    @hookimpl
    def lucien_roles(self) -> list[RoleSpec]:
        return [RoleSpec("moderator", 75, "keeps the channels tidy")]

    @hookimpl
    async def lucien_resolve_role(self, ctx: Any, user_id: int) -> str | None:
        return "moderator" if user_id in MODERATORS else None

    @hookimpl
    def lucien_messages(self) -> list[MessageKey]:
        return [
            MessageKey("menu.header.moderator", "Moderator menu, {name}."),
            MessageKey("moderator.tools", "Moderation tools at your service."),
        ]

    @hookimpl
    def lucien_menu_buttons(self, ctx: Any, role: str) -> list[MenuButton]:
        if role != "moderator":
            return []
        return [MenuButton("Reports", ModCallback(action="reports").pack(), order=10)]

    @hookimpl
    def lucien_routers(self, ctx: Any) -> list[Router]:
        router = Router(name="moderator")
        # Moderators and everyone ranked above them (admins), whatever their names.
        router.message.filter(RoleFilter(at_least="moderator"))

        @router.message(Command("mod"))
        async def tools(message: Message, ctx: Any) -> Any:
            return message.answer(await ctx.voice.say("moderator.tools", user=message.from_user))

        return [router]


class MisspelledPlugin:
    """`lucien_router` (no s) is not a hook: pluggy would silently never call it."""

    @hookimpl
    def lucien_plugin_info(self) -> PluginInfo:
        return PluginInfo(name="misspelled")

    @hookimpl
    def lucien_router(self, ctx: Any) -> list[Router]:
        return []


class WrongArgumentPlugin:
    """`context` is not an argument of `lucien_routers` (it is `ctx`)."""

    @hookimpl
    def lucien_plugin_info(self) -> PluginInfo:
        return PluginInfo(name="wrongarg")

    @hookimpl
    def lucien_routers(self, context: Any) -> list[Router]:
        return []


class UnmarkedPlugin:
    """Defines a hook without `@hookimpl`: it would never be called."""

    @hookimpl
    def lucien_plugin_info(self) -> PluginInfo:
        return PluginInfo(name="unmarked")

    def lucien_routers(self, ctx: Any) -> list[Router]:
        return []


moderator = ModeratorPlugin()
misspelled = MisspelledPlugin()
wrongarg = WrongArgumentPlugin()
unmarked = UnmarkedPlugin()
