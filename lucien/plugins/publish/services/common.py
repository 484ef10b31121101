"""What the publish plugin's services share: its settings, the channels it can post to,
the statuses, and the tuning constants (each says why)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from datetime import time as dtime
from typing import TYPE_CHECKING, Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from lucien.core.context import AppContext

NAME = "publish"

# Broadcast statuses (a broadcast row) and recipient statuses (one row per person).
SCHEDULED, SENDING, PAUSED, DONE, CANCELLED = "scheduled", "sending", "paused", "done", "cancelled"
PENDING, SENT, BLOCKED, FAILED = "pending", "sent", "blocked", "failed"
# Channel post statuses beyond the broadcast's: sent once Telegram confirmed it.
POSTED = "sent"

EVERYONE = "all"
#: A reaction set: at least one emoji (else no buttons), at most what fits a row or two.
MIN_REACTIONS, MAX_REACTIONS = 1, 8
DEFAULT_REACTIONS = ["🔥", "❤️", "😍"]

# Recipients one replica claims and sends at once: the shared sender paces them, and a
# chunk this small keeps a paused or cancelled broadcast from sending much after the press.
CHUNK = 12
# Chunks one replica has in flight at once: one sends while the other records and claims.
LANES = 2
# A chunk's lease: long enough for its sends (paced, a 429 waited out), short enough that a
# killed replica's rows come back soon.
LEASE_S = 30.0
# One run of the job sends chunks for at most this long, then lets the loop tick again
# (due broadcasts started, the progress shown, shutdown noticed).
RUN_BUDGET_S = 20.0
# A passing failure (5xx, network) is retried this many times, with a growing back-off.
MAX_ATTEMPTS = 5
BACKOFF_S = 5.0
# The admin's progress message is edited at most this often, by one replica at a time.
PROGRESS_EVERY_S = 3.0
# Broadcasts due at once are started a few at a time (each writes its recipients).
START_BATCH = 5


def _emoji_only(text: str) -> bool:
    """An emoji: symbols (So/Sk), with their joiners, variation selectors and modifiers."""
    allowed = {"So", "Sk", "Mn", "Me", "Cf"}
    return (
        bool(text)
        and all(
            unicodedata.category(ch) in allowed
            or ch in "\u200d\ufe0f"
            or 0x1F3FB <= ord(ch) <= 0x1F3FF
            for ch in text
        )
        and any(unicodedata.category(ch) == "So" for ch in text)
    )


def check_reactions(value: list[str]) -> list[str]:
    """1 to 8 distinct emoji, in the order given; a ValueError names what is wrong."""
    cleaned = [v.strip() for v in value if v and v.strip()]
    if not MIN_REACTIONS <= len(cleaned) <= MAX_REACTIONS:
        raise ValueError(f"between {MIN_REACTIONS} and {MAX_REACTIONS} emoji, not {len(cleaned)}")
    for item in cleaned:
        if not _emoji_only(item) or _lone_flag_letter(item):
            raise ValueError(f"{item!r} is not an emoji")
    # "❤️" and "❤" differ only by the variation selector: one emoji, shown alike.
    if len({item.replace("\ufe0f", "") for item in cleaned}) != len(cleaned):
        raise ValueError("each emoji once")
    return cleaned


def _lone_flag_letter(item: str) -> bool:
    """A regional indicator alone ("🇪" shows as a boxed letter): half a flag."""
    return len(item) == 1 and 0x1F1E6 <= ord(item) <= 0x1F1FF


class PublishSettings(BaseSettings):
    """The publish plugin's settings (`PUBLISH_*`); the reaction sets are edited from chat.

    A channel's reaction set is the field `reactions_<plugin>` (the plugin whose setting
    names the channel); a channel without one gets `DEFAULT_REACTIONS`.
    """

    model_config = SettingsConfigDict(env_prefix="PUBLISH_", extra="ignore")

    reactions_vip: list[str] = Field(
        default_factory=lambda: list(DEFAULT_REACTIONS),
        json_schema_extra={"lucien": {"editable": True, "kind": "emoji"}},
    )
    reactions_free: list[str] = Field(
        default_factory=lambda: list(DEFAULT_REACTIONS),
        json_schema_extra={"lucien": {"editable": True, "kind": "emoji"}},
    )

    @field_validator("reactions_vip", "reactions_free")
    @classmethod
    def _reactions(cls, value: list[str]) -> list[str]:
        return check_reactions(value)


@dataclass(frozen=True)
class Channel:
    """A channel the bot can post to: named by a plugin's channel setting."""

    target: str  # the plugin's name ("vip", "free")
    chat_id: int


