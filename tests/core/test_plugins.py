"""The plugin registry: selection, requirements, isolation of broken plugins."""

from __future__ import annotations

from importlib.metadata import EntryPoint
from typing import Any

import pytest

from lucien.core.plugin import PluginInfo, hookimpl
from lucien.core.plugins import PluginError, PluginRegistry, discover_plugins
from lucien.core.settings import ConfigError, Settings


def settings(**values: Any) -> Settings:
    return Settings(_env_file=None, sandbox=True, **values)  # type: ignore[call-arg]


class Plain:
    def __init__(self, name: str, requires: tuple[str, ...] = ()) -> None:
        self.name, self.requires = name, requires

    @hookimpl
    def lucien_plugin_info(self) -> PluginInfo:
        return PluginInfo(name=self.name, requires=self.requires)


def registry(s: Settings, *plugins: Plain) -> PluginRegistry:
    reg = PluginRegistry(s)
    for p in plugins:
        reg.add(p.name, p)
    reg.select()
    return reg


def test_project_plugins_are_discovered_through_entry_points() -> None:
    reg = discover_plugins(settings())
    assert {"admin", "vip", "free", "voice", "diagnostics"} <= set(reg.records)
    assert all(r.enabled for r in reg.records.values() if r.name in {"admin", "voice"})


def test_allowlist_and_disabled_list() -> None:
    reg = registry(
        settings(lucien_plugins="a,b", lucien_disabled_plugins="b"),
        Plain("a"),
        Plain("b"),
        Plain("c"),
    )
    assert [r.name for r in reg.enabled()] == ["a"]
    assert reg.records["b"].reason == "in LUCIEN_DISABLED_PLUGINS"
    assert reg.records["c"].reason == "not in LUCIEN_PLUGINS"


def test_unknown_plugin_name_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="LUCIEN_DISABLED_PLUGINS: unknown plugin"):
        registry(settings(lucien_disabled_plugins="zzz"), Plain("a"))


def test_requirements_come_first() -> None:
    reg = registry(settings(), Plain("c", ("b",)), Plain("b", ("a",)), Plain("a"))
    assert [r.name for r in reg.enabled()] == ["a", "b", "c"]


def test_missing_requirement_names_both_plugins() -> None:
    with pytest.raises(PluginError, match="vipx requires payments, which is not installed"):
        registry(settings(), Plain("vipx", ("payments",)))
    with pytest.raises(PluginError, match="b requires a, which is disabled"):
        registry(settings(lucien_disabled_plugins="a"), Plain("a"), Plain("b", ("a",)))


def test_a_cycle_is_named() -> None:
    with pytest.raises(PluginError, match="cycle") as info:
        registry(settings(), Plain("a", ("b",)), Plain("b", ("a",)))
    assert "a" in str(info.value) and "b" in str(info.value)


def test_broken_import_is_isolated_and_strict_mode_makes_it_fatal() -> None:
    eps = [
        EntryPoint("broken", "tests.fixtures.broken.import_error:plugin", "lucien.plugins"),
        EntryPoint("voice", "lucien.plugins.voice:plugin", "lucien.plugins"),
    ]
    reg = discover_plugins(settings(), eps)
    assert reg.records["broken"].state == "failed"
    assert "broken on import" in reg.records["broken"].reason
    assert reg.records["voice"].enabled
    with pytest.raises(PluginError, match="broken"):
        discover_plugins(settings(lucien_strict_plugins=True), eps)


def test_a_requirement_that_failed_fails_its_dependents() -> None:
    reg = PluginRegistry(settings())
    reg.add_failed("a", "import failed")
    reg.add("b", Plain("b", ("a",)))
    reg.select()
    assert reg.records["b"].state == "failed"
    assert "requires a, which failed" in reg.records["b"].reason
