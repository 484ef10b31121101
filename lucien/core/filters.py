"""Router-level filters on the role the core resolved for the update."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from aiogram.filters import Filter
from aiogram.types import TelegramObject

from lucien.core.plugin import Role

if TYPE_CHECKING:
    from lucien.core.context import AppContext

log = logging.getLogger("lucien.access")


class RoleFilter(Filter):
    """Pass only updates whose user has one of `roles`, or a role ranked at least
    `at_least` (any declared role works: ranks come from the plugins).

    Put it on a router (`router.message.filter(RoleFilter("admin"))`) so that no handler
    added later can escape it. Refusals are logged.
    """

    def __init__(self, *roles: Role, at_least: Role | None = None) -> None:
        self.roles = frozenset(roles)
        self.at_least = at_least

    async def __call__(
        self,
        event: TelegramObject,
        role: Role | None = None,
        ctx: AppContext | None = None,
        **_: Any,
    ) -> bool:
        if role in self.roles:
            return True
        if self.at_least is not None and ctx is not None and role is not None:
            if role in ctx.roles.at_least(self.at_least):
                return True
        user = getattr(event, "from_user", None)
        log.info(
            "refused %s for user %s (role %s)",
            type(event).__name__,
            getattr(user, "id", None),
            role,
        )
        return False
