"""The core's and the plugins' health words, said in the admin's language.

Health checks speak English for logs and /health ("ok", "at head", "REDIS_URL not set:
..."); the /diag screen says what it knows of them through this plugin's catalogue, and
quotes anything else short (an error's text is the error's). The same for a check's
figures (`latency_ms`), a plugin's reason to be left out, Telegram's rights and the
channel settings.

A key is looked up among the declared messages, so a plugin may add its own words for
its figures (`diagnostics.data.<name>`), its checks (`diagnostics.component.<name>`), its
name (`diagnostics.plugin.<name>`) and its jobs (`diagnostics.job.<job name>`) without
this module knowing them. A check, job or figure nobody named is shown by its own name,
quoted: a new health check (a backup's, say) reads plainly before it has words.

Details are matched on their text with spaces folded and case ignored, so a reworded
capital or a doubled space in a core message does not turn it into a quote.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from lucien.core.formatting import Markup

if TYPE_CHECKING:
    from lucien.core.context import AppContext

#: An error's or an unknown detail's text in the report: its start says enough, and a
#: long one would push the report past what one message holds.
QUOTE_MAX = 160
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")

# Details that say nothing the status does not ("ok" beside "en orden").
SILENT_DETAILS = frozenset({"ok", "ready"})
# Known details: a pattern and the key saying it (named groups are its context).
DETAILS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), key)
    for pattern, key in (
        (r"^at head$", "diagnostics.detail.at_head"),
        (r"^not at head$", "diagnostics.detail.not_at_head"),
        (r"^not started$", "diagnostics.detail.not_started"),
        (r"^REDIS_URL not set\b", "diagnostics.detail.redis_memory"),
        (r"^Redis unreachable for (?P<seconds>\d+) s\b", "diagnostics.detail.redis_down_for"),
        (r"^Redis unreachable\b", "diagnostics.detail.redis_down"),
        (r"^connected, (?P<ms>[\d.]+) ms$", "diagnostics.detail.redis_connected"),
        (r"^free channel not configured$", "diagnostics.detail.free_channel_unset"),
        (r"^VIP channel not configured$", "diagnostics.detail.vip_channel_unset"),
        (r"^channel (?P<channel>-?\d+)$", "diagnostics.detail.channel"),
        (r"^check raised (?P<error>.*)$", "diagnostics.detail.raised"),
    )
)
# The core's reasons for leaving a plugin out that are configuration, not errors.
REASONS = {
    "not in LUCIEN_PLUGINS": "diagnostics.reason.not_listed",
    "in LUCIEN_DISABLED_PLUGINS": "diagnostics.reason.disabled_by_env",
}
# Values of a check's figures that are words.
VALUES = frozenset({"memory", "redis"})


def quote(text: Any, limit: int = QUOTE_MAX) -> str:
    """`text` on one line, cut to `limit` characters with "…" (escaped by the voice)."""
    shown = _CONTROL.sub(" ", str(text)).strip()
    return shown if len(shown) <= limit else shown[: limit - 1].rstrip() + "…"


class Words:
    """Says health words for one admin (`user`) through the voice."""

    def __init__(self, ctx: AppContext, user: Any) -> None:
        self.ctx, self.user = ctx, user
        app = getattr(ctx, "app", None)
        self.declared: Mapping[str, Any] = getattr(app, "messages", None) or {}

    async def _say(self, key: str, **context: Any) -> Markup:
        return Markup(await self.ctx.voice.say(key, user=self.user, **context))

    async def _named(self, key: str, fallback: str) -> str:
        """`key` said when some plugin declares it, else `fallback` quoted short."""
        return await self._say(key) if key in self.declared else quote(fallback, 60)

    async def component(self, name: str) -> str:
        """A health check's name in words: a core component's, a plugin's (its check is
        named after it), else its own name."""
        key = f"diagnostics.component.{name}"
        return await self._named(key, name) if key in self.declared else await self.plugin(name)

    async def plugin(self, name: str) -> str:
        """A plugin's name in words ("canal VIP"), else its own."""
        return await self._named(f"diagnostics.plugin.{name}", name)

    async def job(self, name: str) -> str:
        """A background job's name in words ("recordatorios VIP"), else its own."""
        return await self._named(f"diagnostics.job.{name}", name)

    async def detail(self, detail: str) -> str:
        """A check's detail in words when known, quoted short when not ("" for none)."""
        detail = " ".join(str(detail or "").split())
        if not detail or detail.lower() in SILENT_DETAILS:
            return ""
        for pattern, key in DETAILS:
            found = pattern.match(detail)
            if found:
                values = {k: quote(v, 80) for k, v in found.groupdict().items()}
                return await self._say(key, **values)
        return quote(detail)

    async def figures(self, data: Mapping[str, Any]) -> str:
        """A check's scalar figures ("latencia: 3.21 ms, modo: memoria"); its tables
        are lines of their own, elsewhere."""
        parts = []
        for name, value in data.items():
            if name in ("status", "detail") or isinstance(value, dict):
                continue
            key = f"diagnostics.data.{name}"
            label: str = await self._say(key) if key in self.declared else quote(name, 40)
            parts.append(
                await self._say(
                    "diagnostics.report.figure", label=label, value=await self.value(value)
                )
            )
        return Markup(", ".join(parts))

    async def value(self, value: Any) -> Any:
        """A figure's value: yes/no and known words said, a number left to the voice
        (written as the admin's language writes it), anything else quoted."""
        if isinstance(value, bool):
            return await self._say("diagnostics.value.yes" if value else "diagnostics.value.no")
        if isinstance(value, (int, float)):
            return value
        if isinstance(value, str) and value in VALUES:
            return await self._say(f"diagnostics.value.{value}")
        return quote(value, 40)

    async def reason(self, reason: str) -> str:
        """Why a plugin is left out: the core's usual reasons in words, an error quoted."""
        if not reason:
            return ""
        key = REASONS.get(reason)
        return await self._say(key) if key else f"({quote(reason)})"

    async def right(self, right: str) -> str:
        """A Telegram administrator right in words (`can_invite_users`, ...)."""
        key = f"diagnostics.right.{right}"
        return await self._say(key) if key in self.declared else quote(right, 40)

    async def channel_setting(self, plugin: str, key: str) -> str:
        """The channel a plugin's setting names, in words ("Canal VIP")."""
        own = f"diagnostics.channel.{plugin}"
        if own in self.declared:
            return await self._say(own)
        return await self._say("diagnostics.channel.other", plugin=plugin)
