"""Plugin discovery, selection, ordering and isolation.

Plugins come from the `lucien.plugins` entry point group, the project's own exactly as a
third-party distribution's. Each is loaded on its own (rather than with pluggy's
`load_setuptools_entrypoints`, which stops at the first import error) so that one broken
plugin is reported and left out while the others serve.
"""

from __future__ import annotations

import asyncio
import graphlib
import importlib
import inspect
import logging
import time
import traceback
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Any, Literal

import pluggy
from pydantic import ValidationError

from lucien.core import hookspecs
from lucien.core.plugin import PROJECT, PluginInfo
from lucien.core.plugin_checks import hook_impl as _impl
from lucien.core.plugin_checks import validate_plugin
from lucien.core.settings import (
    ConfigError,
    Settings,
    check_plugin_names,
    describe_validation_error,
)

log = logging.getLogger("lucien.plugins")

ENTRY_POINT_GROUP = "lucien.plugins"
# The core's own behaviour, registered like any plugin but always on (Datasette's default
# plugins): /start and the main menu, the base role, the fallbacks, and their texts; the
# `import-sqlite` command.
DEFAULT_PLUGINS: tuple[str, ...] = ("lucien.core.builtin", "lucien.core.db.commands")
PluginState = Literal["enabled", "disabled", "failed"]


class PluginError(Exception):
    """A plugin problem that stops startup (a cycle, a missing requirement, strict mode)."""


@dataclass
class PluginRecord:
    """One installed plugin and what became of it."""

    name: str
    obj: Any = None
    info: PluginInfo | None = None
    state: PluginState = "enabled"
    reason: str = ""
    distribution: str | None = None
    settings: Any = None
    builtin: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def version(self) -> str:
        return self.info.version if self.info else "?"

    @property
    def requires(self) -> tuple[str, ...]:
        return self.info.requires if self.info else ()

    @property
    def enabled(self) -> bool:
        return self.state == "enabled"

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "state": self.state,
            "reason": self.reason,
        }


