"""The database commands, run in-process through the `lucien` command line against real
databases (the subprocess tests without a token are in tests/core/test_cli_tokenless.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from lucien.core.cli import main as _run


def test_migrate_then_status_on_sqlite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "cli.db"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{db}")
    monkeypatch.setenv("SANDBOX", "true")
    assert _run(["migrate", "status"]) == 0
    assert "core_0001" in capsys.readouterr().out
    assert _run(["migrate"]) == 0
    assert "applied core core_0001" in capsys.readouterr().out
    assert _run(["migrate"]) == 0
    assert "already at head" in capsys.readouterr().out
    assert _run(["migrate", "status"]) == 0
    out = capsys.readouterr().out
    assert "core" in out and "enabled" in out
    tables = {r[0] for r in sqlite3.connect(db).execute("SELECT name FROM sqlite_master")}
    assert "users" in tables
    assert _run(["migrate", "downgrade", "core", "base"]) == 0
    assert "reverted core core_0001" in capsys.readouterr().out


def test_bad_config_returns_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", "mysql://nope")
    monkeypatch.setenv("SANDBOX", "true")
    assert _run(["migrate"]) == 2
    assert "DATABASE_URL" in capsys.readouterr().err
    assert _run(["import-sqlite", "x.db", "--dry-run"]) == 2


def test_import_sqlite_into_sqlite_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    monkeypatch.setenv("SANDBOX", "true")
    assert _run(["import-sqlite", "source.db"]) == 1
    assert "PostgreSQL" in capsys.readouterr().err
