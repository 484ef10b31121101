"""Health from chat, per-plugin test runs and profiling."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lucien import __version__
from lucien.core.plugin import PluginInfo, hookimpl

HERE = Path(__file__).parent


class DiagnosticsPlugin:
    """Hook implementations of the diagnostics plugin."""

    @hookimpl
    def lucien_plugin_info(self) -> PluginInfo:
        return PluginInfo(name="diagnostics", version=__version__, description="Health from chat, per-plugin test runs and profiling")

    @hookimpl
    def lucien_test_suite(self) -> str:
        return str(HERE / "tests")

    @hookimpl
    def lucien_routers(self, ctx: Any) -> list[Any]:
        from lucien.plugins.diagnostics.handlers import create_router

        return [create_router()]

    @hookimpl
    def lucien_messages(self) -> list[Any]:
        """The message keys this plugin shows (`MessageKey`s with plain defaults)."""
        from lucien.plugins.diagnostics.messages import MESSAGES

        return MESSAGES


plugin = DiagnosticsPlugin()
