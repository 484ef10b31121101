"""The dashboard's settings and the constants of its history (each says why)."""

from __future__ import annotations

import logging

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

log = logging.getLogger("lucien.dashboard")

NAME = "dashboard"

# The sampler's tick: fine enough for a live chart, one small write per replica.
FINE_S = 10
# The 24 h chart's points: 288 of them, one row per replica each.
COARSE_S = 300
FINE_KEEP_S = 3600
COARSE_KEEP_S = 24 * 3600


class DashboardSettings(BaseSettings):
    """`DASHBOARD_*`: how long a login link and a session last, and the signing secret."""

    model_config = SettingsConfigDict(env_prefix="DASHBOARD_", extra="ignore")

    link_minutes: float = Field(
        default=5.0, gt=0, le=60, description="Minutes a login link stays valid"
    )
    session_hours: float = Field(
        default=8.0, gt=0, le=72, description="Hours the page stays open after a login"
    )
    secret: str | None = Field(
        default=None,
        description="Key for the links and cookies; derived from BOT_TOKEN when unset "
        "(changing the token or this secret logs everyone out)",
    )
