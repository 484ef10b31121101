"""How the editable settings are named, asked for and confirmed: their voice keys.

A setting the bot ships with has its keys here (`_KNOWN_KEYS`: the admin catalogue's
lines, or the named plugin's); any other plugin may name its own by convention
(`button.config.<plugin>_<key>`, `config.<plugin>_<key>.prompt|set|invalid`, each key
used when some plugin declares it); the rest get generic lines that name the plugin and
say what kind of value is expected, never the setting's internal name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: The languages a welcome may have besides the house's own (Spanish, the unsuffixed
#: field): `welcome_<role>_<locale>`, said to users speaking it; anyone else, and those
#: speaking it while it is empty, read the Spanish one.
WELCOME_LOCALES = ("en",)

Keys = tuple[str, str, str, str]  # (button, prompt, done, invalid)


@dataclass(frozen=True)
class EditableField:
    """A setting of some plugin that admins edit from chat, and how to talk about it."""

    plugin: str
    key: str
    kind: str
    rights: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    max_length: int | None = None  # a text's, as Telegram counts characters
    clearable: bool = False  # "-" empties it (a text whose default is empty)
    keys: Keys = ("", "", "", "")  # see voice_keys
    number: int = 0  # among its plugin's settings named by the generic label, 1, 2...

    @property
    def ident(self) -> str:
        """Internal name, for logs only: never shown to an admin."""
        return f"{self.plugin}.{self.key}"


# Voice keys of the settings the bot ships with, whose lines the admin catalogue (or the
# named plugin's) holds.
_KNOWN_KEYS: dict[tuple[str, str], Keys] = {
    ("vip", "channel_id"): (
        "button.config.vip_channel",
        "config.channel.vip.prompt",
        "config.channel.vip.set",
        "config.setting.invalid",
    ),
    ("free", "channel_id"): (
        "button.config.free_channel",
        "config.channel.free.prompt",
        "config.channel.free.set",
        "config.setting.invalid",
    ),
    ("free", "wait_minutes"): (
        "button.config.wait_time",
        "config.wait_time.prompt",
        "config.wait_time.set",
        "config.wait_time.invalid",
    ),
    ("free", "social_links"): (
        "button.config.social",
        "config.social.prompt",
        "config.social.set",
        "config.social.invalid",
    ),
    # Its lines are in the free plugin's catalogue.
    ("free", "show_wait"): (
        "button.config.free_show_wait",
        "config.free_show_wait.prompt",
        "config.free_show_wait.set",
        "config.free_show_wait.invalid",
    ),
    ("content", "interest_dedupe_minutes"): (
        "button.config.interest_window",
        "config.interest_window.prompt",
        "config.interest_window.set",
        "config.interest_window.invalid",
    ),
    ("voice", "timezone"): (
        "button.config.timezone",
        "config.timezone.prompt",
        "config.timezone.set",
        "config.timezone.invalid",
    ),
    ("voice", "creator_name"): (
        "button.config.creator_name",
        "config.creator_name.prompt",
        "config.creator_name.set",
        "config.setting.invalid",
    ),
    **{
        ("admin", f"welcome_{role}{suffix}"): (
            f"button.config.welcome_{role}{suffix}",
            f"config.welcome{suffix}.prompt",
            "config.welcome.set",
            "config.setting.invalid",
        )
        for role in ("free", "vip")
        for suffix in ("", *(f"_{loc}" for loc in WELCOME_LOCALES))
    },
    # The publish plugin's reaction sets: their lines are in its catalogue.
    ("publish", "reactions_vip"): (
        "button.config.reactions_vip",
        "config.reactions.prompt",
        "config.reactions.set",
        "config.reactions.invalid",
    ),
    ("publish", "reactions_free"): (
        "button.config.reactions_free",
        "config.reactions.prompt",
        "config.reactions.set",
        "config.reactions.invalid",
    ),
}
# An emoji set's refusals, one line each (`<prefix>.empty|not_emoji|repeated|too_many`), for
# the fields that have them; any other emoji field says the reason on its invalid line.
EMOJI_REFUSALS: dict[tuple[str, str], str] = {
    ("publish", "reactions_vip"): "config.reactions",
    ("publish", "reactions_free"): "config.reactions",
}
GENERIC_KEYS: Keys = (
    "button.config.setting",
    "config.setting.prompt",
    "config.setting.set",
    "config.setting.invalid",
)


def voice_keys(f: EditableField) -> Keys:
    """(button, prompt, done, invalid) message keys for the field."""
    return f.keys if f.keys[0] else GENERIC_KEYS


def keys_for(plugin: str, key: str, declared: Mapping[str, Any]) -> Keys:
    """The known keys, else each conventional key some plugin declares, else generic."""
    known = _KNOWN_KEYS.get((plugin, key))
    if known is not None:
        return known
    stem = f"{plugin}_{key}"
    own = (
        f"button.config.{stem}",
        f"config.{stem}.prompt",
        f"config.{stem}.set",
        f"config.{stem}.invalid",
    )
    keys = tuple(k if k in declared else g for k, g in zip(own, GENERIC_KEYS, strict=True))
    return keys  # type: ignore[return-value]
