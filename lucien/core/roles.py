"""Role resolution: asked of the plugins once per user, then served from the cache."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from lucien.core.plugin import Role

if TYPE_CHECKING:
    from lucien.core.context import AppContext

ROLE_RANK: dict[str, int] = {"free": 0, "vip": 1, "admin": 2}


async def _ask_plugins(ctx: AppContext, user_id: int) -> Role:
    best: Role = "free"
    for _record, role in await ctx.registry.acall_each(
        "lucien_resolve_role", ctx=ctx, user_id=user_id
    ):
        if role in ROLE_RANK and ROLE_RANK[role] > ROLE_RANK[best]:
            best = cast(Role, role)
    return best


async def resolve_role(ctx: AppContext, user_id: int) -> Role:
    """The user's role: the highest any plugin grants, cached in the `role` namespace."""
    role = await ctx.cache.get_or_load("role", str(user_id), lambda: _ask_plugins(ctx, user_id))
    return cast(Role, role)
