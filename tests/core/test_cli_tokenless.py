"""Commands that do not talk to Telegram run without BOT_TOKEN.

The real `lucien` command line, started as a subprocess (`python -m lucien`) with an
environment holding no token, no plugin selection and a throwaway database, from a
temporary directory (so no `.env` is read).
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import sys
from pathlib import Path

import asyncpg
import pytest

from lucien.core.db import migrate
from lucien.core.settings import MISSING_TOKEN, ConfigError, load_settings
from lucien.core.testing.databases import temporary_postgres
from tests.core.clikit import clean_env, lucien, pip_install, sqlite_url

FIXTURES = Path(__file__).parent.parent / "fixtures"
# The core branch's newest revision.
# The core branch's newest revision (files named core_NNNN_<slug>.py).
CORE_HEAD = max(
    "_".join(f.stem.split("_")[:2])
    for f in (Path(migrate.__file__).parents[2] / "migrations" / "versions").glob("core_*.py")
)


@pytest.fixture(scope="module")
def cli_fixtures_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/fixtures/cli_plugins installed with pip: a plugin that cannot be imported
    and one whose commands clash, found through their distribution's metadata."""
    target = tmp_path_factory.mktemp("cli-site")
    pip_install(FIXTURES / "cli_plugins", target)
    return target


def test_plugins_lists_every_installed_distribution_even_one_that_fails_to_import(
    tmp_path: Path, greeter_site: Path, cli_fixtures_site: Path
) -> None:
    env = {
        "PYTHONPATH": os.pathsep.join([str(greeter_site), str(cli_fixtures_site)]),
        "DATABASE_URL": sqlite_url(tmp_path / "bot.db"),
        "LUCIEN_DISABLED_PLUGINS": "diagnostics",
    }
    result = lucien("plugins", cwd=tmp_path, **env)
    assert result.returncode == 0, result.stderr
    header, *lines = result.stdout.splitlines()
    assert header.split() == ["NAME", "VERSION", "STATE", "REASON"]
    rows = {line.split()[0]: line.split(maxsplit=3) for line in lines}
    assert rows["greeter"][1:3] == ["1.2.3", "enabled"]
    assert rows["diagnostics"][2:] == ["disabled", "in LUCIEN_DISABLED_PLUGINS"]
    # The version comes from the distribution's metadata: the module never imported.
    assert rows["broken"][1:3] == ["0.0.7", "failed"]
    assert "import failed" in rows["broken"][3] and "lucien_missing_dependency" in rows["broken"][3]
    # A plugin whose command clashes is warned about; the core's `plugins` stays the real one.
    assert rows["clash"][1:3] == ["0.0.7", "enabled"]
    assert "clash" in result.stderr and "'plugins' already exists" in result.stderr
    assert "Traceback" not in result.stderr

    listed = json.loads(lucien("plugins", "--json", cwd=tmp_path, **env).stdout)
    broken = next(row for row in listed if row["name"] == "broken")
    assert (broken["distribution"], broken["state"]) == ("lucien-cli-fixtures", "failed")


def test_a_plugin_command_runs_and_an_unknown_one_names_the_plugins_that_failed(
    tmp_path: Path, cli_fixtures_site: Path
) -> None:
    env = {"PYTHONPATH": str(cli_fixtures_site), "DATABASE_URL": sqlite_url(tmp_path / "b.db")}
    hello = lucien("clash-hello", cwd=tmp_path, **env)
    assert hello.returncode == 0, hello.stderr
    assert hello.stdout == "hello from the clash plugin\n"

    unknown = lucien("greet-everyone", cwd=tmp_path, **env)
    assert unknown.returncode == 2
    assert "No such command 'greet-everyone'" in unknown.stderr
    assert "plugin(s) broken failed to load; `lucien plugins` says why" in unknown.stderr


