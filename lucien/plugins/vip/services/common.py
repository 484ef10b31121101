"""What every part of the VIP service shares: settings, constants, the clock, admin alerts.

`VipPart` is the base of the four parts (plans, tokens, membership, expiry jobs): each
holds the application context and reads the settings in force through it.
"""

from __future__ import annotations

import logging
import math
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from lucien.core.db.models import User
from lucien.core.voice import house_name_field

if TYPE_CHECKING:
    from lucien.core.context import AppContext

log = logging.getLogger("lucien.vip")

PLUGIN = "vip"
LIST_LIMIT = 10
CACHE_PLANS = "vip_plans"
#: Per admin, the subscriber list page they saw last (filter, page, plan, the users on
#: it): a card opened from it offers the way back to that page.
CACHE_SEEN_LIST = "vip_seen_list"


class VipSettings(BaseSettings):
    """Settings of the vip plugin (environment prefix `VIP_`; admins edit `channel_id`)."""

    model_config = SettingsConfigDict(env_prefix="VIP_", extra="ignore")

    channel_id: int | None = Field(
        None,
        json_schema_extra={
            "lucien": {
                "editable": True,
                "kind": "channel",
                "rights": ["can_invite_users", "can_restrict_members"],
            }
        },
    )
    # The names of the channel (el Diván) and of its members (el círculo exclusivo), per
    # language, stored with their article: the voice writes "del Diván", "al Diván".
    name: str = house_name_field("divan", "es", "el Diván")
    name_en: str = house_name_field("divan", "en", "the Divan")
    circle_name: str = house_name_field("circle", "es", "el círculo exclusivo")
    circle_name_en: str = house_name_field("circle", "en", "the exclusive circle")
    reminder_hours: int = Field(24, ge=0, le=24 * 30)
    invite_link_hours: int = Field(24, ge=1, le=24 * 30)
    token_valid_days: int = Field(30, ge=1, le=3650)
    # Token batches above this size are sent as a CSV document instead of a message.
    list_max_tokens: int = Field(20, ge=1, le=100)
    job_interval_seconds: float = Field(30.0, gt=0, le=60)
    lease_seconds: int = Field(300, ge=10)
    # After a failed attempt (Telegram unreachable, rights missing) a row waits this long.
    retry_seconds: int = Field(600, ge=10, le=24 * 3600)
    job_batch: int = Field(100, ge=1, le=1000)


def expiry_key(user_id: int, ends_at: datetime) -> str:
    """The outbox key of the removal that closes the period ending at `ends_at`."""
    return f"{expiry_prefix(user_id)}{int(ends_at.timestamp())}"


def expiry_prefix(user_id: int) -> str:
    """What the outbox keys of every removal of `user_id` start with."""
    return f"vip.expiry:{user_id}:"


#: Outbox keys of the card's expulsions (`expel.py`; its failure listener answers them).
EXPEL_PREFIX = "vip.expel:"


def display_name(user: Any, user_id: int) -> str:
    """How admins' lines name a user: first name, else @username; the id only for one
    the bot never saw."""
    name = getattr(user, "first_name", None)
    username = getattr(user, "username", None)
    return name or (f"@{username}" if username else str(user_id))


def days_left(ends_at: datetime, now: datetime) -> int:
    """Whole days remaining, rounded up (a membership ending in 3 h has 1 day left)."""
    return max(0, math.ceil((ends_at - now).total_seconds() / 86400))


class VipPart:
    """The base of each part of the VIP service: context, settings, clock, admin alerts."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    async def settings(self) -> VipSettings:
        """The settings in force (environment overlaid with what admins saved)."""
        return await self.ctx.config.get(PLUGIN)

    def _now(self) -> datetime:
        return self.ctx.clock.now()

    async def alert_admins(self, key: str, *, once: str | None = None, **context: Any) -> None:
        """Tell every admin through the core's alert service; `once` names the cause, so
        the same cause alerts at most once per the service's window."""
        await self.ctx.alerts.send(key, once=once, **context)

    async def _user(self, user_id: int) -> Any:
        """The core's record of a user (first name, language) for the voice, if known."""
        async with self.ctx.db.session(readonly=True) as s:
            return await s.get(User, user_id)
