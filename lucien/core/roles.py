"""Roles: declared by plugins with a rank, resolved per user, served from the cache.

The core knows no role by name. Every enabled plugin declares its roles
(`lucien_roles`); the lowest-ranked one is everyone's, and a user's role is the
highest-ranked any plugin grants (`lucien_resolve_role`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING

from lucien.core.plugin import Role, RoleSpec

if TYPE_CHECKING:
    from lucien.core.context import AppContext
    from lucien.core.plugins import PluginRegistry

log = logging.getLogger("lucien.roles")


class RoleBook:
    """The declared roles and their ranks."""

    def __init__(self, specs: Iterable[RoleSpec] = ()) -> None:
        self.specs: dict[str, RoleSpec] = {}
        self._at_least: dict[str, frozenset[Role]] = {}  # asked by filters on every update
        for spec in specs:
            self.add(spec)

    def add(self, spec: RoleSpec) -> None:
        self.specs[spec.name] = spec
        self._at_least.clear()

    def clash(self, spec: RoleSpec) -> str | None:
        """Why `spec` cannot join the declared roles (a name or a rank taken), or None."""
        known = self.specs.get(spec.name)
        if known is not None:
            if known.rank != spec.rank:
                return f"role {spec.name!r} already declared with rank {known.rank}"
            return None
        same_rank = [s.name for s in self.specs.values() if s.rank == spec.rank]
        if same_rank:
            return f"role {spec.name!r} has the rank of {same_rank[0]!r} ({spec.rank})"
        return None

    @property
    def names(self) -> list[Role]:
        """Role names, highest rank first."""
        return [s.name for s in sorted(self.specs.values(), key=lambda s: -s.rank)]

    @property
    def base(self) -> Role | None:
        """Everyone's role: the lowest-ranked declared one (None if nobody declares any)."""
        names = self.names
        return names[-1] if names else None

    def rank(self, role: str | None) -> int | None:
        spec = self.specs.get(role or "")
        return spec.rank if spec is not None else None

    def at_least(self, role: str) -> frozenset[Role]:
        """The roles ranked at or above `role` (empty if `role` is not declared)."""
        found = self._at_least.get(role)
        if found is None:
            floor = self.rank(role)
            found = frozenset(
                s.name for s in self.specs.values() if floor is not None and s.rank >= floor
            )
            self._at_least[role] = found
        return found

    def best(self, granted: Iterable[str]) -> Role | None:
        """The highest-ranked declared role among `granted`, else the base role."""
        chosen, chosen_rank = self.base, self.rank(self.base)
        for role in granted:
            rank = self.rank(role)
            if rank is None:
                log.warning("a plugin granted the undeclared role %r; ignored", role)
                continue
            if chosen_rank is None or rank > chosen_rank:
                chosen, chosen_rank = role, rank
        return chosen


def collect_roles(registry: PluginRegistry) -> RoleBook:
    """Every enabled plugin's declared roles; a name declared again with another rank
    marks the later plugin failed (its grants would be ambiguous)."""
    book = RoleBook()
    for record, specs in registry.call_each("lucien_roles", fail=True):
        # Checked against what this plugin declared so far too (two of its own roles
        # may not share a rank either); joined only if all of them fit.
        trial = RoleBook(book.specs.values())
        clash = None
        for spec in specs:
            clash = (
                f"lucien_roles returned {spec!r}, not a RoleSpec"
                if not isinstance(spec, RoleSpec)
                else trial.clash(spec)
            )
            if clash is not None:
                break
            trial.add(spec)
        if clash is not None:
            registry.fail(record.name, clash)
            continue
        book = trial
    return book


async def _ask_plugins(ctx: AppContext, user_id: int) -> Role | None:
    granted = [
        role
        for _record, role in await ctx.registry.acall_each(
            "lucien_resolve_role", ctx=ctx, user_id=user_id
        )
    ]
    return ctx.roles.best(granted)


async def resolve_role(ctx: AppContext, user_id: int) -> Role | None:
    """The user's role: the highest any plugin grants, cached in the `role` namespace."""
    role = await ctx.cache.get_or_load("role", str(user_id), lambda: _ask_plugins(ctx, user_id))
    return role if isinstance(role, str) else None
