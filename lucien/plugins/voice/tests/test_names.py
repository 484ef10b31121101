"""The house's names in their forms (`names.name_forms`), and the catalogues' use of them:
no line writes a preposition before a name's placeholder ("de {divan}" would read "de el
Diván"), and no line still names the VIP channel "salón privado"."""

from __future__ import annotations

import re

import pytest

from lucien.plugins.voice.catalogues import load_catalogue
from lucien.plugins.voice.names import STEMS, name_forms


@pytest.mark.parametrize(
    ("name", "forms"),
    [
        ("el Diván", ("el Diván", "El Diván", "del Diván", "al Diván")),
        ("El Diván", ("el Diván", "El Diván", "del Diván", "al Diván")),
        ("la Sala Roja", ("la Sala Roja", "La Sala Roja", "de la Sala Roja", "a la Sala Roja")),
        ("los Kinkys", ("los Kinkys", "Los Kinkys", "de los Kinkys", "a los Kinkys")),
        ("Kinkys", ("Kinkys", "Kinkys", "de Kinkys", "a Kinkys")),
        ("  el   vestíbulo ", ("el vestíbulo", "El vestíbulo", "del vestíbulo", "al vestíbulo")),
        ("elegidos", ("elegidos", "Elegidos", "de elegidos", "a elegidos")),  # "el" a prefix
    ],
)
def test_spanish_forms(name: str, forms: tuple[str, ...]) -> None:
    assert tuple(name_forms("divan", name, "es").values()) == forms


def test_english_forms() -> None:
    assert tuple(name_forms("circle", "The exclusive circle", "en").values()) == (
        "the exclusive circle",
        "The exclusive circle",
        "of the exclusive circle",
        "to the exclusive circle",
    )
    assert name_forms("divan", "", "en")["Divan"] == "The Divan"  # empty: the default


def test_no_catalogue_puts_a_preposition_before_a_name() -> None:
    catalogue = load_catalogue()
    stems = "|".join(STEMS)
    wrong = re.compile(rf"\b(de|a|del|al)\s+\{{({stems})\}}|\{{({stems})\}}'s", re.IGNORECASE)
    found = [
        (locale, key, v.text)
        for locale, entries in catalogue.entries.items()
        for key, variants in entries.items()
        for v in variants
        if wrong.search(v.text)
    ]
    assert found == []


def test_no_vip_or_free_line_says_salon_privado() -> None:
    catalogue = load_catalogue()
    found = [
        (locale, key)
        for locale, entries in catalogue.entries.items()
        for key, variants in entries.items()
        for v in variants
        if re.search(r"sal[oó]n privado|private salon", v.text, re.IGNORECASE)
    ]
    assert found == []


# A name may be any gender and number ("la Sala Roja", "las Elegidas", "la antesala", "the
# Kinkys"): a line may not make it the subject of a singular verb, or agree an adjective or
# a pronoun with it ("{Divan} sigue abierto", "forma parte de él", "se reúne {circle}").
_TRIAL_NAMES = {"es": ("la Sala Roja", "las Elegidas", "la antesala"), "en": ("the Kinkys",)}
_TIED_AFTER = {
    "es": r"abiert[oa]|cerrad[oa]|list[oa]|dispuest[oa]|configurad[oa]|suy[oa]|sol[oa]|"
    r"está|es|sigue|tiene|recibe|ofrece|espera|cuenta|pide|puede|aguarda|queda|se reúne",
    "en": r"is|has|remains|awaits|offers|counts|receives|gathers|asks|was|stays",
}
# Words that may stand between the name and its verb: "{Divan} ya le cuenta...".
_BETWEEN = {
    "es": r"(?:(?:ya|aún|todavía|no|le|les|lo|los|se|nos)\s+)*",
    "en": r"(?:(?:already|still|now|not|yet)\s+)*",
}
_TIED_BEFORE = {"es": r"ofrece|reúne|espera|aguarda|recibe|sigue|queda", "en": r"$^"}
# After one of these a name is an object, not the sentence's subject ("en la antesala está").
_NOT_SUBJECT = {
    "es": r"de|a|en|para|hasta|entre|con|sobre|desde|hacia|es",
    "en": r"of|to|in|for|among|from|into|outside|with|is|enter|leave|open",
}


def _disagreements(locale: str, text: str) -> list[str]:
    """The words in rendered `text` tied to one of the trial names by gender or number."""
    found = [m.group(0) for m in re.finditer(r"\b(de él|él)\b", text)] if locale == "es" else []
    for name in _TRIAL_NAMES[locale]:
        written = rf"(?:{re.escape(name)}|{re.escape(name[:1].upper() + name[1:])})"
        for m in re.finditer(
            rf"(\w+)?\s*\b{written}\s+{_BETWEEN[locale]}({_TIED_AFTER[locale]})\b", text
        ):
            if not (m.group(1) and re.fullmatch(_NOT_SUBJECT[locale], m.group(1), re.I)):
                found.append(m.group(0))
        found += [m.group(0) for m in re.finditer(rf"\b({_TIED_BEFORE[locale]})\s+{written}", text)]
    return found


def _render(locale: str, text: str, names: tuple[str, str, str]) -> str:
    """`text` with the divan, circle and vestibule named `names`; other fields left as is."""
    values: dict[str, str] = {}
    for stem, name in zip(STEMS, names, strict=True):
        values.update(name_forms(stem, name, locale))
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), text)


def _named_lines(locale: str) -> list[tuple[str, str]]:
    catalogue = load_catalogue()
    pattern = re.compile(r"\{(?:del_|al_)?(?:divan|circle|vestibule)\}", re.IGNORECASE)
    return [
        (key, v.text)
        for key, variants in catalogue.entries[locale].items()
        for v in variants
        if pattern.search(v.text)
    ]


def _namings(locale: str) -> list[tuple[str, str, str]]:
    """Every trial name for every one of the three names (rotated over the stems)."""
    trial = _TRIAL_NAMES[locale]
    return [tuple(trial[(i + j) % len(trial)] for j in range(3)) for i in range(len(trial))]  # type: ignore[misc]


def test_the_checker_catches_a_line_that_assumes_a_masculine_singular_name() -> None:
    def bad(line: str, locale: str = "es") -> bool:
        return any(_disagreements(locale, _render(locale, line, n)) for n in _namings(locale))

    assert bad("{Divan} sigue abierto para usted.")
    assert bad("{Divan} ya le cuenta entre sus invitados.")
    assert bad("<b>{Vestibule}</b>\nUsted ya forma parte de él.")
    assert bad("donde se reúne {circle}.")
    assert bad("Lo que ofrece {divan}")
    assert bad("{Divan} remains yours.", "en")
    assert not bad("Las puertas {del_divan} siguen abiertas para usted.")
    assert not bad("El canal {del_vestibule} está listo; en {divan} es otra cosa.")
    assert not bad("Your request to enter {vestibule} has reached me.", "en")


@pytest.mark.parametrize("locale", ["es", "en"])
def test_every_line_with_a_name_agrees_with_any_name(locale: str) -> None:
    lines = _named_lines(locale)
    assert len(lines) > 50  # the lines are found: the vip and free catalogues name a lot
    found = [
        (key, rendered, _disagreements(locale, rendered))
        for key, text in lines
        for names in _namings(locale)
        if _disagreements(locale, rendered := _render(locale, text, names))
    ]
    assert found == []
