"""Content packages beyond the VIP channel, and the interests users show in them.

Free users browse "Mi contenido" (free content), VIPs "Premium" (VIP content and
premium); each package has "Me interesa", which records a lead and tells every admin.
Admins manage the packages ("Paquetes de contenido": list, a step-by-step wizard, edit,
deactivate, reorder, preview) and follow the leads up ("Intereses": pending, attended,
filters, counts per package). The admins' statistics screen and user card get the
plugin's figures through `lucien_statistics` and `lucien_user_card`.

Built on the public plugin contract only, as a third-party plugin would be.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from lucien import __version__
from lucien.core.plugin import (
    CacheNamespace,
    HealthResult,
    MenuButton,
    MessageKey,
    PluginInfo,
    Role,
    Section,
    hookimpl,
)

if TYPE_CHECKING:
    from lucien.core.context import AppContext

HERE = Path(__file__).parent
NAME = "content"


class ContentPlugin:
    """Hook implementations of the content plugin."""

    @hookimpl
    def lucien_plugin_info(self) -> PluginInfo:
        return PluginInfo(
            name=NAME,
            version=__version__,
            description="Content packages per role, with 'Me interesa' leads for the admins",
        )

    @hookimpl
    def lucien_settings_model(self) -> type[Any]:
        from lucien.plugins.content.services import ContentSettings

        return ContentSettings

    @hookimpl
    def lucien_test_suite(self) -> str:
        return str(HERE / "tests")

    @hookimpl
    def lucien_catalogue(self) -> str:
        """The plugin's texts in Lucien's voice, one `<locale>.json` per locale."""
        return str(HERE / "catalogue")

    @hookimpl
    def lucien_messages(self) -> list[MessageKey]:
        """The message keys this plugin shows (`MessageKey`s with plain defaults)."""
        from lucien.plugins.content.messages import MESSAGES

        return MESSAGES

    @hookimpl
    def lucien_migrations(self) -> str:
        return str(HERE / "migrations" / "versions")

    @hookimpl
    def lucien_models_metadata(self) -> Any:
        from lucien.plugins.content.models import ContentPackage

        return ContentPackage.metadata

    @hookimpl
    def lucien_cache_namespaces(self) -> list[CacheNamespace]:
        from lucien.plugins.content.services import PACKAGES_NS, PACKAGES_TTL_S

        # Every edit invalidates it on every replica, so the local copy lives as long.
        return [
            CacheNamespace(
                PACKAGES_NS,
                PACKAGES_TTL_S,
                "active content packages per audience (free, vip, all); invalidated on edit",
                local_ttl=PACKAGES_TTL_S,
                label={"es": "paquetes de contenido", "en": "content packages"},
            )
        ]

    @hookimpl
    def lucien_routers(self, ctx: Any) -> list[Any]:
        from lucien.plugins.content.handlers import create_router

        return [create_router()]

    @hookimpl
    def lucien_menu_buttons(self, ctx: AppContext, role: Role) -> list[MenuButton]:
        from lucien.plugins.content.keyboards import ContentAdmin, ContentInbox, ContentMenu

        if role == "admin":
            return [
                MenuButton(
                    "Content packages",
                    ContentAdmin(action="list").pack(),
                    order=30,
                    voice_key="button.content.admin.packages",
                ),
                MenuButton(
                    "Interests",
                    ContentInbox().pack(),
                    order=31,
                    voice_key="button.content.admin.interests",
                ),
            ]
        key = "button.content.premium" if role == "vip" else "button.content.mine"
        return [
            MenuButton("My content", ContentMenu(action="list").pack(), order=30, voice_key=key)
        ]

    @hookimpl
    async def lucien_statistics(self, ctx: AppContext, viewer: Any) -> Section | None:
        """Interests pending and attended (all, 7 and 30 days) and packages by state."""
        from lucien.plugins.content.handlers.sections import statistics_section

        return await statistics_section(ctx, viewer)

    @hookimpl
    async def lucien_user_card(self, ctx: AppContext, user_id: int, viewer: Any) -> Section | None:
        """The user's interests, newest first, capped; None when they have none."""
        from lucien.plugins.content.handlers.sections import user_card_section

        return await user_card_section(ctx, user_id, viewer)

    @hookimpl
    def lucien_health_checks(self, ctx: AppContext) -> list[Any]:
        async def content() -> HealthResult:
            from lucien.plugins.content.services import service

            data = await service(ctx).health_data()
            return HealthResult(NAME, "pass", "ok", data)

        return [content]

    @hookimpl
    def lucien_gauges(self, ctx: Any) -> list[Any]:
        """Pending interests, for the dashboard and /metrics."""
        from lucien.plugins.content.services.gauges import gauges

        return gauges()


plugin = ContentPlugin()
