"""Roles declared by plugins: ranks, clashes, the base role, `at_least`."""

from __future__ import annotations

from typing import Any

from lucien.core.plugin import PluginInfo, RoleSpec, hookimpl
from lucien.core.plugins import PluginRegistry
from lucien.core.roles import RoleBook, collect_roles
from lucien.core.settings import Settings


class Declares:
    def __init__(self, name: str, *roles: tuple[str, int]) -> None:
        self.name, self.roles = name, roles

    @hookimpl
    def lucien_plugin_info(self) -> PluginInfo:
        return PluginInfo(name=self.name)

    @hookimpl
    def lucien_roles(self) -> list[RoleSpec]:
        return [RoleSpec(n, r) for n, r in self.roles]


def _collect(*plugins: Declares) -> tuple[PluginRegistry, RoleBook]:
    settings: Any = Settings(_env_file=None, sandbox=True)  # type: ignore[call-arg]
    reg = PluginRegistry(settings)
    for plugin in plugins:
        reg.add(plugin.name, plugin)
    reg.select()
    return reg, collect_roles(reg)


def test_ranks_order_roles_and_the_lowest_is_everyones() -> None:
    _reg, book = _collect(
        Declares("base", ("free", 0)),
        Declares("staff", ("admin", 100), ("moderator", 75)),
        Declares("paid", ("vip", 50)),
    )
    assert book.names == ["admin", "moderator", "vip", "free"]
    assert book.base == "free"
    assert book.best([]) == "free"
    assert book.best(["vip", "moderator"]) == "moderator"
    assert book.best(["ghost"]) == "free"  # an undeclared grant is ignored
    assert book.at_least("moderator") == {"admin", "moderator"}
    assert book.at_least("ghost") == frozenset()


def test_a_clash_fails_the_plugin_that_declares_it_and_keeps_the_others() -> None:
    reg, book = _collect(
        Declares("a", ("admin", 100)),
        Declares("b", ("admin", 90)),  # the same name, another rank
        Declares("c", ("x", 10), ("y", 10)),  # two of its own roles share a rank
        Declares("d", ("boss", 100)),  # admin's rank
        Declares("e", ("vip", 50)),
    )
    assert book.names == ["admin", "vip"]
    assert reg.records["b"].state == "failed"
    assert "already declared with rank 100" in reg.records["b"].reason
    assert reg.records["c"].state == "failed"
    assert "has the rank of 'x'" in reg.records["c"].reason
    assert reg.records["d"].state == "failed"
    assert reg.records["e"].enabled