async def settings(ctx: AppContext) -> PublishSettings:
    return await ctx.config.get(NAME)


async def channels(ctx: AppContext) -> list[Channel]:
    """Every enabled plugin's configured channel (settings fields of kind "channel"), in
    plugin order: the places a post can go."""
    found: list[Channel] = []
    for record in ctx.registry.enabled():
        model = record.settings
        if model is None or record.name == NAME:
            continue
        for field_name, info in type(model).model_fields.items():
            extra: Any = info.json_schema_extra
            meta = extra.get("lucien", {}) if isinstance(extra, dict) else {}
            if meta.get("kind") != "channel":
                continue
            value = getattr(await ctx.config.get(record.name), field_name, None)
            if isinstance(value, int):
                found.append(Channel(record.name, value))
    return found


async def reactions_for(ctx: AppContext, target: str) -> list[str]:
    """The reaction set configured for `target`'s channel."""
    current = await settings(ctx)
    value = getattr(current, f"reactions_{target}", None)
    return list(value) if isinstance(value, list) and value else list(DEFAULT_REACTIONS)


def creator_tz(ctx: AppContext) -> tzinfo:
    """The creator's timezone: the voice's (its plugin setting), UTC without it."""
    tz = getattr(ctx.voice, "tz", None)
    return tz if isinstance(tz, tzinfo) else UTC


def zone(ctx: AppContext, moment: datetime) -> str:
    """The zone's name at `moment` ("CET", "CST"; "UTC-05" where it has no letters)."""
    name = moment.astimezone(creator_tz(ctx)).tzname() or "UTC"
    return f"UTC{name}" if name[:1] in "+-" else name


_TIME = re.compile(
    r"^\s*(?:(\d{4})-(\d{1,2})-(\d{1,2})|(\d{1,2})/(\d{1,2})(?:/(\d{4}))?)?\s*(\d{1,2})[:.h](\d{2})\s*$"
)


def _day(d: str, m: str, y: str | None, year: int) -> date:
    """A day/month date; an English month/day ("12/31") when only that reading exists."""
    try:
        return date(int(y) if y else year, int(m), int(d))
    except ValueError:
        return date(int(y) if y else year, int(d), int(m))


# A date typed without its year that passed less than this long ago is a mistake (it
# "already passed"); one further back means next year's ("05/01" typed in December).
_NEXT_YEAR_AFTER = timedelta(days=60)


def parse_when(text: str, tz: tzinfo, now: datetime) -> datetime | None:
    """A time as admins type it, in the creator's zone: "21:00" (today, or tomorrow when
    past), "2026-12-24 21:00" or "24/12 21:00" (this year; next year's when this year's
    is long past). UTC, or None when the text is not a time or names one that does not
    exist. A recent past date comes back as it is, for the caller to refuse."""
    match = _TIME.match(text)
    if match is None:
        return None
    iso_y, iso_m, iso_d, d, m, y, hh, mm = match.groups()
    local_now = now.astimezone(tz)
    try:
        if iso_y:
            day = date(int(iso_y), int(iso_m), int(iso_d))
        elif d:
            day = _day(d, m, y, local_now.year)
        else:
            day = local_now.date()
        moment = datetime.combine(day, dtime(int(hh), int(mm)), tzinfo=tz)
    except ValueError:
        return None
    if moment <= local_now and not iso_y and not y:
        if not d:
            moment += timedelta(days=1)  # "21:00" at 22:00 means tomorrow's
        elif local_now - moment > _NEXT_YEAR_AFTER:
            moment = moment.replace(year=moment.year + 1)
    return moment.astimezone(UTC)
