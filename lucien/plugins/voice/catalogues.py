"""Every plugin's catalogue, read and merged into one `Catalogue` the voice renders.

A plugin ships its texts next to its `messages.py`, in `catalogue/<locale>.json` (es and
en; more locales as wanted; a large one may split a locale into `<locale>.<part>.json`),
and names that folder through the `lucien_catalogue` hook.
Each file maps the plugin's message keys to a list of variants::

    {"greeting.returning": [
        {"text": "Ah, ha regresado, {name}...", "weight": 2},
        {"text": "Buenos días, {name}.", "time_of_day": "morning"},
        {"text": "Bienvenido al despacho, {name}.", "role": "admin"},
        "Una línea sin más (weight 1, no filter)"
    ]}

`weight` (positive, default 1) is how often a variant comes; `time_of_day` (morning,
afternoon, evening, night) and `role` (any role a plugin declares, or "creator": the
creator herself) restrict where it fits. A role's lines, when one fits, are said to that
role instead of the general ones.
A key in two plugins' catalogues is a problem: the first plugin keeps it.
"""

from __future__ import annotations

import importlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from lucien.core.plugin import MessageKey

log = logging.getLogger("lucien.voice")

TIMES_OF_DAY: tuple[str, ...] = ("morning", "afternoon", "evening", "night")
VARIANT_FIELDS = frozenset({"text", "weight", "time_of_day", "role"})

# (owner, folder): a plugin's name and the folder of its `<locale>.json` files.
Source = tuple[str, Path | str]


@dataclass(frozen=True)
class Variant:
    """One way of saying a key: its template, weight and optional filters."""

    text: str
    weight: float = 1.0
    time_of_day: str | None = None
    role: str | None = None
    index: int = 0

    def fits(self, time_of_day: str, role: str | None) -> bool:
        """Whether this variant may be used at this time of day and for this role."""
        if self.time_of_day is not None and self.time_of_day != time_of_day:
            return False
        return not (self.role is not None and self.role != role)


@dataclass
class Catalogue:
    """Variants per locale and key, with the plugin each key's lines came from."""

    entries: dict[str, dict[str, list[Variant]]] = field(default_factory=dict)
    providers: dict[str, dict[str, str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def locales(self) -> tuple[str, ...]:
        """The locales the catalogue has lines for."""
        return tuple(sorted(self.entries))

    def variants(self, locale: str, key: str) -> list[Variant]:
        """The variants of `key` in `locale` (empty when the catalogue has none)."""
        return self.entries.get(locale, {}).get(key, [])

    def keys(self, locale: str) -> set[str]:
        """Every key the catalogue has in `locale`."""
        return set(self.entries.get(locale, {}))

    def provider(self, locale: str, key: str) -> str:
        """The plugin whose catalogue holds `key` in `locale` ("?" when none does)."""
        return self.providers.get(locale, {}).get(key, "?")


def _parse_variant(raw: Any, index: int, where: str, problems: list[str]) -> Variant | None:
    if isinstance(raw, str):
        return Variant(text=raw, index=index)
    if not isinstance(raw, dict) or not isinstance(raw.get("text"), str):
        problems.append(f"{where}: variant {index} needs a 'text' string")
        return None
    unknown = set(raw) - VARIANT_FIELDS
    if unknown:
        problems.append(f"{where}: variant {index} has unknown fields {sorted(unknown)}")
    weight = raw.get("weight", 1)
    if not isinstance(weight, int | float) or isinstance(weight, bool) or weight <= 0:
        problems.append(f"{where}: variant {index} needs a positive weight")
        return None
    time_of_day = raw.get("time_of_day")
    if time_of_day is not None and time_of_day not in TIMES_OF_DAY:
        problems.append(f"{where}: variant {index} has unknown time_of_day {time_of_day!r}")
        return None
    role = raw.get("role")
    if role is not None and (not isinstance(role, str) or not role.strip()):
        # Roles come from plugins: any declared name fits, so only its shape is checked.
        problems.append(f"{where}: variant {index} needs a role name, got {role!r}")
        return None
    return Variant(raw["text"], float(weight), time_of_day, role, index)


def _read_locale_file(catalogue: Catalogue, owner: str, path: Path, locale: str) -> None:
    where = f"{owner}/{locale}"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        catalogue.problems.append(f"{where}: unreadable ({exc})")
        return
    if not isinstance(data, dict):
        catalogue.problems.append(f"{where}: expected an object of keys")
        return
    entries = catalogue.entries.setdefault(locale, {})
    providers = catalogue.providers.setdefault(locale, {})
    for key, raw_variants in data.items():
        here = f"{where}:{key}"
        if key in providers:
            catalogue.problems.append(
                f"{here}: also in the catalogue of {providers[key]} (a key has one owner)"
            )
            continue
        if not isinstance(raw_variants, list) or not raw_variants:
            catalogue.problems.append(f"{here}: expected a non-empty list of variants")
            continue
        variants = [
            v
            for i, raw in enumerate(raw_variants)
            if (v := _parse_variant(raw, i, here, catalogue.problems)) is not None
        ]
        if variants:
            entries[key] = variants
            providers[key] = owner


def load_catalogue(sources: Iterable[Source] | None = None) -> Catalogue:
    """Read and merge the catalogues of `sources` ((plugin, folder) pairs, in order);
    every installed plugin's when None. Problems are collected, never raised."""
    catalogue = Catalogue()
    if sources is None:
        sources = [(p.name, p.catalogue) for p in installed_plugins() if p.catalogue]
    for owner, folder in sources:
        root = Path(folder)
        if not root.is_dir():
            catalogue.problems.append(f"{owner}: catalogue folder {root} does not exist")
            continue
        # `es.json`, and for a large plugin also `es.posts.json`...: the locale is the
        # name's first part, and a key still has one file.
        for path in sorted(root.glob("*.json")):
            _read_locale_file(catalogue, owner, path, path.name.split(".")[0])
    return catalogue


@dataclass
class InstalledPlugin:
    """What the check needs of an installed plugin: its keys and its catalogue folder."""

    name: str
    messages: list[MessageKey] = field(default_factory=list)
    catalogue: str | None = None


def _hook(obj: Any, name: str) -> Any:
    fn = getattr(obj, name, None)
    return fn() if callable(fn) else None


def _describe(default_name: str, obj: Any) -> InstalledPlugin:
    info = _hook(obj, "lucien_plugin_info")
    catalogue = _hook(obj, "lucien_catalogue")
    return InstalledPlugin(
        name=getattr(info, "name", default_name),
        messages=list(_hook(obj, "lucien_messages") or ()),
        catalogue=str(catalogue) if catalogue else None,
    )


def installed_plugins() -> list[InstalledPlugin]:
    """The core's built-in plugins and every installed one (through its entry point),
    enabled or not: a plugin that fails to load is logged and left out."""
    from lucien.core.plugins import DEFAULT_PLUGINS, ENTRY_POINT_GROUP

    found: dict[str, InstalledPlugin] = {}
    candidates: list[tuple[str, Any]] = []
    for module in DEFAULT_PLUGINS:
        try:
            candidates.append((module, importlib.import_module(module).plugin))
        except Exception as exc:
            log.warning("built-in plugin %s failed to load: %s", module, exc)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            candidates.append((ep.name, ep.load()))
        except Exception as exc:
            log.warning("plugin %s failed to load: %s", ep.name, exc)
    for default_name, obj in candidates:
        try:
            plugin = _describe(default_name, obj)
        except Exception as exc:
            log.warning("plugin %s: its hooks raised %r", default_name, exc)
            continue
        found.setdefault(plugin.name, plugin)
    return list(found.values())
