"""Set-up shared by the free plugin's suite and other plugins' tests (diagnostics)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from lucien.plugins.free.models import FreeJoinRequest
from lucien.plugins.free.services import service

LINKS = ["https://instagram.com/diana", "@diana_tiktok"]


async def setup_free(
    harness: Any, *, wait: int = 5, links: list[str] | None = None
) -> tuple[Any, str]:
    """A free channel configured as an admin would save it, and the bot's join link."""
    channel = harness.emulator.create_channel("Vestibule")
    ctx = harness.ctx
    values = (
        ("channel_id", channel.id),
        ("wait_minutes", wait),
        ("social_links", LINKS if links is None else links),
    )
    for key, value in values:
        await ctx.config.update(
            "free", key, value, expected_version=await ctx.config.version("free", key), by=None
        )
    link = await service(ctx).join_link(channel.id)
    assert link is not None
    return channel, link


async def rows(harness: Any) -> list[FreeJoinRequest]:
    """Every join request row, oldest first."""
    async with harness.ctx.db.session() as s:
        return list(await s.scalars(select(FreeJoinRequest).order_by(FreeJoinRequest.id)))
