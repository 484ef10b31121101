"""Admin role, menus assembled from plugins, bot configuration from chat,
finding users and their card, statistics."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lucien import __version__
from lucien.core.plugin import CacheNamespace, MenuButton, PluginInfo, RoleSpec, Section, hookimpl

HERE = Path(__file__).parent


class AdminPlugin:
    """Hook implementations of the admin plugin."""

    @hookimpl
    def lucien_plugin_info(self) -> PluginInfo:
        return PluginInfo(
            name="admin",
            version=__version__,
            description=(
                "Admin role, menus assembled from plugins, bot configuration from chat, "
                "user cards, statistics"
            ),
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
        from lucien.plugins.admin.services import AdminSettings

        return AdminSettings

    @hookimpl
    def lucien_migrations(self) -> str:
        return str(HERE / "migrations" / "versions")

    @hookimpl
    def lucien_models_metadata(self) -> Any:
        from lucien.plugins.admin.models import Admin

        return Admin.metadata

    @hookimpl
    def lucien_routers(self, ctx: Any) -> list[Any]:
        from lucien.plugins.admin.handlers import create_router

        return [create_router()]

    @hookimpl
    def lucien_messages(self) -> list[Any]:
        """The message keys this plugin shows (`MessageKey`s with plain defaults)."""
        from lucien.plugins.admin.messages import MESSAGES

        return MESSAGES

    @hookimpl
    def lucien_roles(self) -> list[RoleSpec]:
        return [RoleSpec("admin", 100, "ADMIN_IDS and the admins added from chat")]

    @hookimpl
    async def lucien_welcome(self, ctx: Any, role: str, user: Any) -> str | None:
        """The welcome an admin wrote from chat for the role, if any, in the user's
        language (English speakers read the English one when there is one, else the
        Spanish one); escaped by the voice."""
        from lucien.plugins.admin.services import welcome_for

        if role == "admin":
            return None
        locate = getattr(ctx.voice, "locale_for", None)
        locale = locate(user) if callable(locate) else getattr(user, "language_code", None)
        language = str(locale or "").lower().replace("_", "-").split("-")[0]
        welcome = welcome_for(await ctx.config.get("admin"), role, language)
        if not welcome:
            return None
        text: str = await ctx.voice.say("greeting.custom", user=user, text=welcome)
        return text

    @hookimpl
    async def lucien_resolve_role(self, ctx: Any, user_id: int) -> str | None:
        """Admins: ADMIN_IDS and those added from chat. The core caches the answer."""
        from lucien.plugins.admin.services import admin_service

        return "admin" if await admin_service(ctx).is_admin(user_id) else None

    @hookimpl
    async def lucien_alert_recipients(self, ctx: Any) -> list[int]:
        """Every admin gets the alerts: ADMIN_IDS, then the admins added from chat."""
        from lucien.plugins.admin.services import admin_service

        service = admin_service(ctx)
        return sorted(service.env_ids()) + await service.stored_ids()

    @hookimpl
    def lucien_menu_buttons(self, ctx: Any, role: str) -> list[MenuButton]:
        """The admin entries of the main menu; other plugins add theirs (plans, tokens...)."""
        if role != "admin":
            return []
        from lucien.plugins.admin.keyboards import AdminCallback

        def button(screen: str, key: str, order: int) -> MenuButton:
            return MenuButton(
                text=key,
                callback_data=AdminCallback(screen=screen).pack(),
                order=order,
                voice_key=key,
            )

        return [
            button("config", "button.config", 10),
            button("users", "button.users", 60),
            button("stats", "button.stats", 65),
            button("admins", "button.config.admins", 80),
            button("plugins", "button.config.plugins", 85),
        ]

    @hookimpl
    def lucien_cache_namespaces(self) -> list[CacheNamespace]:
        from lucien.plugins.admin.services import STATS_NS

        return [STATS_NS]

    @hookimpl
    async def lucien_statistics(self, ctx: Any, viewer: Any) -> Section | None:
        """The house's people: users, those active this week, administrators."""
        from lucien.plugins.admin.services import statistics_service

        return await statistics_service(ctx).section(viewer)


plugin = AdminPlugin()
