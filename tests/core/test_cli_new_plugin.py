"""`lucien new-plugin NAME` writes a distribution that installs and passes its own suite.

The end-to-end test does what a plugin author would: write the plugin, pip-install it
(into a directory put on PYTHONPATH, as tests/conftest.py does for the greeter), then
`lucien plugins`, `lucien test hello` and the plugin's own command, each a subprocess
with no BOT_TOKEN.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lucien.core.cli import main
from lucien.core.templates import TemplateError, write_plugin
from tests.core.clikit import lucien, pip_install, sqlite_url

ROOMS = {
    "pyproject.toml",
    "README.md",
    "lucien_hello/__init__.py",
    "lucien_hello/handlers.py",
    "lucien_hello/services.py",
    "lucien_hello/models.py",
    "lucien_hello/messages.py",
    "lucien_hello/catalogue/en.json",
    "lucien_hello/catalogue/es.json",
    "lucien_hello/migrations/__init__.py",
    "lucien_hello/migrations/versions/hello_0001_greetings.py",
    "lucien_hello/tests/__init__.py",
    "lucien_hello/tests/test_hello.py",
}


def test_new_plugin_installs_and_passes_lucien_test_unchanged(tmp_path: Path) -> None:
    written = lucien("new-plugin", "hello", cwd=tmp_path)
    assert written.returncode == 0, written.stderr
    source = tmp_path / "lucien-hello"
    assert "pip install -e lucien-hello" in written.stdout
    site = tmp_path / "site"
    pip_install(source, site)
    env = {"PYTHONPATH": str(site), "DATABASE_URL": sqlite_url(tmp_path / "bot.db")}

    listed = lucien("plugins", "--json", cwd=tmp_path, **env)
    assert listed.returncode == 0, listed.stderr
    hello = next(row for row in json.loads(listed.stdout) if row["name"] == "hello")
    assert (hello["version"], hello["state"], hello["distribution"]) == (
        "0.1.0",
        "enabled",
        "lucien-hello",
    )

    tested = lucien("test", "hello", cwd=tmp_path, **env)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "hello: passed (5 passed, 0 failed, 0 skipped" in tested.stdout

    migrated = lucien("migrate", cwd=tmp_path, **env)
    assert "applied hello hello_0001" in migrated.stdout, migrated.stderr
    stats = lucien("hello", "stats", cwd=tmp_path, **env)
    assert stats.returncode == 0, stats.stderr
    assert stats.stdout == "0 users greeted, 0 greetings in total\n"


def test_every_room_is_written_with_no_placeholder_left(tmp_path: Path) -> None:
    target = tmp_path / "out"
    written = write_plugin("hello", target)
    assert {p.relative_to(target).as_posix() for p in written} == ROOMS
    for path in written:
        assert "{{" not in path.read_text(encoding="utf-8"), path
    pyproject = (target / "pyproject.toml").read_text()
    assert 'hello = "lucien_hello:plugin"' in pyproject
    assert '[project.entry-points."lucien.plugins"]' in pyproject


def test_a_two_word_name_gets_matching_package_and_class(tmp_path: Path) -> None:
    written = write_plugin("tip_jar", tmp_path / "tj")
    names = {p.relative_to(tmp_path / "tj").as_posix() for p in written}
    assert "lucien_tip_jar/migrations/versions/tip_jar_0001_greetings.py" in names
    init = (tmp_path / "tj" / "lucien_tip_jar" / "__init__.py").read_text()
    assert "class TipJarPlugin:" in init and "plugin = TipJarPlugin()" in init
    assert 'name = "lucien-tip-jar"' in (tmp_path / "tj" / "pyproject.toml").read_text()


@pytest.mark.parametrize("name", ["Hello", "9lives", "my-plugin", "class", ""])
def test_a_name_that_is_not_a_plugin_name_is_refused(name: str, tmp_path: Path) -> None:
    with pytest.raises(TemplateError):
        write_plugin(name, tmp_path / "x")
    assert not (tmp_path / "x").exists()


def test_nothing_is_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "lucien-hello").mkdir()
    (tmp_path / "lucien-hello" / "notes.txt").write_text("mine")
    monkeypatch.chdir(tmp_path)
    assert main(["new-plugin", "hello"]) == 2
    assert "already exists and is not an empty directory" in capsys.readouterr().err
    assert [p.name for p in (tmp_path / "lucien-hello").iterdir()] == ["notes.txt"]
