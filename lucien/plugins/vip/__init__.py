"""VIP plans, single-use tokens, subscriptions, invite links and expiry."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from lucien import __version__
from lucien.core.plugin import (
    CacheNamespace,
    HealthResult,
    Job,
    MenuButton,
    MessageKey,
    PluginInfo,
    Role,
    RoleSpec,
    Section,
    Welcome,
    hookimpl,
)

if TYPE_CHECKING:
    from lucien.core.context import AppContext

HERE = Path(__file__).parent


def _service(ctx: AppContext) -> Any:
    from lucien.plugins.vip.services import VipService

    return ctx.service("vip", VipService)


async def run_reminders(ctx: AppContext) -> None:
    """Job: remind members whose subscription ends soon."""
    await _service(ctx).send_reminders()


async def run_expiry(ctx: AppContext) -> None:
    """Job: remove members whose subscription ended, with a farewell and a Renew button."""
    from lucien.plugins.vip import keyboards

    async def farewell_markup(user: Any) -> Any:
        return await keyboards.renew(ctx, user)

    await _service(ctx).expire_subscriptions(farewell_markup)


async def run_link_cleanup(ctx: AppContext) -> None:
    """Job: revoke invite links that expired unused."""
    await _service(ctx).revoke_expired_links()


class VipPlugin:
    """Hook implementations of the vip plugin."""

    @hookimpl
    def lucien_plugin_info(self) -> PluginInfo:
        return PluginInfo(
            name="vip",
            version=__version__,
            description="VIP plans, single-use tokens, subscriptions, invite links and expiry",
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
        from lucien.plugins.vip.services import VipSettings

        return VipSettings

    @hookimpl
    def lucien_migrations(self) -> str:
        return str(HERE / "migrations" / "versions")

    @hookimpl
    def lucien_models_metadata(self) -> Any:
        from lucien.plugins.vip.models import Plan

        return Plan.metadata

    @hookimpl
    def lucien_cache_namespaces(self) -> list[CacheNamespace]:
        from lucien.plugins.vip.services import CACHE_PLANS, CACHE_SEEN_LIST

        return [
            CacheNamespace(
                CACHE_PLANS,
                300,
                "active VIP plans (invalidated on every change)",
                label={"es": "planes VIP", "en": "VIP plans"},
            ),
            # Each admin writes only their own key, read back by the next card they open:
            # the local copy may live as long (an hour: an older list is opened anew).
            CacheNamespace(
                CACHE_SEEN_LIST,
                3600,
                "the VIP subscriber list page each admin saw last (the card's way back)",
                local_ttl=3600,
                label={
                    "es": "última lista de suscriptores vista",
                    "en": "last subscriber list seen",
                },
            ),
        ]

    @hookimpl
    def lucien_routers(self, ctx: Any) -> list[Any]:
        from lucien.plugins.vip.handlers import create_router

        return [create_router()]

    @hookimpl
    def lucien_messages(self) -> list[MessageKey]:
        """The message keys this plugin shows (`MessageKey`s with plain defaults)."""
        from lucien.plugins.vip.messages import MESSAGES

        return MESSAGES

    @hookimpl
    def lucien_roles(self) -> list[RoleSpec]:
        return [RoleSpec("vip", 50, "members with an active VIP subscription")]

    @hookimpl
    async def lucien_resolve_role(self, ctx: AppContext, user_id: int) -> Role | None:
        """VIP while a subscription is active (the core caches it; changes invalidate)."""
        return "vip" if await _service(ctx).is_active(user_id) else None

    @hookimpl
    async def lucien_startup(self, ctx: AppContext) -> None:
        """Removals the outbox cannot make (rights lost) alert the admins; an admin's
        expulsion that Telegram refuses is also written to the audit log."""
        ctx.outbox.on_failure("vip", _service(ctx).jobs.on_outbox_failure)
        ctx.outbox.on_failure("vip", _service(ctx).expulsions.on_outbox_failure)

    @hookimpl
    def lucien_jobs(self, ctx: AppContext) -> list[Job]:
        settings = ctx.plugin_settings("vip")
        interval = settings.job_interval_seconds if settings else 30.0
        return [
            Job("vip.reminders", run_reminders, interval),
            Job("vip.expiry", run_expiry, interval),
            Job("vip.links", run_link_cleanup, interval),
        ]

    @hookimpl
    def lucien_menu_buttons(self, ctx: AppContext, role: Role) -> list[MenuButton]:
        from lucien.plugins.vip.keyboards import VipAdmin, VipMenu, VipSubs

        if role == "admin":
            return [
                MenuButton(
                    "VIP", VipAdmin(action="menu").pack(), order=20, voice_key="button.vip.admin"
                ),
                MenuButton(
                    "VIP subscribers",
                    VipSubs().pack(),
                    order=21,
                    voice_key="button.vip.subscribers",
                ),
            ]
        if role == "vip":
            return [
                MenuButton(
                    "VIP", VipMenu(action="menu").pack(), order=10, voice_key="button.vip.menu"
                ),
            ]
        return [
            MenuButton(
                "VIP", VipMenu(action="redeem").pack(), order=10, voice_key="button.vip.redeem"
            ),
            MenuButton(
                "VIP", VipMenu(action="offer").pack(), order=11, voice_key="button.vip.offer"
            ),
        ]

    @hookimpl(tryfirst=True)
    async def lucien_welcome(self, ctx: AppContext, role: Role, user: Any) -> Welcome | None:
        """A member in the middle of the entry ritual is greeted with its stage (first:
        the ritual comes before any welcome an admin wrote); None for everyone else."""
        if role != "vip":  # a ritual belongs to a running membership: no read for others
            return None
        from lucien.plugins.vip.handlers.ritual import greeting

        return await greeting(ctx, user)

    @hookimpl
    async def lucien_user_card(self, ctx: AppContext, user_id: int, viewer: Any) -> Section:
        """The VIP section of an admin's user card: status, history, tokens, actions."""
        from lucien.plugins.vip.handlers.sections import card_section

        return await card_section(ctx, user_id, viewer)

    @hookimpl
    async def lucien_statistics(self, ctx: AppContext, viewer: Any) -> Section:
        """The VIP figures of the statistics screen (four aggregate statements)."""
        from lucien.plugins.vip.handlers.sections import statistics_section

        return await statistics_section(ctx, viewer)

    @hookimpl
    def lucien_health_checks(self, ctx: AppContext) -> list[Any]:
        async def check() -> HealthResult:
            settings = await ctx.config.get("vip")
            counts: dict[str, Any] = await _service(ctx).counts()
            counts["queues"] = await _service(ctx).queue_depths()
            if settings.channel_id is None:
                return HealthResult("vip", "warn", "VIP channel not configured", counts)
            return HealthResult("vip", "pass", f"channel {settings.channel_id}", counts)

        return [check]

    @hookimpl
    def lucien_gauges(self, ctx: Any) -> list[Any]:
        """Active VIPs and the expiries due, for the dashboard and /metrics."""
        from lucien.plugins.vip.services.gauges import gauges

        return gauges()


plugin = VipPlugin()
