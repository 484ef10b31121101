"""The house-style check of every installed plugin's catalogue: `lucien voice check`
(or `python -m lucien.plugins.voice.check`).

Lists keys declared without lines (per locale), lines nobody declares, lines kept in
another plugin's catalogue than the one declaring the key, a key in two catalogues,
placeholders a line uses that its key never receives, unknown formats and malformed
plural forms, a count written as a plural in one line and bare in another, markup
Telegram's HTML parser would refuse, and unreadable files. Exit status 1 when anything
is found.
"""

from __future__ import annotations

import logging
import string
import sys
from collections.abc import Callable, Iterable, Mapping
from html.parser import HTMLParser

import click

from lucien.core.formatting import (
    PLURAL_PREFIX,
    babel_locale,
    parse_plural,
    spec_problem,
    template_fields,
)
from lucien.core.plugin import MessageKey
from lucien.core.voice import PLAIN_LOCALE
from lucien.plugins.voice.catalogues import Catalogue, installed_plugins, load_catalogue
from lucien.plugins.voice.services import LOCALES, VOICE_PLACEHOLDERS

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


# Formats that say a placeholder is a count: every line of the key must then count it so.
COUNTING = ("days", "minutes")


def _counting(spec: str) -> bool:
    return spec in COUNTING or spec.startswith(PLURAL_PREFIX)


def _sample_fill(template: str) -> str:
    """The template with each placeholder replaced by a neutral word, or a plural by its
    `other` form (its markup is checked too)."""
    out = []
    for literal, name, spec, _conv in string.Formatter().parse(template):
        out.append(literal)
        if name is None:
            continue
        if spec and spec.startswith(PLURAL_PREFIX):
            try:
                out.append(parse_plural(spec[len(PLURAL_PREFIX) :])["other"].replace("#", "5"))
                continue
            except ValueError:
                pass  # reported as a format problem
        out.append("x")
    return "".join(out)


def _field_problems(fields: list[tuple[str, str]], allowed: set[str], locale: str) -> list[str]:
    """Unknown placeholders and formats; plural categories the locale never uses."""
    problems: list[str] = []
    tags = set(babel_locale(locale).plural_form.tags) | {"other"}
    for name, spec in fields:
        if name not in allowed:
            problems.append(f"unknown placeholder {{{name}}}")
        problem = spec_problem(spec)
        if problem:
            problems.append(f"{{{name}}}: {problem}")
        elif spec.startswith(PLURAL_PREFIX):
            for category in parse_plural(spec[len(PLURAL_PREFIX) :]):
                if category[0].isalpha() and category not in tags:
                    problems.append(f"{{{name}}}: {locale} has no plural category {category!r}")
    return problems


def _bare_counts(message: MessageKey, catalogue: Catalogue, locales: Iterable[str]) -> list[str]:
    """Placeholders counted (a plural, days, minutes) in one template of a language and
    bare in another: `{n} days` where another line says `{n:days}`. Per language, since
    a word may agree with its number in one ("2 fallidas") and not in another ("2 failed");
    the plain default is English."""
    problems: list[str] = []
    for locale in locales:
        templates = [v.text for v in catalogue.variants(locale, message.key)]
        if locale == PLAIN_LOCALE:
            templates.append(message.default)
        uses: dict[str, set[bool]] = {}
        for template in templates:
            try:
                fields = template_fields(template)
            except ValueError:
                continue  # reported as malformed
            for name, spec in fields:
                uses.setdefault(name, set()).add(_counting(spec))
        problems.extend(
            f"{locale}: {message.key}: {{{name}}} is counted in one line and bare in another"
            for name, counted in sorted(uses.items())
            if counted == {True, False}
        )
    return problems


