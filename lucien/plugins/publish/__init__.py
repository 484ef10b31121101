"""Publishing: durable broadcasts to users' private chats, posts to the channels with
reaction buttons, and scheduling for both.

Admins compose as they would write to anyone (formatted text, photo, video, document,
voice note, album); the bot copies the message, so formatting and media arrive intact,
after a preview that is the very copy recipients get. A broadcast's recipients are rows
that the job of every replica sends at the shared pace (pause, resume and cancel from its
progress message); a post goes to the VIP channel, the free one or both, now or at a time
in the creator's timezone, optionally protected and with reaction buttons whose counts
members change with a tap.

Built on the public plugin contract only, as a third-party plugin would be.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from lucien import __version__
from lucien.core.plugin import (
    HealthResult,
    Job,
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
NAME = "publish"


async def _broadcast_job(ctx: AppContext) -> None:
    from lucien.plugins.publish.handlers.progress import make_renderer
    from lucien.plugins.publish.services import broadcasts

    service = broadcasts(ctx)
    if service.render is None:
        service.render = make_renderer(ctx)
    await service.start_due()
    await service.run_job()


class PublishPlugin:
    """Hook implementations of the publish plugin."""

    @hookimpl
    def lucien_plugin_info(self) -> PluginInfo:
        return PluginInfo(
            name=NAME,
            version=__version__,
            description="Broadcasts, channel posts with reaction buttons, scheduling",
        )

    @hookimpl
    def lucien_settings_model(self) -> type[Any]:
        from lucien.plugins.publish.services import PublishSettings

        return PublishSettings

    @hookimpl
    def lucien_test_suite(self) -> str:
        return str(HERE / "tests")

    @hookimpl
    def lucien_catalogue(self) -> str:
        """The plugin's texts in Lucien's voice: `<locale>.json` and `<locale>.posts.json`."""
        return str(HERE / "catalogue")

    @hookimpl
    def lucien_messages(self) -> list[MessageKey]:
        from lucien.plugins.publish.messages import MESSAGES

        return MESSAGES

    @hookimpl
    def lucien_migrations(self) -> str:
        return str(HERE / "migrations" / "versions")

    @hookimpl
    def lucien_models_metadata(self) -> Any:
        from lucien.plugins.publish.models import Broadcast

        return Broadcast.metadata

    @hookimpl
    def lucien_routers(self, ctx: Any) -> list[Any]:
        from lucien.plugins.publish.handlers import create_router

        return [create_router()]

    @hookimpl
    async def lucien_startup(self, ctx: AppContext) -> None:
        from lucien.plugins.publish.handlers.progress import make_renderer
        from lucien.plugins.publish.services import broadcasts

        broadcasts(ctx).render = make_renderer(ctx)

    @hookimpl
    def lucien_jobs(self, ctx: AppContext) -> list[Job]:
        from lucien.plugins.publish.handlers.posts import jobs as post_jobs

        return [Job("publish.broadcasts", _broadcast_job, 1.0), *post_jobs()]

    @hookimpl
    def lucien_menu_buttons(self, ctx: AppContext, role: Role) -> list[MenuButton]:
        from lucien.plugins.publish.keyboards import PublishMenu

        if role != "admin":
            return []
        return [
            MenuButton(
                "Broadcast",
                PublishMenu(action="broadcast").pack(),
                order=70,
                voice_key="button.publish.broadcast",
            ),
            MenuButton(
                "Post to a channel",
                PublishMenu(action="post").pack(),
                order=71,
                voice_key="button.publish.post",
            ),
            MenuButton(
                "Scheduled",
                PublishMenu(action="scheduled").pack(),
                order=72,
                voice_key="button.publish.scheduled",
            ),
        ]

    @hookimpl
    async def lucien_statistics(self, ctx: AppContext, viewer: Any) -> Section | None:
        """Posts sent in 7 and 30 days, reactions, the most reacted posts."""
        from lucien.plugins.publish.handlers.post_sections import statistics_section

        return await statistics_section(ctx, viewer)

    @hookimpl
    def lucien_health_checks(self, ctx: AppContext) -> list[Any]:
        async def publish() -> HealthResult:
            from lucien.plugins.publish.services import broadcasts

            running = await broadcasts(ctx).running()
            scheduled = await broadcasts(ctx).scheduled()
            data = {"broadcasts_running": len(running), "broadcasts_scheduled": len(scheduled)}
            return HealthResult(NAME, "pass", "ok", data)

        return [publish]

    @hookimpl
    def lucien_gauges(self, ctx: Any) -> list[Any]:
        """Broadcasts under way and their messages waiting, for the dashboard and /metrics."""
        from lucien.plugins.publish.services.gauges import gauges

        return gauges()


plugin = PublishPlugin()
