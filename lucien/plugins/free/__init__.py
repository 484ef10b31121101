"""Free-channel join requests approved after a wait, with social links."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lucien import __version__
from lucien.core.plugin import PluginInfo, hookimpl

HERE = Path(__file__).parent


class FreePlugin:
    """Hook implementations of the free plugin."""

    @hookimpl
    def lucien_plugin_info(self) -> PluginInfo:
        return PluginInfo(name="free", version=__version__, description="Free-channel join requests approved after a wait, with social links")

    @hookimpl
    def lucien_test_suite(self) -> str:
        return str(HERE / "tests")

    @hookimpl
    def lucien_routers(self, ctx: Any) -> list[Any]:
        from lucien.plugins.free.handlers import create_router

        return [create_router()]

    @hookimpl
    def lucien_messages(self) -> list[Any]:
        """The message keys this plugin shows (`MessageKey`s with plain defaults)."""
        from lucien.plugins.free.messages import MESSAGES

        return MESSAGES


plugin = FreePlugin()