def test_migrate_and_status_without_a_token(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    env = {"DATABASE_URL": sqlite_url(db)}
    before = lucien("migrate", "status", cwd=tmp_path, **env)
    assert before.returncode == 0, before.stderr
    core = next(line for line in before.stdout.splitlines() if line.startswith("core "))
    assert core.split()[2] == "-" and core.split()[-1] == CORE_HEAD  # nothing applied yet

    applied = lucien("migrate", cwd=tmp_path, **env)
    assert applied.returncode == 0, applied.stderr
    assert "applied core core_0001" in applied.stdout
    assert "applied free free_0001" in applied.stdout

    after = lucien("migrate", "status", cwd=tmp_path, **env)
    assert after.returncode == 0, after.stderr
    core = next(line for line in after.stdout.splitlines() if line.startswith("core "))
    assert core.split()[1:] == ["enabled", CORE_HEAD, CORE_HEAD, "-"]
    tables = {row[0] for row in sqlite3.connect(db).execute("SELECT name FROM sqlite_master")}
    assert {"users", "free_join_requests"} <= tables


async def test_import_sqlite_without_a_token(tmp_path: Path) -> None:
    source = tmp_path / "laptop.db"
    migrated = await _lucien_async("migrate", cwd=tmp_path, DATABASE_URL=sqlite_url(source))
    assert migrated[0] == 0, migrated[2]
    with sqlite3.connect(source) as conn:
        conn.execute(
            "INSERT INTO users (id, first_name, first_seen, last_seen, blocked_bot) "
            "VALUES (4242, 'Ana', '2026-01-02 10:00:00', '2026-01-02 10:00:00', 0)"
        )
    async with temporary_postgres() as url:
        code, out, err = await _lucien_async(
            "import-sqlite", str(source), cwd=tmp_path, DATABASE_URL=url
        )
        assert code == 0, err
        users = next(line for line in out.splitlines() if line.startswith("users "))
        assert users.split()[1:3] == ["1", "1"] and users.endswith("ok")
        conn = await asyncpg.connect(url)
        try:
            assert await conn.fetchval("SELECT first_name FROM users WHERE id = 4242") == "Ana"
        finally:
            await conn.close()


async def _lucien_async(*args: str, cwd: Path, **env: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "lucien",
        *args,
        cwd=cwd,
        env=clean_env(**env),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 180)
    return int(proc.returncode or 0), out.decode(), err.decode()


def test_config_check_lists_a_missing_token_among_the_other_problems(tmp_path: Path) -> None:
    result = lucien(
        "config",
        "check",
        cwd=tmp_path,
        DATABASE_URL="mysql://nope",
        ADMIN_IDS="12,abc",
        LUCIEN_PLUGINS="admin,nosuchplugin",
    )
    assert result.returncode == 2
    problems = [line.strip() for line in result.stderr.splitlines() if line.startswith("  - ")]
    assert f"- {MISSING_TOKEN}" in problems
    assert any(p.startswith("- DATABASE_URL:") for p in problems)
    assert any(p.startswith("- ADMIN_IDS:") for p in problems)
    assert any("LUCIEN_PLUGINS: unknown plugin(s) nosuchplugin" in p for p in problems)


def test_run_needs_the_token_and_its_sandbox_options_need_the_sandbox(tmp_path: Path) -> None:
    run = lucien("run", cwd=tmp_path, TELEGRAM_API_URL="http://127.0.0.1:9")
    assert run.returncode == 2
    assert MISSING_TOKEN in run.stderr
    stray = lucien("run", "--port", "9000", cwd=tmp_path)
    assert stray.returncode == 2
    assert "--port only with --sandbox" in stray.stderr


def test_settings_load_without_a_token_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("BOT_TOKEN", "SANDBOX"):
        monkeypatch.delenv(name, raising=False)
    assert load_settings(_env_file=None, require_token=False).bot_token is None
    with pytest.raises(ConfigError) as info:
        load_settings(_env_file=None)
    assert info.value.problems == [MISSING_TOKEN]
    with pytest.raises(ConfigError) as info:
        load_settings(_env_file=None, require_token=False, bot_token="not-a-token")
    assert [p.split(":")[0] for p in info.value.problems] == ["BOT_TOKEN"]
