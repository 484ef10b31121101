"""VIP plans, single-use tokens, subscriptions, invite links and expiry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lucien import __version__
from lucien.core.plugin import PluginInfo, hookimpl

HERE = Path(__file__).parent


class VipPlugin:
    """Hook implementations of the vip plugin."""

    @hookimpl
    def lucien_plugin_info(self) -> PluginInfo:
        return PluginInfo(name="vip", version=__version__, description="VIP plans, single-use tokens, subscriptions, invite links and expiry")

    @hookimpl
    def lucien_test_suite(self) -> str:
        return str(HERE / "tests")

    @hookimpl
    def lucien_routers(self, ctx: Any) -> list[Any]:
        from lucien.plugins.vip.handlers import create_router

        return [create_router()]

    @hookimpl
    def lucien_messages(self) -> list[Any]:
        """The message keys this plugin shows (`MessageKey`s with plain defaults)."""
        from lucien.plugins.vip.messages import MESSAGES

        return MESSAGES


plugin = VipPlugin()
