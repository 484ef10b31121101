"""The core's own behaviour as a plugin (Datasette's default plugins): /start and /menu,
the main menu of every role, everyone's base role, the fallbacks for links and buttons
nobody claims, with their texts, the outbox delivery job, and the error alerts' watch
(dependencies, Telegram's webhook errors) with their "Silence 1 h" button.

It is registered by the core from `DEFAULT_PLUGINS`, always on, through the same hooks
as any plugin; nothing here is reachable except through them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lucien import __version__
from lucien.core.plugin import Job, MessageKey, PluginInfo, RoleSpec, hookimpl

HERE = Path(__file__).parent
NAME = "core"
# The outbox job's pace: a message queued by a job goes out within about a second.
OUTBOX_INTERVAL_S = 1.0
# Everyone's role: the lowest rank, so any role another plugin grants outranks it.
BASE_ROLE = RoleSpec("free", 0, "everyone: no plugin grants them another role")


class BuiltinPlugin:
    """Hook implementations of the built-in plugin."""

    @hookimpl
    def lucien_plugin_info(self) -> PluginInfo:
        return PluginInfo(
            name=NAME,
            version=__version__,
            description="Built in: /start, the main menu of every role, fallbacks",
        )

    @hookimpl
    def lucien_roles(self) -> list[RoleSpec]:
        return [BASE_ROLE]

    @hookimpl(tryfirst=True)
    def lucien_routers(self, ctx: Any) -> list[Any]:
        """First: /start and /menu leave any half-done conversation of any plugin."""
        from lucien.core.builtin.handlers import menu_router

        return [menu_router()]

    @hookimpl
    def lucien_fallback_routers(self, ctx: Any) -> list[Any]:
        from lucien.core.builtin.handlers import fallback_router

        return [fallback_router()]

    @hookimpl(trylast=True)
    def lucien_jobs(self, ctx: Any) -> list[Job]:
        """The error watch and the outbox delivery, on every replica. Last, so that one
        `run_jobs_once` (tests, the sandbox) delivers what the jobs before it queued."""
        from lucien.core.backup.job import backup_jobs
        from lucien.core.error_watch import WATCH_INTERVAL_S, run_watch_job
        from lucien.core.outbox import run_outbox_job

        return [
            *backup_jobs(ctx),
            Job("core.watch", run_watch_job, WATCH_INTERVAL_S),
            Job("core.outbox", run_outbox_job, OUTBOX_INTERVAL_S),
        ]

    @hookimpl
    def lucien_health_checks(self, ctx: Any) -> list[Any]:
        """The scheduled backups' age (`backup`), when BACKUP_INTERVAL is set."""
        from lucien.core.backup.job import backup_health_checks

        return backup_health_checks(ctx)

    @hookimpl
    def lucien_messages(self) -> list[MessageKey]:
        from lucien.core.builtin.messages import MESSAGES

        return MESSAGES

    @hookimpl
    def lucien_catalogue(self) -> str:
        return str(HERE / "catalogue")

    @hookimpl
    def lucien_test_suite(self) -> str:
        return str(HERE / "tests")

    @hookimpl
    def lucien_gauges(self, ctx: Any) -> list[Any]:
        """The outbox queue, for the dashboard and /metrics."""
        from lucien.core.builtin.gauges import gauges

        return gauges()


plugin = BuiltinPlugin()
