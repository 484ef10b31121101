"""`lucien new-plugin NAME`: write a third-party plugin distribution from the template.

The template (`plugin/`, shipped as package data) has the rooms of the built-in plugins:
the plugin object, handlers, services, models and its own Alembic branch, messages and
their es/en catalogue, a command, and a suite that drives the bot through the emulator.
It is the reference example: a test writes one, pip-installs it and runs `lucien test`.

Files end in `.tmpl` so that nothing (pytest, ruff, mypy, setuptools) mistakes them for
this project's own code. `{{key}}` in a file is replaced by a value; in a path, the
segment `PACKAGE` and the text `PLUGIN` are (a path must stay a plain identifier for the
setuptools package finder).
"""

from __future__ import annotations

import keyword
import re
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from lucien import __version__

TEMPLATE = "plugin"
SUFFIX = ".tmpl"
NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")  # the plugin contract's names (settings.py)
_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")


class TemplateError(ValueError):
    """The plugin cannot be written (a bad name, a directory in the way)."""


def template_values(name: str) -> dict[str, str]:
    """The values the template's placeholders take for plugin `name`."""
    if not NAME_RE.match(name) or keyword.iskeyword(name):
        raise TemplateError(
            f"{name!r} is not a plugin name: lower-case letters, digits and _, "
            "starting with a letter"
        )
    words = name.split("_")
    return {
        "name": name,
        "package": f"lucien_{name}",
        "distribution": "lucien-" + "-".join(words),
        "title": " ".join(w.capitalize() for w in words if w),
        "class_name": "".join(w.capitalize() for w in words if w) + "Plugin",
        "lucien_version": __version__,
    }


def render(text: str, values: dict[str, str], where: str) -> str:
    """Replace every `{{key}}`; a key the values lack is a bug in the template."""

    def value(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in values:
            raise KeyError(f"{where}: unknown placeholder {{{{{key}}}}}")
        return values[key]

    return _PLACEHOLDER.sub(value, text)


def _walk(folder: Traversable, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], str]]:
    found: list[tuple[tuple[str, ...], str]] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.is_dir():
            found += _walk(entry, (*prefix, entry.name))
        elif entry.name.endswith(SUFFIX):
            found.append(((*prefix, entry.name), entry.read_text(encoding="utf-8")))
    return found


def _target_path(parts: tuple[str, ...], values: dict[str, str]) -> Path:
    renamed = [
        values["package"] if part == "PACKAGE" else part.replace("PLUGIN", values["name"])
        for part in parts
    ]
    renamed[-1] = renamed[-1].removesuffix(SUFFIX)
    return Path(*renamed)


def write_plugin(name: str, directory: Path) -> list[Path]:
    """Write plugin `name` as a distribution into `directory`; return the files written.

    The directory may exist only if empty: nothing is ever overwritten.
    """
    values = template_values(name)
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise TemplateError(f"{directory} already exists and is not an empty directory")
    sources = _walk(files(__package__ or __name__) / TEMPLATE)
    rendered = [
        (_target_path(parts, values), render(text, values, "/".join(parts)))
        for parts, text in sources
    ]
    written: list[Path] = []
    for relative, text in rendered:
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
