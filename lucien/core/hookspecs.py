"""The hook specifications: the plugin author's reference.

A plugin is any object (usually a module-level instance) with methods marked
`@hookimpl` from `lucien.core.plugin`, exposed through the entry point group
`lucien.plugins` in its distribution's metadata::

    [project.entry-points."lucien.plugins"]
    greeter = "lucien_greeter:plugin"

Only `lucien_plugin_info` is required; every other hook is optional. pluggy checks each
plugin when it is registered: a method marked `@hookimpl` whose name is not a hook below
(`lucien_router`), an argument that is not the spec's (`context` for `ctx`), or a hook
defined without `@hookimpl` marks that plugin failed, with the hook's name in the reason
(`lucien plugins`, /health, /diag), and the others load. An implementation may take
fewer arguments than the spec, never others.

pluggy also does the calling, one plugin at a time (so one plugin raising is reported as
that plugin's failure and the others keep working), in the plugins' order (requirements
first; `@hookimpl(tryfirst=True)` / `trylast=True` move a plugin's implementation).
`firstresult` hooks stop at the first answer that is not None. `LUCIEN_TRACE_HOOKS=1`
logs every call through pluggy's hook-call monitoring. Hooks receiving `ctx` get the
application's `AppContext`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

from lucien.core.plugin import PROJECT

if TYPE_CHECKING:
    import click
    from aiogram import Router
    from aiohttp import web
    from pydantic_settings import BaseSettings

    from lucien.core.context import AppContext
    from lucien.core.plugin import (
        CacheNamespace,
        Gauge,
        HealthCheck,
        Job,
        MenuButton,
        MessageKey,
        PluginInfo,
        Role,
        RoleSpec,
        Section,
        Welcome,
    )
    from lucien.core.voice import Voice

hookspec = pluggy.HookspecMarker(PROJECT)


@hookspec
def lucien_plugin_info() -> PluginInfo:
    """Return the plugin's name, version and the names of plugins it requires.

    The name is what `LUCIEN_PLUGINS` / `LUCIEN_DISABLED_PLUGINS` and the logs use. A
    plugin whose requirement is not enabled is a startup error naming both plugins.
    """


@hookspec
def lucien_settings_model() -> type[BaseSettings] | None:
    """Return the plugin's pydantic-settings model, or None.

    Use `env_prefix` with the plugin's name (`VIP_`, `FREE_`). It is instantiated at
    startup; a validation error marks the plugin failed (fatal under
    `lucien config check` and strict mode). The instance is `ctx.plugin_settings(name)`.
    """


@hookspec
def lucien_routers(ctx: AppContext) -> list[Router]:
    """Return the plugin's aiogram routers.

    They are included under a parent router named after the plugin, so that logs and
    errors name it, in the plugins' order (requirements first; `@hookimpl(tryfirst=True)`
    puts a plugin's routers before the others'). Handlers can ask for `ctx: AppContext`
    and `role: Role` as arguments.
    """


@hookspec
def lucien_fallback_routers(ctx: AppContext) -> list[Router]:
    """Return routers included after every plugin's routers: catch-alls.

    What no other router claimed reaches them (an old button, a `/start` link nobody
    knows, free text). Use sparingly: a handler here never sees what a plugin handled.
    """


@hookspec
def lucien_migrations() -> str | None:
    """Return the path of the plugin's Alembic versions folder, or None.

    Its revisions form a branch labelled with the plugin's name whose root depends on
    the core branch. Startup upgrades the branch of every enabled plugin; the folder of
    every installed plugin is always known to Alembic.
    """


@hookspec
def lucien_models_metadata() -> Any:
    """Return the SQLAlchemy `MetaData` holding the plugin's tables, or None.

    `lucien migrate new PLUGIN` autogenerates against it, comparing only these tables.
    """


@hookspec
def lucien_cache_namespaces() -> list[CacheNamespace]:
    """Return the cache namespaces the plugin uses (name, TTL, what it holds)."""


@hookspec
def lucien_test_suite() -> str | None:
    """Return the path of the plugin's pytest suite, shipped inside its package.

    Diagnostics (`/run_tests`, `lucien test`) runs it in a subprocess against a
    temporary database and the emulator, never production data.
    """


@hookspec
def lucien_catalogue() -> str | None:
    """Return the path of the plugin's catalogue folder, or None.

    The folder holds one JSON file per locale (`es.json`, `en.json`, more as wanted),
    each mapping the plugin's message keys to a list of variants (see the voice
    plugin). The voice renders every enabled plugin's catalogue; `lucien voice check`
    checks them all. Without the voice plugin the `lucien_messages` defaults are used.
    """


@hookspec
def lucien_messages() -> list[MessageKey]:
    """Declare the message keys the plugin shows, with plain defaults.

    The voice renders them in the persona; without the voice plugin the defaults are used.
    """


@hookspec
async def lucien_startup(ctx: AppContext) -> None:
    """Prepare the plugin after migrations, before updates are taken.

    Raising marks the plugin failed; its routers, jobs and menu buttons are left out.
    """


@hookspec
async def lucien_shutdown(ctx: AppContext) -> None:
    """Release what startup took. Runs after in-flight updates finished."""


@hookspec
def lucien_jobs(ctx: AppContext) -> list[Job]:
    """Return background loops to run on every replica until shutdown."""


@hookspec
def lucien_roles() -> list[RoleSpec]:
    """Declare the roles the plugin grants, each with a rank.

    The ranks of every enabled plugin's roles order them (today admin 100 > vip 50 >
    free 0). The lowest-ranked role is everyone's when no plugin grants another, so a
    bot always has one. Two plugins declaring the same name with different ranks mark
    the later one failed. `RoleFilter`, menus and the role cache work for any name.
    """


@hookspec
async def lucien_resolve_role(ctx: AppContext, user_id: int) -> Role | None:
    """Return a role for the user if the plugin grants one, else None.

    The highest-ranked role any plugin grants wins; an undeclared name is ignored (and
    logged). The result is cached in the `role` namespace; call
    `ctx.invalidate_role(user_id)` when it changes. Raising is logged and counts as None.
    """


@hookspec
def lucien_menu_buttons(ctx: AppContext, role: Role) -> list[MenuButton]:
    """Return the buttons the plugin adds to the main menu of `role`.

    The answer must depend on the role only: it is kept for a few seconds per process
    (the menu is built on every /start). Labels with a `voice_key` are rendered per user.
    """


@hookspec(firstresult=True)
async def lucien_welcome(ctx: AppContext, role: Role, user: Any) -> str | Welcome | None:
    """Return the text that greets `user` (of `role`) on /start, or None.

    The first plugin answering wins (the admin plugin gives the welcome an admin wrote
    from chat); without one the built-in plugin greets in the voice. A `Welcome` with a
    markup replaces the main menu's buttons (a member in the middle of a ritual finds
    its stage as they left it). The text is shown as given: escape what users wrote.
    Called on every /start: answer None without a query for users it cannot concern.
    """


@hookspec
async def lucien_user_card(ctx: AppContext, user_id: int, viewer: Any) -> Section | None:
    """Return the plugin's part of an admin's card of user `user_id`, or None.

    `viewer` is the admin (an aiogram User: render in their language). Facts the plugin
    owns (a subscription, requests) and its actions as buttons whose callback data its
    own routers handle, guarded for admins at router level; each action confirmed and
    written to `ctx.audit`. The card itself belongs to the admin plugin and opens with
    the callback data ``ucard:<user_id>`` (a "back to the card" button). Raising is
    logged and leaves the section out.
    """


@hookspec
async def lucien_statistics(ctx: AppContext, viewer: Any) -> Section | None:
    """Return the plugin's figures for the admins' statistics screen, or None.

    Computed with aggregate queries: a fixed number of statements however many rows.
    Rendered for `viewer` (an aiogram User), dates in the creator's timezone. The screen
    is cached for a minute; a disabled or raising plugin simply has no section.
    """


@hookspec
def lucien_health_checks(ctx: AppContext) -> list[HealthCheck]:
    """Return async callables each giving a HealthResult for /health and diagnostics."""


@hookspec
def lucien_gauges(ctx: AppContext) -> list[Gauge]:
    """Return the plugin's figures (`Gauge`): business counts and job queues with their lag.

    The dashboard plugin's sampler reads every enabled plugin's gauges every few seconds
    (on each replica) and keeps their history; /metrics shows their last values
    (`lucien_business`, `lucien_queue_depth`, `lucien_queue_lag_seconds`). A `read` or
    `lag` that raises leaves that gauge out of one sample (logged); raising here leaves
    the plugin's gauges out. Called once when the sampler starts, then cached.
    """


@hookspec
async def lucien_alert_recipients(ctx: AppContext) -> list[int]:
    """Return the Telegram ids of the users who receive admin alerts (`ctx.alerts`).

    The answers of every enabled plugin are joined and deduplicated; when no plugin
    answers, ADMIN_IDS receive them. Asked on every alert that goes out (alerts are
    rare and rate-limited), not cached. Raising is logged and counts as no answer.
    """


@hookspec(firstresult=True)
def lucien_voice(ctx: AppContext, messages: dict[str, MessageKey]) -> Voice | None:
    """Provide the Voice every text goes through (the voice plugin does).

    `messages` holds every key the enabled plugins declared. The first plugin returning a
    Voice wins; without one the core's plain voice renders the declared defaults.
    """


@hookspec
def lucien_http_routes(ctx: AppContext, app: web.Application) -> None:
    """Add the plugin's HTTP routes to the bot's aiohttp application (before it serves).

    Routes are public: check who is asking (a token, a signed link) in the handler.
    Raising is logged and leaves the plugin's routes out; the bot serves the rest.
    """


@hookspec
def lucien_commands(cli: click.Group) -> None:
    """Add the plugin's commands to the `lucien` command line (llm's `register_commands`).

    Called for every installed plugin that imports, enabled or not, before the command
    line parses its arguments; `lucien run --sandbox` and `import-sqlite` are added so.
    Commands must not need `BOT_TOKEN` unless they talk to Telegram.
    """
