"""Emoji as admins type them for a setting of kind "emoji": "🔥 ❤️ 😍", "🔥, ❤️", or "🔥❤️😍"
with nothing between (cut into what a reader sees as one character each)."""

from __future__ import annotations

import re
import unicodedata

_EMOJI_SEPARATORS = re.compile(r"[\s,;]+")
# What may follow an emoji's first code point within it: the joiner, variation selectors,
# the keycap, skin tones, tags (subdivision flags) and combining marks.
_EMOJI_TAIL = frozenset("\u200d\ufe0e\ufe0f\u20e3")


def _regional(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF


def graphemes(text: str) -> list[str]:
    """`text` cut into the characters a reader sees, as far as emoji go: "❤️" (heart and
    variation selector), "👍🏽", "👨‍👩‍👧" (joined), "🇪🇸" (a pair of regional indicators)."""
    clusters: list[str] = []
    for ch in text:
        cp = ord(ch)
        joins = bool(clusters) and (
            ch in _EMOJI_TAIL
            or 0x1F3FB <= cp <= 0x1F3FF
            or 0xE0020 <= cp <= 0xE007F
            or unicodedata.category(ch) in ("Mn", "Me")
            or clusters[-1].endswith("\u200d")
            or (_regional(ch) and len(clusters[-1]) == 1 and _regional(clusters[-1]))
        )
        if joins:
            clusters[-1] += ch
        else:
            clusters.append(ch)
    return clusters


def is_emoji(text: str) -> bool:
    """One emoji: symbols with their joiners, selectors and modifiers, at least one symbol
    (the rule the settings models that hold emoji apply)."""
    allowed = {"So", "Sk", "Mn", "Me", "Cf"}
    return (
        bool(text)
        and all(
            unicodedata.category(ch) in allowed
            or ch in _EMOJI_TAIL
            or 0x1F3FB <= ord(ch) <= 0x1F3FF
            for ch in text
        )
        and any(unicodedata.category(ch) == "So" for ch in text)
    )


def split_emoji(text: str) -> tuple[list[str], str | None]:
    """The emoji of `text` in order, and the first piece that is not one (None when all
    are): pieces are separated by spaces, commas or semicolons, or by nothing at all."""
    found: list[str] = []
    for chunk in _EMOJI_SEPARATORS.split(text):
        if not chunk:
            continue
        pieces = graphemes(chunk)
        if not all(is_emoji(piece) for piece in pieces):
            return found, chunk
        found.extend(pieces)
    return found, None
