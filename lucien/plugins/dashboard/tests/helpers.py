"""What the dashboard's tests share: a plugin whose handlers fail or meet a 429 on
purpose, the entry points, and an HTTP visitor with its own cookies."""

from __future__ import annotations

import re
from importlib.metadata import EntryPoint
from typing import Any

import aiohttp
from aiogram import Router
from aiogram.exceptions import TelegramRetryAfter
from aiogram.filters import Command
from aiogram.types import Message

from lucien.core.plugin import PluginInfo, hookimpl


class Crashy:
    """/boom raises (a bug in a plugin); /ping sends through the Bot API itself, so an
    injected 429 reaches the session (a reply returned in the webhook's answer would not)."""

    @hookimpl
    def lucien_plugin_info(self) -> PluginInfo:
        return PluginInfo(name="crashy")

    @hookimpl
    def lucien_routers(self, ctx: Any) -> list[Any]:
        router = Router(name="crashy")

        @router.message(Command("boom"))
        async def boom(message: Message) -> Any:
            raise RuntimeError("boom, on purpose")

        @router.message(Command("ping"))
        async def ping(message: Message) -> Any:
            try:
                await message.answer("pong")
            except TelegramRetryAfter:
                return message.answer("later")
            return None

        return [router]


crashy = Crashy()


def _ep(name: str, value: str) -> EntryPoint:
    return EntryPoint(name, value, "lucien.plugins")


ENTRY_POINTS = [
    _ep("admin", "lucien.plugins.admin:plugin"),
    _ep("voice", "lucien.plugins.voice:plugin"),
    _ep("dashboard", "lucien.plugins.dashboard:plugin"),
    _ep("crashy", f"{__name__}:crashy"),
]
PLUGINS = ["admin", "dashboard", "crashy"]


def link_in(message: Any) -> str:
    """The login link of the bot's /dashboard answer."""
    match = re.search(r'href="([^"]+)"', message.html or "")
    assert match, f"no link in {message.html!r}"
    return match.group(1).replace("&amp;", "&")


def visitor() -> aiohttp.ClientSession:
    """A browser of its own: cookies kept, even for 127.0.0.1 (`unsafe`)."""
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
