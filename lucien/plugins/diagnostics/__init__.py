"""Health from chat, per-plugin test runs and profiling."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lucien import __version__
from lucien.core.plugin import MenuButton, PluginInfo, hookimpl

HERE = Path(__file__).parent


class DiagnosticsPlugin:
    """Hook implementations of the diagnostics plugin."""

    @hookimpl
    def lucien_plugin_info(self) -> PluginInfo:
        return PluginInfo(
            name="diagnostics",
            version=__version__,
            description="Health from chat, per-plugin test runs and profiling",
        )

    @hookimpl
    def lucien_test_suite(self) -> str:
        return str(HERE / "tests")

    @hookimpl
    def lucien_catalogue(self) -> str:
        """The plugin's texts in Lucien's voice, one `<locale>.json` per locale."""
        return str(HERE / "catalogue")

    @hookimpl
    def lucien_settings_model(self) -> type[Any]:
        from lucien.plugins.diagnostics.services import DiagnosticsSettings

        return DiagnosticsSettings

    @hookimpl
    def lucien_menu_buttons(self, ctx: Any, role: str) -> list[MenuButton]:
        """Admins get a Diagnostics entry in their main menu."""
        if role != "admin":
            return []
        from lucien.plugins.diagnostics.keyboards import DiagCallback

        return [
            MenuButton(
                "Diagnostics",
                DiagCallback(action="menu").pack(),
                order=90,
                voice_key="button.diagnostics",
            )
        ]

    @hookimpl
    async def lucien_shutdown(self, ctx: Any) -> None:
        """Let a running test run or profile finish (the drain timeout bounds the wait)."""
        from lucien.plugins.diagnostics.services import diagnostics_service

        await diagnostics_service(ctx).wait_idle()

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
