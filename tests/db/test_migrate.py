"""Migrations per branch, on SQLite and PostgreSQL (real databases, no mocks)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
from pathlib import Path

import lucien_test_alpha
import lucien_test_beta
import lucien_test_broken
import pytest
from conftest import FIXTURES, ROOT, make_registry, make_settings
from sqlalchemy import inspect, text

from lucien.core.db import migrate
from lucien.core.db.migrate import MigrationError

# The core branch's revisions, oldest first (files named core_NNNN_<slug>.py).
CORE = sorted(
    "_".join(f.stem.split("_")[:2])
    for f in (Path(migrate.__file__).parents[2] / "migrations" / "versions").glob("core_*.py")
)


async def _tables(url: str) -> set[str]:
    engine = migrate.migration_engine(make_settings(url).database)
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


async def _scalar(url: str, sql: str) -> object:
    engine = migrate.migration_engine(make_settings(url).database)
    try:
        async with engine.connect() as conn:
            return (await conn.execute(text(sql))).scalar()
    finally:
        await engine.dispose()


async def test_every_branch_up_to_head_and_down_to_base(db_url: str, registry_for) -> None:
    registry = registry_for(
        db_url, {"alpha": lucien_test_alpha.make(), "beta": lucien_test_beta.make()}
    )
    settings = registry.settings
    report = await migrate.upgrade_all(settings, registry)
    assert [r for _, r in report.applied] == [*CORE, "a_0001", "a_0002", "b_0001"]
    assert {"users", "plugin_settings", "plugin_setting_changes", "alpha_items", "beta_notes"} <= (
        await _tables(db_url)
    )
    assert await migrate.is_at_head(settings, registry)
    status = {s.branch: s for s in await migrate.migration_status(settings, registry)}
    assert status["alpha"].current == status["alpha"].head == "a_0002"
    assert all(not s.pending for s in status.values())

    # Nothing to do on a second start.
    again = await migrate.upgrade_all(settings, registry)
    assert again.applied == [] and again.fast_path

    assert await migrate.downgrade_branch(settings, registry, "alpha") == ["a_0002", "a_0001"]
    assert await migrate.downgrade_branch(settings, registry, "beta") == ["b_0001"]
    assert "alpha_items" not in await _tables(db_url)
    assert await migrate.downgrade_branch(settings, registry, "core") == CORE[::-1]
    assert await _tables(db_url) <= {"alembic_version", "migration_runs"}
    status = {s.branch: s for s in await migrate.migration_status(settings, registry)}
    assert all(s.current is None for s in status.values())
    assert status["alpha"].pending == ["a_0001", "a_0002"]


async def test_models_match_migrations_per_branch(db_url: str, registry_for) -> None:
    registry = registry_for(
        db_url, {"alpha": lucien_test_alpha.make(), "beta": lucien_test_beta.make()}
    )
    await migrate.upgrade_all(registry.settings, registry)
    for branch in ("core", "alpha", "beta"):
        diffs = await migrate.compare_models(registry.settings, registry, branch)
        assert diffs == [], f"{branch}: {diffs}"
    # The check does see a difference when there is one.
    changed = registry_for(db_url, {"beta": lucien_test_beta.make(with_tags=True)})
    diffs = await migrate.compare_models(changed.settings, changed, "beta")
    assert [d[0] for d in diffs] == ["add_table"]


async def test_disable_then_reenable_with_newer_migration(
    db_url: str, registry_for, tmp_path: Path
) -> None:
    versions = tmp_path / "alpha_versions"
    versions.mkdir()
    shutil.copy(lucien_test_alpha.VERSIONS / "a_0001_items.py", versions)

    # 1. alpha enabled: core and a_0001.
    first = registry_for(
        db_url, {"alpha": lucien_test_alpha.make(versions), "beta": lucien_test_beta.make()}
    )
    await migrate.upgrade_all(first.settings, first)

    # 2. restart with alpha disabled and beta too: its revision stays recorded, no error.
    off = registry_for(
        db_url,
        {"alpha": lucien_test_alpha.make(versions), "beta": lucien_test_beta.make()},
        disabled=["alpha"],
    )
    report = await migrate.upgrade_all(off.settings, off)
    assert report.applied == []
    assert await migrate.is_at_head(off.settings, off)

    # 3. a newer alpha ships a_0002; restart with alpha enabled again.
    shutil.copy(lucien_test_alpha.VERSIONS / "a_0002_note.py", versions)
    still_off = registry_for(
        db_url,
        {"alpha": lucien_test_alpha.make(versions), "beta": lucien_test_beta.make()},
        disabled=["alpha"],
    )
    # While disabled, the new revision is known but not applied, and startup is fine.
    assert (await migrate.upgrade_all(still_off.settings, still_off)).applied == []
    on = registry_for(
        db_url, {"alpha": lucien_test_alpha.make(versions), "beta": lucien_test_beta.make()}
    )
    assert not await migrate.is_at_head(on.settings, on)
    report = await migrate.upgrade_all(on.settings, on)
    assert report.applied == [("alpha", "a_0002")]
    assert await migrate.is_at_head(on.settings, on)
    assert await _scalar(db_url, "SELECT count(*) FROM migration_runs") == 2


async def test_uninstalled_plugin_revision_is_a_clear_error(db_url: str, registry_for) -> None:
    with_alpha = registry_for(db_url, {"alpha": lucien_test_alpha.make()})
    await migrate.upgrade_all(with_alpha.settings, with_alpha)
    without = make_registry(make_settings(db_url), {})
    with pytest.raises(MigrationError, match="no installed plugin provides it") as info:
        await migrate.upgrade_all(without.settings, without)
    assert info.value.revision == "a_0002"
    assert not await migrate.is_at_head(without.settings, without)


async def test_failing_migration_names_branch_and_revision_and_rolls_back(
    db_url: str, registry_for
) -> None:
    registry = registry_for(db_url, {"broken": lucien_test_broken.make()})
    with pytest.raises(MigrationError) as info:
        await migrate.upgrade_all(registry.settings, registry)
    assert info.value.branch == "broken"
    assert info.value.revision == "x_0002"
    assert "no_such_table" in str(info.value.error)
    tables = await _tables(db_url)
    # The core committed in its own transaction; the broken branch left nothing behind.
    assert "users" in tables
    assert not {"broken_one", "broken_two"} & tables
    status = {s.branch: s for s in await migrate.migration_status(registry.settings, registry)}
    assert status["broken"].current is None
    assert not await migrate.is_at_head(registry.settings, registry)


async def test_branch_without_its_label_is_a_clear_error(
    db_url: str, registry_for, tmp_path: Path
) -> None:
    versions = tmp_path / "v"
    versions.mkdir()
    shutil.copy(lucien_test_beta.VERSIONS / "b_0001_notes.py", versions)
    registry = registry_for(db_url, {"gamma": _renamed(lucien_test_beta.make(versions), "gamma")})
    with pytest.raises(MigrationError, match="labelled 'gamma'"):
        await migrate.upgrade_all(registry.settings, registry)


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def _renamed(plugin, name: str):
    plugin.name = name
    return plugin


async def test_autogenerate_new_revision_for_one_plugin(
    db_url: str, registry_for, tmp_path: Path
) -> None:
    versions = tmp_path / "beta_versions"
    versions.mkdir()
    shutil.copy(lucien_test_beta.VERSIONS / "b_0001_notes.py", versions)
    plugins = {
        "alpha": lucien_test_alpha.make(),
        "beta": lucien_test_beta.make(versions, with_tags=True),
    }
    registry = registry_for(db_url, plugins, disabled=["alpha"])
    path = await migrate.new_revision(registry.settings, registry, "beta", "add tags")
    assert path is not None and Path(path).parent == versions
    body = _read(path)
    # Only beta's difference: nothing about the core or alpha's (unapplied) tables.
    assert "beta_tags" in body and "users" not in body and "alpha_items" not in body
    assert "down_revision: str | Sequence[str] | None = 'b_0001'" in body
    await migrate.upgrade_all(registry.settings, registry)
    assert await migrate.compare_models(registry.settings, registry, "beta") == []
    # Models already match: no file.
    assert await migrate.new_revision(registry.settings, registry, "beta", "nothing") is None


async def test_autogenerate_first_revision_of_a_new_branch(
    db_url: str, registry_for, tmp_path: Path
) -> None:
    versions = tmp_path / "fresh"
    versions.mkdir()
    registry = registry_for(db_url, {"beta": lucien_test_beta.make(versions)})
    path = await migrate.new_revision(registry.settings, registry, "beta", "initial")
    body = _read(path)
    assert "branch_labels: str | Sequence[str] | None = ('beta',)" in body
    assert f"depends_on: str | Sequence[str] | None = '{CORE[-1]}'" in body
    report = await migrate.upgrade_all(registry.settings, registry)
    assert report.applied and report.applied[-1][0] == "beta"
    assert await migrate.compare_models(registry.settings, registry, "beta") == []


_WORKER = """
import asyncio, json, sys
sys.path[:0] = [{root!r}, {fixtures!r}]
from conftest import make_registry, make_settings
import lucien_test_alpha
from lucien.core.db import migrate
settings = make_settings({url!r})
registry = make_registry(settings, {{"alpha": lucien_test_alpha.make()}})
print("ready", flush=True)
sys.stdin.readline()  # the go signal: both processes start upgrading together
report = asyncio.run(migrate.upgrade_all(settings, registry))
print(json.dumps({{"applied": report.applied, "waited": report.lock_wait}}))
"""


async def test_two_processes_upgrading_together_migrate_once(pg_database: str) -> None:
    code = _WORKER.format(root=str(ROOT), fixtures=str(Path(__file__).parent), url=pg_database)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(FIXTURES)])}
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            code,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
        )
        for _ in range(2)
    ]
    for proc in procs:  # wait until both have imported everything
        line = await asyncio.wait_for(proc.stdout.readline(), 60)
        assert line.decode().strip() == "ready", (await proc.stderr.read()).decode()
    for proc in procs:
        proc.stdin.write(b"go\n")
    await asyncio.gather(*(proc.stdin.drain() for proc in procs))
    outputs = await asyncio.wait_for(asyncio.gather(*(p.communicate() for p in procs)), 60)
    results = []
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err.decode()
        results.append(json.loads(out.decode().strip().splitlines()[-1]))
    # One of them waited for the other's lock (or found the schema at head).
    assert any(r["applied"] == [] for r in results)
    applied = [tuple(a) for r in results for a in r["applied"]]
    assert sorted(applied) == sorted(
        [*(("core", r) for r in CORE), ("alpha", "a_0001"), ("alpha", "a_0002")]
    )
    assert await _scalar(pg_database, "SELECT count(*) FROM migration_runs") == 2
    settings = make_settings(pg_database)
    registry = make_registry(settings, {"alpha": lucien_test_alpha.make()})
    assert await migrate.is_at_head(settings, registry)
