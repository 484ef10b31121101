"""The operations dashboard: a page at /dashboard for admins, reached through a one-time
link the bot sends on /dashboard, with live figures and their last 24 hours."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lucien import __version__
from lucien.core.plugin import Job, PluginInfo, hookimpl

HERE = Path(__file__).parent


async def _sample(ctx: Any) -> None:
    from lucien.plugins.dashboard.services import sample

    await sample(ctx)


class DashboardPlugin:
    """Hook implementations of the dashboard plugin."""

    @hookimpl
    def lucien_plugin_info(self) -> PluginInfo:
        return PluginInfo(
            name="dashboard",
            version=__version__,
            # The admin role (who may open it) is the admin plugin's.
            requires=("admin",),
            description="Operations dashboard for admins, with its own 24 h history",
        )

    @hookimpl
    def lucien_settings_model(self) -> type[Any]:
        from lucien.plugins.dashboard.services import DashboardSettings

        return DashboardSettings

    @hookimpl
    def lucien_test_suite(self) -> str:
        return str(HERE / "tests")

    @hookimpl
    def lucien_catalogue(self) -> str:
        """The plugin's texts in Lucien's voice, one `<locale>.json` per locale."""
        return str(HERE / "catalogue")

    @hookimpl
    def lucien_messages(self) -> list[Any]:
        from lucien.plugins.dashboard.messages import MESSAGES

        return MESSAGES

    @hookimpl
    def lucien_migrations(self) -> str:
        return str(HERE / "migrations" / "versions")

    @hookimpl
    def lucien_models_metadata(self) -> Any:
        from lucien.core.db.base import Base
        from lucien.plugins.dashboard import models  # noqa: F401  (maps the tables)

        return Base.metadata

    @hookimpl
    def lucien_routers(self, ctx: Any) -> list[Any]:
        from lucien.plugins.dashboard.handlers import create_router

        return [create_router()]

    @hookimpl
    def lucien_http_routes(self, ctx: Any, app: Any) -> None:
        from lucien.plugins.dashboard.web import add_routes

        add_routes(ctx, app)

    @hookimpl
    def lucien_jobs(self, ctx: Any) -> list[Job]:
        from lucien.plugins.dashboard.services.common import FINE_S

        # Every replica samples its own counters; the page sums them.
        return [Job("dashboard.sampler", _sample, float(FINE_S))]


plugin = DashboardPlugin()
