"""The dashboard's services: who may open it (`auth`), the history it keeps (`sampler`),
and the figures the page draws (`figures`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lucien.plugins.dashboard.services.auth import DashboardAuth, Visitor
from lucien.plugins.dashboard.services.common import NAME, DashboardSettings
from lucien.plugins.dashboard.services.figures import figures
from lucien.plugins.dashboard.services.sampler import Sampler, sampler

if TYPE_CHECKING:
    from lucien.core.context import AppContext


def auth(ctx: AppContext) -> DashboardAuth:
    return ctx.service("dashboard.auth", DashboardAuth)


def login_url(ctx: AppContext, admin_id: int, language: str | None) -> str:
    """The one-time link for `admin_id`: on the public address when there is one (the
    webhook's), else on the address this process serves HTTP on (a laptop, the sandbox)."""
    base = ctx.settings.webhook_url_base or ctx.app.base_url or ""
    return f"{base.rstrip('/')}/dashboard?t={auth(ctx).link_token(admin_id, language)}"


async def sample(ctx: AppContext) -> None:
    """The sampler job's tick."""
    await sampler(ctx).tick()


__all__ = [
    "NAME",
    "DashboardAuth",
    "DashboardSettings",
    "Sampler",
    "Visitor",
    "auth",
    "figures",
    "login_url",
    "sample",
    "sampler",
]
