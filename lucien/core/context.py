"""The one object handed to hooks and injected into handlers (`ctx: AppContext`).

It is the service container: settings, database, cache, bot, voice, sender, the plugin
registry and the clock. Plugin services are created lazily on first use and kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from lucien.core.clock import Clock
from lucien.core.roles import RoleBook

if TYPE_CHECKING:
    from aiogram import Bot, Dispatcher

    from lucien.core.alerts import AlertService
    from lucien.core.audit import Audit
    from lucien.core.cache import Cache
    from lucien.core.config_store import ConfigStore
    from lucien.core.db import Database
    from lucien.core.outbox import Outbox
    from lucien.core.plugins import PluginRegistry
    from lucien.core.runner import BotApplication
    from lucien.core.sender import Sender
    from lucien.core.settings import Settings
    from lucien.core.state import StateBackend
    from lucien.core.users import UserTracker
    from lucien.core.voice import Voice

T = TypeVar("T")


class AppContext:
    """Everything a plugin needs, created once per process."""

    def __init__(self, settings: Settings, registry: PluginRegistry, clock: Clock | None = None):
        self.settings = settings
        self.registry = registry
        self.clock = clock or Clock()
        self.db: Database = None  # type: ignore[assignment]  # set during startup
        self.state: StateBackend = None  # type: ignore[assignment]
        self.bot: Bot = None  # type: ignore[assignment]
        self.dispatcher: Dispatcher = None  # type: ignore[assignment]
        self.voice: Voice = None  # type: ignore[assignment]
        self.sender: Sender = None  # type: ignore[assignment]
        self.bot_username: str = ""
        self.config: ConfigStore = None  # type: ignore[assignment]
        self.users: UserTracker = None  # type: ignore[assignment]
        self.app: BotApplication = None  # type: ignore[assignment]
        self.roles = RoleBook()  # filled at startup from every plugin's `lucien_roles`
        self._services: dict[str, Any] = {}

    @property
    def cache(self) -> Cache:
        return self.state.cache

    @property
    def audit(self) -> Audit:
        """The audit log of admin actions (`await ctx.audit.record(session, ...)`)."""
        from lucien.core.audit import Audit

        return self.service("core.audit", Audit)

    @property
    def alerts(self) -> AlertService:
        """Admin alerts (`await ctx.alerts.send(key, once=cause, **context)`), made on first use."""
        from lucien.core.alerts import AlertService

        return self.service("core.alerts", AlertService)

    @property
    def outbox(self) -> Outbox:
        """Bot API calls queued with a transaction and delivered once (`ctx.outbox.add`)."""
        from lucien.core.outbox import Outbox

        return self.service("core.outbox", Outbox)

    def plugin_settings(self, name: str) -> Any:
        """The validated settings model instance of plugin `name` (None if it has none)."""
        record = self.registry.get(name)
        return record.settings if record else None

    def service(self, key: str, factory: Callable[[AppContext], T]) -> T:
        """The service registered under `key`, created with `factory(ctx)` on first use."""
        try:
            return self._services[key]
        except KeyError:
            created = self._services[key] = factory(self)
            return created

    async def invalidate_role(self, user_id: int) -> None:
        """Forget a user's cached role after anything that changes it."""
        await self.cache.invalidate("role", str(user_id))
