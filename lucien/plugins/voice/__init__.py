"""Lucien's voice: message catalogue, variation and locales."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lucien import __version__
from lucien.core.plugin import PluginInfo, hookimpl

HERE = Path(__file__).parent


class VoicePlugin:
    """Hook implementations of the voice plugin."""

    @hookimpl
    def lucien_plugin_info(self) -> PluginInfo:
        return PluginInfo(name="voice", version=__version__, description="Lucien's voice: message catalogue, variation and locales")

    @hookimpl
    def lucien_test_suite(self) -> str:
        return str(HERE / "tests")

    @hookimpl
    def lucien_routers(self, ctx: Any) -> list[Any]:
        from lucien.plugins.voice.handlers import create_router

        return [create_router()]


plugin = VoicePlugin()
