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
