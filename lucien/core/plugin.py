"""What a plugin author imports: the hook marker and the small types hooks return."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import pluggy

if TYPE_CHECKING:
    from aiogram.types import InlineKeyboardButton

    from lucien.core.context import AppContext

PROJECT = "lucien"
hookimpl = pluggy.HookimplMarker(PROJECT)

# A role's name, as a plugin declares it with `RoleSpec` (the core knows none by name).
Role = str
HealthStatus = Literal["pass", "warn", "fail"]


@dataclass(frozen=True)
class PluginInfo:
    """Who a plugin is: its name (used in config and logs), version and requirements."""

    name: str
    version: str = "0.0.0"
    requires: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class RoleSpec:
    """A role a plugin declares: who outranks whom decides which menu a user gets.

    `rank` orders roles (higher wins when several plugins grant one to the same user).
    The lowest-ranked declared role is everyone's when no plugin grants another.
    """

    name: str
    rank: int
    description: str = ""


@dataclass(frozen=True)
class Welcome:
    """A /start greeting with its own buttons (`lucien_welcome`): shown instead of the
    main menu, for a user in the middle of something the plugin leads (a ritual)."""

    text: str
    markup: Any = None  # an InlineKeyboardMarkup
    # Awaited with the Message once sent (a plugin keeping one live copy of a screen
    # takes the buttons off the one before).
    shown: Callable[[Any], Awaitable[None]] | None = None


@dataclass(frozen=True)
class Section:
    """A plugin's part of an admin screen (`lucien_user_card`, `lucien_statistics`),
    rendered for the admin viewing it.

    `title` and `lines` are HTML as sent (escape what users wrote); `buttons` are the
    plugin's own actions (callback data its admin-guarded routers handle); `order` sorts
    the sections across plugins (lower first), ties broken by plugin name.
    """

    title: str
    lines: tuple[str, ...] = ()
    buttons: tuple[InlineKeyboardButton, ...] = ()
    order: int = 100


@dataclass(frozen=True)
class MenuButton:
    """A main-menu entry a plugin contributes for one role.

    `callback_data` is sent when pressed (use the plugin's own CallbackData); `order` sorts
    the menu stably across plugins (lower first), ties broken by plugin name then label.
    `text` is a literal label or, when `voice_key` is set, rendered through the voice.
    """

    text: str
    callback_data: str | None = None
    url: str | None = None
    order: int = 100
    voice_key: str | None = None


@dataclass(frozen=True)
class CacheNamespace:
    """A cache namespace a plugin owns: keys live under `<name>:` with this TTL.

    `label` names it for people (/diag), by language: {"es": "...", "en": "..."}."""

    name: str
    ttl: float
    description: str = ""
    local_ttl: float | None = None
    label: Mapping[str, str] = field(default_factory=dict, compare=False)

    def label_for(self, language: str) -> str:
        """Its name in `language`: the label's, else the English one, else its id."""
        return self.label.get(language) or self.label.get("en") or self.name


@dataclass
class HealthResult:
    """One line of /health: a component or plugin with pass / warn / fail."""

    name: str
    status: HealthStatus
    detail: str = ""
    data: dict[str, Any] = field(default_factory=dict)


HealthCheck = Callable[[], Awaitable[HealthResult]]


@dataclass(frozen=True)
class Job:
    """A background loop run by every replica: `run` is called every `interval` seconds.

    Jobs claim their rows with `FOR UPDATE SKIP LOCKED`, so running on all replicas is safe.
    """

    name: str
    run: Callable[[AppContext], Awaitable[Any]]
    interval: float = 1.0


GaugeKind = Literal["business", "queue"]


@dataclass(frozen=True)
class Gauge:
    """A figure a plugin exposes (`lucien_gauges`): the dashboard shows it, /metrics has it.

    `name` is stable and dotted (`vip.active`, `free.approvals`): the metric's label and
    the history's key. `label` is the plain English caption; `labels` gives it in other
    languages by language code (`{"es": "VIP activos"}`). `kind` "business" is a count
    of things (members, requests); "queue" is work waiting for a job, and `lag` (when
    given) answers how many seconds the oldest due item has waited (0 when none is due).
    Both are read by the sampler job every few seconds: keep them to one aggregate query.
    """

    name: str
    label: str
    kind: GaugeKind
    read: Callable[[AppContext], Awaitable[float]]
    lag: Callable[[AppContext], Awaitable[float]] | None = None
    labels: dict[str, str] = field(default_factory=dict, hash=False)

    def label_for(self, language: str | None) -> str:
        """The caption in `language` (its first two letters), else the English one."""
        return self.labels.get((language or "")[:2], self.label)


@dataclass(frozen=True)
class MessageKey:
    """A text a plugin shows, with its plain default and the context it passes."""

    key: str
    default: str
    context: tuple[str, ...] = ()
    button: bool = False