def check_catalogue(
    messages: Iterable[MessageKey] | Mapping[str, MessageKey],
    catalogue: Catalogue | None = None,
    locales: Iterable[str] = LOCALES,
    owners: Mapping[str, str] | None = None,
) -> list[str]:
    """Every disagreement between the declared keys and the catalogue; [] when they agree.

    `owners` (key -> declaring plugin), when given, also reports lines kept in another
    plugin's catalogue than the declaring one.
    """
    declared = dict(messages) if isinstance(messages, Mapping) else {m.key: m for m in messages}
    catalogue = catalogue if catalogue is not None else load_catalogue()
    locales = tuple(locales)
    problems: list[str] = list(catalogue.problems)
    for key, message in sorted(declared.items()):
        try:
            default_fields = template_fields(message.default)
        except ValueError as exc:
            problems.append(f"{key}: default is malformed ({exc})")
        else:
            allowed = set(message.context) | {"name"}
            for problem in _field_problems(default_fields, allowed, "en"):
                problems.append(f"{key}: default: {problem}")
        problems.extend(_bare_counts(message, catalogue, locales))
    for locale in locales:
        keys = catalogue.keys(locale)
        for key in sorted(set(declared) - keys):
            problems.append(f"{locale}: {key} is declared but has no catalogue entry")
        for key in sorted(keys - set(declared)):
            provider = catalogue.provider(locale, key)
            problems.append(
                f"{provider}/{locale}: {key} is in the catalogue but nobody declares it"
            )
        for key in sorted(keys & set(declared)):
            message = declared[key]
            provider = catalogue.provider(locale, key)
            where = f"{provider}/{locale}:{key}"
            if owners is not None and owners.get(key, provider) != provider:
                problems.append(
                    f"{where}: declared by {owners[key]}, whose catalogue it belongs in"
                )
            allowed = set(message.context) | VOICE_PLACEHOLDERS
            for variant in catalogue.variants(locale, key):
                label = f"{where} variant {variant.index}"
                try:
                    fields = template_fields(variant.text)
                except ValueError as exc:
                    problems.append(f"{label}: malformed template ({exc})")
                    continue
                problems.extend(f"{label}: {p}" for p in _field_problems(fields, allowed, locale))
                filled = _sample_fill(variant.text)
                if message.button:
                    if any(c in filled for c in "<>&"):
                        problems.append(f"{label}: a button label is plain text, no markup")
                else:
                    problems.extend(f"{label}: {p}" for p in telegram_html_problems(filled))
    return problems


def check_installed(locales: Iterable[str] = LOCALES) -> list[str]:
    """Check every installed plugin's keys against every installed plugin's catalogue."""
    plugins = installed_plugins()
    declared: dict[str, MessageKey] = {}
    owners: dict[str, str] = {}
    problems: list[str] = []
    for plugin in plugins:
        for message in plugin.messages:
            if message.key in owners:
                problems.append(
                    f"{message.key}: declared by {owners[message.key]} and {plugin.name}"
                )
                continue
            declared[message.key] = message
            owners[message.key] = plugin.name
    catalogue = load_catalogue([(p.name, p.catalogue) for p in plugins if p.catalogue])
    return problems + check_catalogue(declared, catalogue, locales, owners)


def collect_messages() -> dict[str, MessageKey]:
    """The keys every installed plugin (the built-in one too) declares."""
    merged: dict[str, MessageKey] = {}
    for plugin in installed_plugins():
        for message in plugin.messages:
            merged.setdefault(message.key, message)
    return merged


def report(echo: Callable[[str], None]) -> int:
    """Print every problem of the installed catalogues; return the exit status (1 if any)."""
    problems = check_installed()
    for problem in problems:
        echo(problem)
    echo(f"{len(problems)} problem(s)" if problems else "catalogues and declared keys agree")
    return 1 if problems else 0


@click.group(name="voice")
def voice_cli() -> None:
    """Lucien's voice: the catalogues every plugin ships."""


@voice_cli.command(name="check")
def check_command() -> None:
    """Check the catalogues of every installed plugin; exit status 1 on any problem."""
    status = report(click.echo)
    if status:
        raise click.exceptions.Exit(status)


def main() -> int:
    """`python -m lucien.plugins.voice.check`: the same check as `lucien voice check`."""
    return report(print)


if __name__ == "__main__":
    sys.exit(main())
