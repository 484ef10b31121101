"""`lucien voice check`: registered through `lucien_commands`, over every installed plugin."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from lucien.core.plugin import MessageKey
from lucien.plugins.voice import check, plugin
from lucien.plugins.voice.catalogues import InstalledPlugin


def lucien_cli() -> click.Group:
    """A `lucien` group with the voice plugin's commands, as the core's CLI builds it."""

    @click.group()
    def cli() -> None:
        """lucien"""

    plugin.lucien_commands(cli)
    return cli


def write_catalogue(folder: Path, es: dict[str, list[str]], en: dict[str, list[str]]) -> str:
    folder.mkdir(parents=True)
    (folder / "es.json").write_text(json.dumps(es), encoding="utf-8")
    (folder / "en.json").write_text(json.dumps(en), encoding="utf-8")
    return str(folder)


def test_voice_check_passes_on_the_installed_plugins() -> None:
    result = CliRunner().invoke(lucien_cli(), ["voice", "check"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "catalogues and declared keys agree"


def test_the_module_entry_runs_the_same_check(capsys: pytest.CaptureFixture[str]) -> None:
    assert check.main() == 0
    assert "catalogues and declared keys agree" in capsys.readouterr().out


def test_voice_check_lists_every_problem_and_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = InstalledPlugin(
        "shop",
        [
            MessageKey("shop.items", "{n:plural:one=# item|other=# items}", ("n",)),
            MessageKey("shop.hello", "Hello, {name}.", ("name",)),
        ],
        write_catalogue(
            tmp_path / "shop",
            es={
                "shop.items": ["{n} artículos", "{n:plural:one=# artículo|few=#|other=# artículos}"]
            },
            en={"shop.items": ["{n:plural:one=# item|other=# items}"], "shop.bye": ["Bye."]},
        ),
    )
    other = InstalledPlugin(
        "other",
        [MessageKey("shop.hello", "Hi.")],
        write_catalogue(
            tmp_path / "other",
            es={"shop.hello": ["Hola, {name}."]},
            en={"shop.hello": ["Hello, <b>{name}."]},
        ),
    )
    monkeypatch.setattr(check, "installed_plugins", lambda: [shop, other])
    result = CliRunner().invoke(lucien_cli(), ["voice", "check"])
    assert result.exit_code == 1
    problems = result.output.splitlines()
    assert problems[-1] == f"{len(problems) - 1} problem(s)"
    for expected in [
        "shop.hello: declared by shop and other",
        "es: shop.items: {n} is counted in one line and bare in another",
        "shop/es:shop.items variant 1: {n}: es has no plural category 'few'",
        "other/es:shop.hello: declared by shop, whose catalogue it belongs in",
        "shop/en: shop.bye is in the catalogue but nobody declares it",
        "other/en:shop.hello variant 0: unclosed tags ['b']",
    ]:
        assert expected in problems, (expected, problems)
