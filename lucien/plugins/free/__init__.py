"""Free-channel join requests approved after a wait, with social links."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lucien import __version__
from lucien.core.plugin import (
    CacheNamespace,
    HealthResult,
    Job,
    MenuButton,
    PluginInfo,
    Section,
    hookimpl,
)

HERE = Path(__file__).parent


async def _approvals(ctx: Any) -> None:
    from lucien.plugins.free.services import service

    await service(ctx).approve_due()


async def _welcomes(ctx: Any) -> None:
    from lucien.plugins.free.services import service

    await service(ctx).send_welcomes()


class FreePlugin:
    """Hook implementations of the free plugin."""

    @hookimpl
    def lucien_plugin_info(self) -> PluginInfo:
        return PluginInfo(
            name="free",
            version=__version__,
            description="Free-channel join requests approved after a wait, with social links",
        )

    @hookimpl
    def lucien_settings_model(self) -> type[Any]:
        from lucien.plugins.free.services import FreeSettings

        return FreeSettings

    @hookimpl
    def lucien_test_suite(self) -> str:
        return str(HERE / "tests")

    @hookimpl
    def lucien_catalogue(self) -> str:
        """The plugin's texts in Lucien's voice, one `<locale>.json` per locale."""
        return str(HERE / "catalogue")

    @hookimpl
    def lucien_migrations(self) -> str:
        return str(HERE / "migrations" / "versions")

    @hookimpl
    def lucien_models_metadata(self) -> Any:
        from lucien.core.db.base import Base
        from lucien.plugins.free import models  # noqa: F401  (maps the tables)

        return Base.metadata

    @hookimpl
    def lucien_cache_namespaces(self) -> list[CacheNamespace]:
        from lucien.plugins.free.services import LINK_NS

        return [
            CacheNamespace(
                LINK_NS,
                3600,
                "the free channel's join-request invite link",
                label={
                    "es": "enlace de solicitud del canal gratuito",
                    "en": "free channel's request link",
                },
            )
        ]

    @hookimpl
    def lucien_routers(self, ctx: Any) -> list[Any]:
        from lucien.plugins.free.handlers import create_router

        return [create_router()]

    @hookimpl
    def lucien_jobs(self, ctx: Any) -> list[Job]:
        # One second: approvals go out within about a second of being due.
        return [Job("free.approvals", _approvals, 1.0), Job("free.welcomes", _welcomes, 1.0)]

    @hookimpl
    def lucien_health_checks(self, ctx: Any) -> list[Any]:
        async def free() -> HealthResult:
            from lucien.plugins.free.services import queue_depths

            settings = await ctx.config.get("free")
            queues = await queue_depths(ctx)
            if settings.channel_id is None:
                return HealthResult(
                    "free", "warn", "free channel not configured", {"queues": queues}
                )
            return HealthResult("free", "pass", "ok", {"queues": queues})

        return [free]

    @hookimpl
    async def lucien_startup(self, ctx: Any) -> None:
        """A decline or an expulsion Telegram refuses alerts the admins."""
        from lucien.plugins.free.services import service

        ctx.outbox.on_failure("free", service(ctx).admin.on_outbox_failure)

    @hookimpl
    async def lucien_user_card(self, ctx: Any, user_id: int, viewer: Any) -> Section | None:
        """The user's join requests and Expel from the free channel."""
        from lucien.plugins.free.handlers.sections import user_card_section

        return await user_card_section(ctx, user_id, viewer)

    @hookimpl
    async def lucien_statistics(self, ctx: Any, viewer: Any) -> Section | None:
        """Free members approved in 7 and 30 days; requests pending."""
        from lucien.plugins.free.handlers.sections import statistics_section

        return await statistics_section(ctx, viewer)

    @hookimpl
    def lucien_menu_buttons(self, ctx: Any, role: str) -> list[MenuButton]:
        from lucien.plugins.free.keyboards import FreeCallback, FreeQueue

        if role == "admin":
            return [
                MenuButton(
                    text="Free queue",
                    callback_data=FreeQueue().pack(),
                    order=40,
                    voice_key="button.free.queue",
                )
            ]
        if role != "free":
            return []
        return [
            MenuButton(
                text="Free channel",
                callback_data=FreeCallback(screen="menu").pack(),
                order=50,
                voice_key="button.free.channel",
            )
        ]

    @hookimpl
    def lucien_messages(self) -> list[Any]:
        """The message keys this plugin shows (`MessageKey`s with plain defaults)."""
        from lucien.plugins.free.messages import MESSAGES

        return MESSAGES

    @hookimpl
    def lucien_gauges(self, ctx: Any) -> list[Any]:
        """Pending join requests and the approvals due, for the dashboard and /metrics."""
        from lucien.plugins.free.services.gauges import gauges

        return gauges()


plugin = FreePlugin()
