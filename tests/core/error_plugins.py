"""Third-party-style plugins the error alert tests install by entry point: one whose
handler raises (in its service, as a bug would), one whose startup raises."""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import Message

from lucien.core.plugin import PluginInfo, hookimpl


def divide_share(total: int, people: int) -> int:
    """The service the handler calls: the innermost frame of the bug."""
    return total // people


class BoomPlugin:
    """/boom raises ZeroDivisionError (in `divide_share`), every time."""

    @hookimpl
    def lucien_plugin_info(self) -> PluginInfo:
        return PluginInfo(name="boom", version="0.1.0")

    @hookimpl
    def lucien_routers(self, ctx: Any) -> list[Router]:
        router = Router(name="boom")

        @router.message(Command("boom"))
        async def boom(message: Message, ctx: Any) -> Any:
            return message.answer(str(divide_share(10, 0)))

        return [router]


class BrokenPlugin:
    """Fails at startup: the bot goes on without it."""

    @hookimpl
    def lucien_plugin_info(self) -> PluginInfo:
        return PluginInfo(name="broken", version="0.1.0")

    @hookimpl
    async def lucien_startup(self, ctx: Any) -> None:
        raise RuntimeError("the broken plugin cannot find its ledger")


boom = BoomPlugin()
broken = BrokenPlugin()
