"""The scheduled backup: due once per BACKUP_INTERVAL (the test clock moves time), one
replica takes it, BACKUP_KEEP are kept in a directory or an S3 bucket (moto's server),
the `backup` health check gives its age, and a stale backup alerts the admins."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from lucien.core.backup.dump import backup_name
from lucien.core.backup.format import read_manifest
from lucien.core.health import collect_health
from lucien.core.testing.harness import free_port

pytestmark = pytest.mark.lucien(plugins=["voice", "admin", "vip"])


async def backup_check(harness: Any, app: Any = None) -> dict[str, Any]:
    return (await collect_health(app or harness.app))["checks"]["backup"]


async def test_the_job_keeps_the_newest_backups_on_one_replica(
    harness: Any, db_kind: str, tmp_path: Path
) -> None:
    folder = tmp_path / "volume"
    folder.mkdir()
    (folder / "notes.txt").write_text("not a backup: never touched")
    options = {"backup_interval": 1, "backup_keep": 2, "backup_dir": str(folder)}
    await harness.start_app(**options)
    await harness.start_app(**options)  # a second replica, same destination
    t0 = harness.clock.now()

    def backups() -> list[str]:
        return sorted(p.name for p in folder.iterdir() if p.name.startswith("lucien-"))

    await harness.run_jobs()
    assert backups() == [backup_name(t0)]  # one, though both replicas ran the job
    assert read_manifest(folder / backup_name(t0)).table("vip_tokens") is not None
    check = await backup_check(harness, harness.apps[1])
    assert check["status"] == "pass" and check["detail"] == "last backup 0 min ago"
    assert check["last_backup_at"] == t0.isoformat()

    await harness.advance(minutes=59)
    assert backups() == [backup_name(t0)]  # not due yet
    taken = [t0]
    for _ in range(3):
        await harness.advance(minutes=61)
        taken.append(harness.clock.now())
    assert backups() == [backup_name(t) for t in taken[-2:]]  # BACKUP_KEEP = 2
    assert (folder / "notes.txt").exists()
    check = await backup_check(harness)
    assert check["status"] == "pass" and check["keep"] == 2


@pytest.mark.lucien(plugins=["voice", "admin", "vip", "diagnostics"])
async def test_a_stale_backup_alerts_the_admins_and_shows_in_the_health_check(
    harness: Any, tmp_path: Path
) -> None:
    ada = harness.admin("Ada", language_code="en")
    folder = tmp_path / "volume"
    await harness.start_app(backup_interval=1, backup_keep=3, backup_dir=str(folder))
    await ada.send("/start")  # a bot may only write to someone who wrote to it
    t0 = harness.clock.now()
    await harness.run_jobs()
    assert (folder / backup_name(t0)).exists()
    seen = len(ada.messages)

    # From now on the copy fails: a directory stands where each file would be written.
    for minutes in (61, 121, 131):
        partial = folder / f".{backup_name(t0 + timedelta(minutes=minutes))}.partial"
        partial.mkdir()
    await harness.advance(minutes=61)  # due, fails; not stale yet (younger than 2 h)
    assert len(ada.messages) == seen  # nothing to say yet
    check = await backup_check(harness)
    assert check["status"] == "pass" and "IsADirectoryError" in check["last_error"]

    await harness.advance(minutes=60)  # 2 h 1 min: stale, and the retry fails again
    assert ada.last_text == (
        "A note for the custodians: the house's last backup was taken 2 h 1 min ago, and the "
        f"latest attempt has failed: IsADirectoryError: [Errno 21] Is a directory: "
        f"'{folder / ('.' + backup_name(t0 + timedelta(minutes=121)) + '.partial')}'. Kindly look at the "
        "backup destination (BACKUP_DIR or BACKUP_S3_BUCKET)."
    )
    check = await backup_check(harness)
    assert check["status"] == "warn"
    assert check["detail"] == "last backup 2 h 1 min ago (older than 2 h 0 min)"
    assert check["age_s"] == 121 * 60
    alerts = len(ada.messages)
    await ada.send("/diag")  # the admin's diagnostics screen says it too
    assert "last backup 2 h 1 min ago (older than 2 h 0 min)" in (ada.last_text or "")
    alerts = len(ada.messages)

    await harness.advance(minutes=10)  # the retry fails once more: no second alert
    assert len(ada.messages) == alerts

    await harness.advance(minutes=10)  # the destination is fixed: a backup, and all is well
    assert (folder / backup_name(harness.clock.now())).exists()
    check = await backup_check(harness)
    assert check["status"] == "pass" and "last_error" not in check


@pytest.mark.parametrize("db_kind", ["sqlite"])
async def test_an_s3_bucket_keeps_the_count_too(
    harness: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import boto3
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    try:
        for name, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
        }.items():
            monkeypatch.setenv(name, value)
        endpoint = f"http://127.0.0.1:{port}"
        s3 = boto3.client("s3", endpoint_url=endpoint)
        s3.create_bucket(Bucket="house")
        s3.put_object(Bucket="house", Key="nightly/readme.txt", Body=b"keep me")
        await harness.start_app(
            backup_interval=6,
            backup_keep=2,
            backup_s3_bucket="house",
            backup_s3_prefix="nightly/",
            backup_s3_endpoint_url=endpoint,
        )
        taken = [harness.clock.now()]
        await harness.run_jobs()
        for _ in range(3):
            await harness.advance(hours=6)
            taken.append(harness.clock.now())
        keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="house")["Contents"])
        kept = [f"nightly/{backup_name(t)}" for t in taken[-2:]]
        assert keys == sorted(["nightly/readme.txt", *kept])  # the rest is not ours
        body = s3.get_object(Bucket="house", Key=f"nightly/{backup_name(taken[-1])}")["Body"]
        path = tmp_path / "fetched.tar"
        path.write_bytes(body.read())
        assert read_manifest(path).table("users") is not None
        check = await backup_check(harness)
        assert check["status"] == "pass" and check["destination"] == "s3://house/nightly/"
    finally:
        server.stop()
