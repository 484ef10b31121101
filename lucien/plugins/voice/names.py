"""The house's names: the words that stand for the world of the bot (VOICE.md), which
admins may change from chat, and the forms a catalogue line writes them in.

A plugin supplies a name through a text setting per language, marked with the name it
stands for and the language (`json_schema_extra={"lucien": {"editable": True, "kind":
"text", "house_name": "divan", "locale": "es"}}`): the vip plugin "divan" (its channel) and
"circle" (its members), the free plugin "vestibule" (its channel). A name nobody supplies
(its plugin disabled, a language without a field) reads as the default below.

A name is stored whole, with its article ("el Diván", "la Sala Roja", "los Kinkys",
"the Divan"), and every line writes it through one of four forms, so no catalogue ever
says "de el Diván":

- `{divan}`: as stored, its article in lower case ("el Diván");
- `{Divan}`: at the start of a sentence or a title ("El Diván");
- `{del_divan}`: after "of": Spanish contracts "de el" into "del" ("del Diván", "de la Sala
  Roja", "de Kinkys"); English "of the Divan";
- `{al_divan}`: after "to": "al Diván", "a la Sala Roja"; English "to the Divan".

(The same for `circle` and `vestibule`.) Only a leading article is recognised (el, la,
los, las; the); written with a capital it is still the article ("El Diván" reads "del
Diván"), so a name whose own first word is "El" cannot keep it apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from lucien.core.voice import HOUSE_NAME_MAX

#: The names a line may use, and their defaults per language.
STEMS: tuple[str, ...] = ("divan", "circle", "vestibule")
DEFAULTS: dict[str, dict[str, str]] = {
    "es": {"divan": "el Diván", "circle": "el círculo exclusivo", "vestibule": "el vestíbulo"},
    "en": {"divan": "the Divan", "circle": "the exclusive circle", "vestibule": "the vestibule"},
}
_ARTICLES: dict[str, tuple[str, ...]] = {"es": ("el", "la", "los", "las"), "en": ("the",)}
NAME_MAX = HOUSE_NAME_MAX  # the settings fields hold at most this


def forms_of(stem: str) -> tuple[str, str, str, str]:
    """The placeholders of one name: as is, capitalised, after "of", after "to"."""
    return stem, stem.capitalize(), f"del_{stem}", f"al_{stem}"


#: Every placeholder the names give (the voice provides them to every catalogue).
PLACEHOLDERS: frozenset[str] = frozenset(f for s in STEMS for f in forms_of(s))
_STEM_OF: dict[str, str] = {f: s for s in STEMS for f in forms_of(s)}


def stems_in(fields: Iterable[str]) -> frozenset[str]:
    """The names a template's placeholders use."""
    return frozenset(_STEM_OF[f] for f in fields if f in _STEM_OF)


def name_forms(stem: str, name: str, locale: str) -> dict[str, str]:
    """The four forms of `name` (see the module's docstring) in `locale` (es or en)."""
    lang = "es" if locale == "es" else "en"
    name = " ".join(name.split()) or DEFAULTS[lang][stem]
    head, _, rest = name.partition(" ")
    article = head.lower() if rest and head.lower() in _ARTICLES[lang] else None
    plain = f"{article} {rest}" if article else name
    capital = plain[:1].upper() + plain[1:]
    if lang == "es":
        of = f"del {rest}" if article == "el" else f"de {plain}"
        to = f"al {rest}" if article == "el" else f"a {plain}"
    else:
        of, to = f"of {plain}", f"to {plain}"
    as_is, cap, of_key, to_key = forms_of(stem)
    return {as_is: plain, cap: capital, of_key: of, to_key: to}


def declared_names(records: Iterable[Any]) -> dict[str, dict[str, tuple[str, str]]]:
    """Which plugin setting supplies each name: stem -> {locale: (plugin, field)}, from
    the enabled plugins' settings models."""
    found: dict[str, dict[str, tuple[str, str]]] = {}
    for record in records:
        settings = getattr(record, "settings", None)
        if settings is None:
            continue
        for key, info in type(settings).model_fields.items():
            extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
            meta = extra.get("lucien")
            if not isinstance(meta, Mapping) or meta.get("house_name") not in STEMS:
                continue
            locale = str(meta.get("locale") or "es")
            found.setdefault(str(meta["house_name"]), {})[locale] = (record.name, key)
    return found
