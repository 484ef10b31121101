"""The plugins screen: every installed plugin, its version and its state, in the admin's
language; the core's usual reasons for a disabled plugin said in words too, any other
reason (an error's text) quoted short, and the whole list kept within one message."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lucien.core.formatting import Markup
from lucien.plugins.admin.services.config_parse import quote

if TYPE_CHECKING:
    from lucien.core.context import AppContext

# The states the core gives a plugin, each said through a key of this plugin's catalogue.
PLUGIN_STATES = frozenset({"enabled", "disabled", "failed"})
# The core's reasons for leaving a plugin out that are configuration, not errors: each
# said through `config.plugins.reason.<name>`.
KNOWN_REASONS = {
    "not in LUCIEN_PLUGINS": "not_listed",
    "in LUCIEN_DISABLED_PLUGINS": "disabled_by_env",
}
REASON_MAX = 120  # an error's text beside a failed plugin: its start says enough
LIST_BUDGET = 3600  # the list's share of the message (the header and markup need the rest)


async def plugin_lines(ctx: AppContext, user: Any) -> Markup:
    """One line per installed plugin: name, version, state in the admin's language (and
    why, when not enabled), rendered by the voice and joined for `config.plugins.list`."""
    say = ctx.voice.say
    lines = []
    for record in sorted(ctx.registry.records.values(), key=lambda r: r.name):
        if record.state in PLUGIN_STATES:
            state: str = Markup(await say(f"config.plugins.state.{record.state}", user=user))
        else:  # a state a newer core adds: shown as it is rather than not at all
            state = str(record.state)
        values: dict[str, Any] = {
            "plugin": record.name,
            "version": record.version,
            "state": state,
        }
        if record.reason and not record.enabled:
            key = "config.plugins.line_reason"
            known = KNOWN_REASONS.get(record.reason)
            if known is not None:
                values["reason"] = Markup(await say(f"config.plugins.reason.{known}", user=user))
            else:
                values["reason"] = quote(record.reason, REASON_MAX)
        else:
            key = "config.plugins.line"
        lines.append(await say(key, user=user, **values))
    text = "\n".join(lines)
    if len(text) > LIST_BUDGET:
        text = _cut(lines, LIST_BUDGET, await say("card.cut", user=user))
    return Markup(text)


def _cut(lines: list[str], budget: int, more: str) -> str:
    """The lines that fit in `budget`, then `more`."""
    kept: list[str] = []
    used = len(more)
    for line in lines:
        if used + len(line) + 1 > budget:
            break
        kept.append(line)
        used += len(line) + 1
    return "\n".join([*kept, more])
