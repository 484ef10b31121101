"""Router-level filters on the role the core resolved for the update."""

from __future__ import annotations

import logging
from typing import Any

from aiogram.filters import Filter
from aiogram.types import TelegramObject

from lucien.core.plugin import Role

log = logging.getLogger("lucien.access")


class RoleFilter(Filter):
    """Pass only updates whose user has one of `roles`.

    Put it on a router (`router.message.filter(RoleFilter("admin"))`) so that no handler
    added later can escape it. Refusals are logged.
    """

    def __init__(self, *roles: Role) -> None:
        self.roles = frozenset(roles)

    async def __call__(self, event: TelegramObject, role: Role | None = None, **_: Any) -> bool:
        if role in self.roles:
            return True
        user = getattr(event, "from_user", None)
        log.info(
            "refused %s for user %s (role %s)",
            type(event).__name__,
            getattr(user, "id", None),
            role,
        )
        return False