class PluginRegistry:
    """The installed plugins, in dependency order, and per-plugin hook calls.

    Every plugin that loads and passes validation is registered with pluggy (so that
    a disabled plugin's migrations and commands stay known); hooks are called on the
    enabled ones unless a caller names the records.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.records: dict[str, PluginRecord] = {}
        self.order: list[str] = []
        self.pm = pluggy.PluginManager(PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.trace = settings.lucien_trace_hooks
        # pluggy's per-plugin callers and each hook's call order, kept: hooks are called per
        # update (roles, menus, welcome). Forgotten whenever a plugin comes or goes.
        self._callers: dict[tuple[str, str], Any] = {}
        self._ranks: dict[str, dict[str, int]] = {}
        self._ordered: dict[str, list[PluginRecord]] = {}  # enabled plugins, per hook
        if self.trace:
            self._trace_calls()

    # -- building -------------------------------------------------------------------------

    def add(self, name: str, obj: Any, distribution: str | None = None) -> PluginRecord:
        """Register a loaded plugin object under its entry point name."""
        record = PluginRecord(name=name, obj=obj, distribution=distribution)
        self.records[name] = record
        info_fn = _impl(obj, "lucien_plugin_info")
        if info_fn is None:
            return self._mark_failed(record, "no lucien_plugin_info hook")
        try:
            info = info_fn()
        except Exception as exc:
            return self._mark_failed(record, f"lucien_plugin_info raised {exc!r}")
        if not isinstance(info, PluginInfo):
            return self._mark_failed(record, "lucien_plugin_info must return a PluginInfo")
        if info.name != name:
            return self._mark_failed(
                record, f"entry point {name!r} but plugin says its name is {info.name!r}"
            )
        record.info = info
        problem = validate_plugin(name, obj)
        if problem is not None:
            return self._mark_failed(record, problem)
        self.pm.register(obj, name=name)
        self._forget_calls()
        return record

    def _forget_calls(self) -> None:
        self._callers.clear()
        self._ranks.clear()
        self._ordered.clear()

    def add_failed(self, name: str, reason: str, distribution: str | None = None) -> PluginRecord:
        record = PluginRecord(name=name, distribution=distribution)
        self.records[name] = record
        return self._mark_failed(record, reason)

    def _mark_failed(self, record: PluginRecord, reason: str) -> PluginRecord:
        record.state = "failed"
        self._ordered.clear()
        record.reason = reason
        log.error("plugin %s failed: %s", record.name, reason, extra={"plugin": record.name})
        if self.settings.lucien_strict_plugins:
            raise PluginError(f"plugin {record.name} failed: {reason}")
        if record.obj is not None and self.pm.is_registered(record.obj):
            self.pm.unregister(record.obj)
            self._forget_calls()
        return record

    def fail(self, name: str, reason: str) -> None:
        """Mark an enabled plugin failed at runtime (startup raised, settings invalid)."""
        self._mark_failed(self.records[name], reason)

    def select(self) -> None:
        """Apply the allowlist, the disabled list and `requires`; order by dependencies."""
        problems = check_plugin_names(self.settings, set(self.records))
        problems += [
            f"LUCIEN_DISABLED_PLUGINS: {name} is built in and cannot be disabled"
            for name in self.settings.lucien_disabled_plugins
            if name in self.records and self.records[name].builtin
        ]
        if problems:
            raise ConfigError(problems)
        allow = self.settings.lucien_plugins
        disabled = set(self.settings.lucien_disabled_plugins)
        for record in self.records.values():
            if record.state == "failed" or record.builtin:
                continue
            if allow is not None and record.name not in allow:
                record.state, record.reason = "disabled", "not in LUCIEN_PLUGINS"
            elif record.name in disabled:
                record.state, record.reason = "disabled", "in LUCIEN_DISABLED_PLUGINS"

        missing: list[str] = []
        for record in self.records.values():
            if not record.enabled:
                continue
            for req in record.requires:
                other = self.records.get(req)
                if other is None:
                    missing.append(f"{record.name} requires {req}, which is not installed")
                elif other.state == "disabled":
                    missing.append(
                        f"{record.name} requires {req}, which is disabled ({other.reason})"
                    )
        if missing:
            raise PluginError("; ".join(missing))

        graph = {r.name: set(r.requires) & set(self.records) for r in self.records.values()}
        try:
            self.order = list(graphlib.TopologicalSorter(graph).static_order())
        except graphlib.CycleError as exc:
            cycle = " -> ".join(exc.args[1])
            raise PluginError(f"plugin requirements form a cycle: {cycle}") from None
        self._ordered.clear()
        # A plugin whose requirement failed cannot work either; say why.
        for name in self.order:
            record = self.records[name]
            if record.enabled:
                broken = [r for r in record.requires if self.records[r].state == "failed"]
                if broken:
                    self._mark_failed(record, f"requires {', '.join(broken)}, which failed")

    def load_plugin_settings(self) -> list[str]:
        """Instantiate each enabled plugin's settings model; return the problems found."""
        problems: list[str] = []
        for record in self.enabled():
            fn = _impl(record.obj, "lucien_settings_model")
            if fn is None:
                continue
            try:
                model = fn()
                record.settings = model() if model is not None else None
            except ValidationError as exc:
                prefix = str(getattr(model, "model_config", {}).get("env_prefix", ""))
                lines = describe_validation_error(exc, prefix=prefix)
                problems.extend(lines)
                self._mark_failed(record, "invalid settings: " + "; ".join(lines))
            except Exception as exc:
                problems.append(f"{record.name}: settings model raised {exc!r}")
                self._mark_failed(record, f"settings model raised {exc!r}")
        return problems

    # -- queries --------------------------------------------------------------------------

    def enabled(self) -> list[PluginRecord]:
        """Enabled plugins in dependency order (requirements first)."""
        return [self.records[n] for n in self.order if self.records[n].enabled]

    def installed(self) -> list[PluginRecord]:
        """Every plugin that loaded, enabled or not (failed imports have no object)."""
        names = self.order or sorted(self.records)
        return [self.records[n] for n in names if self.records[n].obj is not None]

    def get(self, name: str) -> PluginRecord | None:
        return self.records.get(name)

    def is_enabled(self, name: str) -> bool:
        record = self.records.get(name)
        return bool(record and record.enabled)

    # -- hook calls -----------------------------------------------------------------------
    #
    # pluggy does the calling: each plugin's implementation is called through a hook
    # caller of pluggy's limited to that plugin (`subset_hook_caller`), so that pluggy
    # checks the arguments, honours `firstresult` and runs the monitoring (hook tracing),
    # while one plugin raising is that plugin's failure and never the others'.

    def _caller(self, record: PluginRecord, hook: str) -> Any:
        """pluggy's hook caller for `hook` restricted to `record`'s plugin (memoised)."""
        slot = (record.name, hook)
        caller = self._callers.get(slot)
        if caller is None:
            others = [p for p in self.pm.get_plugins() if p is not record.obj]
            caller = self._callers[slot] = self.pm.subset_hook_caller(hook, others)
        return caller

    def call_plugin(self, record: PluginRecord, hook: str, **kwargs: Any) -> Any:
        """Call one plugin's hook; None if it does not implement it (or is not loaded)."""
        # Every plugin that loaded and validated is registered until it fails.
        if record.obj is None or record.state == "failed" or _impl(record.obj, hook) is None:
            return None
        result = self._caller(record, hook)(**kwargs)
        if isinstance(result, list):  # not firstresult: [] when the plugin returned None
            return result[0] if result else None
        return result

    def _enabled_for(self, hook: str) -> list[PluginRecord]:
        """The enabled plugins implementing `hook`, in call order (kept per hook)."""
        ordered = self._ordered.get(hook)
        if ordered is None:
            ordered = self._ordered[hook] = self._in_call_order(hook, self.enabled())
        return ordered

    def _in_call_order(self, hook: str, records: Iterable[PluginRecord]) -> list[PluginRecord]:
        """`records` in pluggy's call order for `hook`: `tryfirst` / `trylast` marks first,
        then the registry's order (requirements first)."""
        ranks = self._ranks.get(hook)
        if ranks is None:
            ranks = self._ranks[hook] = {
                impl.plugin_name: -1 if impl.tryfirst else 1 if impl.trylast else 0
                for impl in getattr(self.pm.hook, hook).get_hookimpls()
            }
        chosen = [r for r in records if r.name in ranks]
        return sorted(chosen, key=lambda r: ranks[r.name])  # stable: keeps the given order

    def _answers(
        self, hook: str, records: Iterable[PluginRecord], fail: bool, kwargs: dict[str, Any]
    ) -> Iterator[tuple[PluginRecord, Any]]:
        """Each plugin's answer that is not None, lazily (a first-result caller stops at
        the first); a plugin that raises is logged (marked failed when `fail`), skipped.
        `records` come in call order."""
        for record in records:
            try:
                result = self.call_plugin(record, hook, **kwargs)
            except Exception as exc:
                self._hook_failed(record, hook, exc, fail)
                continue
            if result is not None:
                yield record, result

    def call_each(
        self,
        hook: str,
        *,
        records: Iterable[PluginRecord] | None = None,
        fail: bool = False,
        **kwargs: Any,
    ) -> list[tuple[PluginRecord, Any]]:
        """Call a sync hook on each enabled plugin (or `records`), in call order."""
        chosen = self._enabled_for(hook) if records is None else self._in_call_order(hook, records)
        return list(self._answers(hook, chosen, fail, kwargs))

    def call_first(self, hook: str, *, fail: bool = False, **kwargs: Any) -> Any:
        """A `firstresult` hook: the first enabled plugin's answer that is not None."""
        first = next(self._answers(hook, self._enabled_for(hook), fail, kwargs), None)
        return first[1] if first is not None else None

    async def _aanswer(
        self,
        record: PluginRecord,
        hook: str,
        fail: bool,
        time_limit: float | None,
        kwargs: dict[str, Any],
    ) -> Any:
        """One plugin's awaited answer to an async hook, within `time_limit`; None when it
        raised (logged, marked failed when `fail`). Called per update: a plain coroutine,
        not an async generator, and no `wait_for` task machinery without a limit."""
        started = time.perf_counter()
        try:
            result = self.call_plugin(record, hook, **kwargs)
            if inspect.isawaitable(result):
                result = await (
                    result if time_limit is None else asyncio.wait_for(result, time_limit)
                )
        except Exception as exc:
            self._hook_failed(record, hook, exc, fail)
            return None
        if self.trace:
            elapsed = (time.perf_counter() - started) * 1000
            log.info("hook %s awaited in %s (%.1f ms)", hook, record.name, elapsed)
        return result

    async def acall_each(
        self, hook: str, *, fail: bool = False, time_limit: float | None = None, **kwargs: Any
    ) -> list[tuple[PluginRecord, Any]]:
        """Await an async hook on each enabled plugin, one after the other, in order."""
        answers: list[tuple[PluginRecord, Any]] = []
        for record in self._enabled_for(hook):
            result = await self._aanswer(record, hook, fail, time_limit, kwargs)
            if result is not None:
                answers.append((record, result))
        return answers

    async def acall_first(self, hook: str, **kwargs: Any) -> Any:
        """An async `firstresult` hook: the first enabled plugin's awaited answer that is
        not None (the plugins after it are not asked); a plugin raising is logged and
        skipped."""
        for record in self._enabled_for(hook):
            result = await self._aanswer(record, hook, False, None, kwargs)
            if result is not None:
                return result
        return None

    def _trace_calls(self) -> None:
        """Log every hook call and its outcome through pluggy's monitoring."""

        def before(hook: str, impls: Sequence[Any], kwargs: Mapping[str, object]) -> None:
            names = ", ".join(i.plugin_name for i in impls) or "-"
            log.info("hook %s -> %s", hook, names, extra={"hook": hook})

        def after(
            outcome: Any, hook: str, impls: Sequence[Any], kwargs: Mapping[str, object]
        ) -> None:
            names = ", ".join(i.plugin_name for i in impls) or "-"
            if outcome.exception is not None:
                log.info("hook %s <- %s raised %r", hook, names, outcome.exception)
            else:
                log.info("hook %s <- %s", hook, names, extra={"hook": hook})

        self.pm.add_hookcall_monitoring(before, after)

    def _hook_failed(self, record: PluginRecord, hook: str, exc: BaseException, fail: bool) -> None:
        if fail:
            self._mark_failed(record, f"{hook} raised {exc!r}")
            log.debug("".join(traceback.format_exception(exc)))
        else:
            log.exception("plugin %s: %s raised", record.name, hook, extra={"plugin": record.name})

    def summary(self) -> list[dict[str, Any]]:
        return [self.records[n].as_dict() for n in sorted(self.records)]


