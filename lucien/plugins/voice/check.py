"""Check the catalogue against the declared keys: `python -m lucien.plugins.voice.check`.

Lists keys declared without a catalogue entry (per locale), catalogue entries nobody
declares, placeholders a variant uses that its key never receives, markup Telegram's HTML
parser would refuse, and malformed catalogue files. Exit status 1 when anything is found.
"""

from __future__ import annotations

import logging
import string
import sys
from collections.abc import Iterable, Mapping
from html.parser import HTMLParser
from importlib.metadata import entry_points

from lucien.core.plugin import MessageKey
from lucien.plugins.voice.services import (
    FORMAT_SPECS,
    LOCALES,
    VOICE_PLACEHOLDERS,
    Catalogue,
    load_catalogue,
    template_fields,
)

log = logging.getLogger("lucien.voice")

# Tags Telegram's HTML parse mode accepts, and the attributes each may carry.
TELEGRAM_TAGS: dict[str, frozenset[str]] = {
    "b": frozenset(), "strong": frozenset(), "i": frozenset(), "em": frozenset(),
    "u": frozenset(), "ins": frozenset(), "s": frozenset(), "strike": frozenset(),
    "del": frozenset(), "a": frozenset({"href"}), "code": frozenset({"class"}),
    "pre": frozenset(), "blockquote": frozenset({"expandable"}),
    "tg-spoiler": frozenset(), "span": frozenset({"class"}),
}  # fmt: skip
_ENTITIES = frozenset({"lt", "gt", "amp", "quot"})


class _TelegramHTML(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in TELEGRAM_TAGS:
            self.problems.append(f"tag <{tag}> is not allowed")
            return
        for attr, value in attrs:
            if attr not in TELEGRAM_TAGS[tag]:
                self.problems.append(f"attribute {attr} not allowed on <{tag}>")
            elif tag == "span" and value != "tg-spoiler":
                self.problems.append('<span> needs class="tg-spoiler"')
        if tag == "a" and not dict(attrs).get("href"):
            self.problems.append("<a> needs an href")
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.problems.append(f"self-closing <{tag}/> is not allowed")

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"unbalanced </{tag}>")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        for char in "<>&":
            if char in data:
                self.problems.append(f"raw {char!r} must be written as an entity")

    def handle_entityref(self, name: str) -> None:
        if name not in _ENTITIES:
            self.problems.append(f"entity &{name}; is not supported")

    def handle_comment(self, data: str) -> None:
        self.problems.append("comments are not allowed")

    def handle_decl(self, decl: str) -> None:
        self.problems.append("declarations are not allowed")

    def handle_pi(self, data: str) -> None:
        self.problems.append("processing instructions are not allowed")


def telegram_html_problems(text: str) -> list[str]:
    """What Telegram's HTML parse mode would refuse in `text` (empty list when valid)."""
    parser = _TelegramHTML()
    parser.feed(text)
    parser.close()
    if parser.rawdata:  # an unterminated tag such as "<b" is left unparsed
        parser.problems.append(f"unterminated markup {parser.rawdata[:20]!r}")
    problems = parser.problems
    if parser.stack:
        problems.append(f"unclosed tags {parser.stack}")
    return problems


def _sample_fill(template: str) -> str:
    """The template with every placeholder replaced by a neutral word (to check markup)."""
    out = []
    for literal, name, _spec, _conv in string.Formatter().parse(template):
        out.append(literal)
        if name is not None:
            out.append("x")
    return "".join(out)


def check_catalogue(
    messages: Iterable[MessageKey] | Mapping[str, MessageKey],
    catalogue: Catalogue | None = None,
    locales: Iterable[str] = LOCALES,
) -> list[str]:
    """Every disagreement between the declared keys and the catalogue; [] when they agree."""
    declared = dict(messages) if isinstance(messages, Mapping) else {m.key: m for m in messages}
    catalogue = catalogue if catalogue is not None else load_catalogue()
    problems: list[str] = list(catalogue.problems)
    for key, message in sorted(declared.items()):
        try:
            default_fields = template_fields(message.default)
        except ValueError as exc:
            problems.append(f"{key}: default is malformed ({exc})")
        else:
            for name, spec in default_fields:
                if name not in set(message.context) | {"name"} or spec:
                    problems.append(f"{key}: default uses {{{name}}} not in its declared context")
    for locale in locales:
        keys = catalogue.keys(locale)
        for key in sorted(set(declared) - keys):
            problems.append(f"{locale}: {key} is declared but has no catalogue entry")
        for key in sorted(keys - set(declared)):
            provider = catalogue.providers[locale][key]
            problems.append(
                f"{locale}/{provider}: {key} is in the catalogue but nobody declares it"
            )
        for key in sorted(keys & set(declared)):
            message = declared[key]
            allowed = set(message.context) | VOICE_PLACEHOLDERS
            where = f"{locale}/{catalogue.providers[locale][key]}:{key}"
            for variant in catalogue.variants(locale, key):
                label = f"{where} variant {variant.index}"
                try:
                    fields = template_fields(variant.text)
                except ValueError as exc:
                    problems.append(f"{label}: malformed template ({exc})")
                    continue
                for name, spec in fields:
                    if name not in allowed:
                        problems.append(f"{label}: unknown placeholder {{{name}}}")
                    if spec not in FORMAT_SPECS:
                        problems.append(f"{label}: unknown format {{{name}:{spec}}}")
                filled = _sample_fill(variant.text)
                if message.button:
                    if any(c in variant.text for c in "<>&"):
                        problems.append(f"{label}: a button label is plain text, no markup")
                else:
                    problems.extend(f"{label}: {p}" for p in telegram_html_problems(filled))
    return problems


def collect_messages() -> dict[str, MessageKey]:
    """The core's keys and those of every installed plugin (through its entry point)."""
    from lucien.core.messages import CORE_MESSAGES

    merged = {m.key: m for m in CORE_MESSAGES}
    for ep in entry_points(group="lucien.plugins"):
        try:
            plugin = ep.load()
        except Exception as exc:
            log.warning("plugin %s failed to load: %s", ep.name, exc)
            continue
        hook = getattr(plugin, "lucien_messages", None)
        if hook is None:
            continue
        for message in hook() or ():
            merged.setdefault(message.key, message)
    return merged


def main() -> int:
    """Print every catalogue problem; exit status 1 if there is any."""
    problems = check_catalogue(collect_messages())
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problem(s)" if problems else "catalogue and declared keys agree")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
