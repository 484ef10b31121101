"""What every part of the free service shares: settings, the tuning constants (each says
why), the recipient the voice speaks to, the retry backoff, and the paced direct message.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Any

from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.methods import SendMessage
from aiogram.types import InlineKeyboardMarkup
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from lucien.core.voice import house_name_field
from lucien.plugins.free.social import check_link, split_links

if TYPE_CHECKING:
    from lucien.core.context import AppContext

log = logging.getLogger("lucien.free")

#: Telegram's window for writing to a requester who never started the bot is 300 s; keep a
#: margin so a message prepared at 299 s is not refused in flight.
DM_WINDOW_S = 290.0
#: How long a claim keeps other replicas off a row (a crashed replica's rows come back).
LEASE = timedelta(seconds=60)
#: Backoff after a rights error: 30 s, 60 s, 120 s... capped at 15 minutes.
BACKOFF_BASE_S = 30.0
BACKOFF_CAP_S = 15 * 60.0
#: Rows claimed per transaction, and approvals in flight at once (approvals are not
#: messages: Telegram does not count them toward the 30/s sending limit).
APPROVE_BATCH = 200
APPROVE_CONCURRENCY = 16
#: Rows per run of the `free.welcomes` job, which queues in the outbox the welcomes rows
#: from before the outbox still owe (one transaction each run).
WELCOME_BATCH = 100
#: The cache namespace holding each channel's join-request invite link.
LINK_NS = "free_link"


class FreeSettings(BaseSettings):
    """The free plugin's settings (`FREE_*`); admins edit the marked ones from chat."""

    model_config = SettingsConfigDict(env_prefix="FREE_", extra="ignore")

    channel_id: int | None = Field(
        None,
        json_schema_extra={
            "lucien": {"editable": True, "kind": "channel", "rights": ["can_invite_users"]}
        },
    )
    wait_minutes: int = Field(
        5, ge=0, le=10080, json_schema_extra={"lucien": {"editable": True, "kind": "int"}}
    )
    # The creator's networks, as buttons under the wait message and the vestibule screen
    # (forms accepted: see `lucien.plugins.free.social`). NoDecode: the environment may
    # hold them comma-separated as well as a JSON list; the validator reads both.
    social_links: Annotated[list[str], NoDecode] = Field(
        default_factory=list, json_schema_extra={"lucien": {"editable": True, "kind": "links"}}
    )
    # 1: the wait message says how long (the original's "about 5 minutes"); 0: it only
    # says many requests are being attended, and the time stays Lucien's secret. Kept an
    # int (0/1, stored values unchanged); the admins' editor asks it as a yes/no.
    show_wait: int = Field(
        1, ge=0, le=1, json_schema_extra={"lucien": {"editable": True, "kind": "bool"}}
    )
    approve_vip_immediately: bool = True
    # The channel's name (el vestíbulo) per language, stored with its article: the voice
    # writes "del vestíbulo", "al vestíbulo".
    name: str = house_name_field("vestibule", "es", "el vestíbulo")
    name_en: str = house_name_field("vestibule", "en", "the vestibule")

    @field_validator("social_links", mode="before")
    @classmethod
    def _links_are_https_or_handles(cls, raw: Any) -> list[str]:
        """One value or several, split on new lines, commas and spaces; each an https://
        link or an @handle (http:// refused with its own reason)."""
        if raw is not None and not isinstance(raw, (str, list, tuple)):
            raise ValueError("social links are text: one link per line")
        return [check_link(link) for link in split_links(raw)]


@dataclass(frozen=True)
class Recipient:
    """Enough of a Telegram user for the voice (name, locale) when only the row is left."""

    id: int
    first_name: str | None
    language_code: str | None
    username: str | None = None


def backoff(attempts: int) -> timedelta:
    """The wait before retry number `attempts` after a rights error."""
    return timedelta(seconds=min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** max(0, attempts - 1)))


class FreePart:
    """The base of each part of the free service: the context, settings, direct messages."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    async def settings(self) -> FreeSettings:
        """The values in force: environment overlaid with what admins saved from chat."""
        return await self.ctx.config.get("free")

    async def _dm(
        self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None
    ) -> bool:
        """Send through the paced sender; False when Telegram will not let us write."""
        try:
            await self.ctx.sender(SendMessage(chat_id=chat_id, text=text, reply_markup=markup))
        except (TelegramForbiddenError, TelegramBadRequest) as exc:
            log.info("could not write to %s: %s", chat_id, exc.message)
            return False
        return True