def discover_plugins(
    settings: Settings, eps: Iterable[EntryPoint] | None = None, *, select: bool = True
) -> PluginRegistry:
    """Load every plugin of the entry point group, then apply the configuration."""
    registry = PluginRegistry(settings)
    for ep in sorted(
        eps if eps is not None else entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name
    ):
        dist = ep.dist.name if ep.dist is not None else None
        if ep.name in registry.records:
            registry.add_failed(ep.name, f"two distributions provide plugin {ep.name!r}", dist)
            continue
        try:
            obj = ep.load()
        except Exception as exc:
            registry.add_failed(ep.name, f"import failed: {exc!r}", dist)
            continue
        registry.add(ep.name, obj, dist)
    for module in DEFAULT_PLUGINS:
        add_builtin(registry, module)
    if select:
        registry.select()
    return registry


def add_builtin(registry: PluginRegistry, module: str) -> PluginRecord | None:
    """Import a built-in plugin module (its `plugin` object) and register it, always on."""
    try:
        obj = importlib.import_module(module).plugin
        info = obj.lucien_plugin_info()
    except Exception as exc:  # the core's own plugin failing is a bug: say it loudly
        log.error("built-in plugin %s failed to load: %r", module, exc)
        return None
    record = registry.add(info.name, obj, "lucien")
    record.builtin = True
    return record
