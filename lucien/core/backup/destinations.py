"""Where scheduled backups go: a directory (a Railway volume) or an S3-compatible bucket.

A destination only ever lists, keeps or deletes files named like a backup
(`lucien-backup-<UTC time>.tar`), so anything else in the directory or under the
prefix is left alone. Names sort as times do: the newest is the last, and retention
deletes from the front. A file is put under a temporary name and renamed (directory),
or uploaded whole (S3 makes an object visible only once complete), so a half-copied
backup is never listed.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from lucien.core.backup.dump import TIME_FORMAT

if TYPE_CHECKING:
    from lucien.core.settings import Settings

NAME_RE = re.compile(r"^lucien-backup-(\d{8}T\d{6}Z)\.tar$")


def taken_at(name: str) -> datetime | None:
    """When the backup named `name` was taken (None: not a backup's name)."""
    match = NAME_RE.match(name)
    if match is None:
        return None
    return datetime.strptime(match.group(1), TIME_FORMAT).replace(tzinfo=UTC)


class Destination(Protocol):
    """A place holding backups."""

    label: str

    async def put(self, local: Path, name: str) -> None:
        """Store the file `local` as `name`."""

    async def names(self) -> list[str]:
        """The backups held, oldest first."""

    async def delete(self, name: str) -> None:
        """Delete the backup `name`."""


class DirectoryDestination:
    """Backups as files in a directory (created when missing)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.label = str(self.path)

    def _put(self, local: Path, name: str) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        partial = self.path / f".{name}.partial"
        shutil.copyfile(local, partial)
        os.replace(partial, self.path / name)

    async def put(self, local: Path, name: str) -> None:
        await asyncio.to_thread(self._put, local, name)

    async def names(self) -> list[str]:
        if not self.path.is_dir():
            return []
        return sorted(p.name for p in self.path.iterdir() if NAME_RE.match(p.name))

    async def delete(self, name: str) -> None:
        await asyncio.to_thread((self.path / name).unlink, True)


class S3Destination:
    """Backups as objects under a prefix of an S3-compatible bucket.

    boto3 reads the credentials from its usual environment (AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION...). It is synchronous: every call runs in
    a thread so the bot keeps serving meanwhile.
    """

    def __init__(self, bucket: str, prefix: str = "", endpoint_url: str | None = None) -> None:
        self.bucket = bucket
        self.prefix = prefix
        self.endpoint_url = endpoint_url
        self.label = f"s3://{bucket}/{prefix}"
        self._client: Any = None

    def client(self) -> Any:
        if self._client is None:
            try:
                import boto3  # type: ignore[import-untyped]  # only where S3 is configured
            except ImportError:
                raise RuntimeError(
                    "BACKUP_S3_BUCKET is set but boto3 is not installed: pip install 'lucien[s3]'"
                ) from None
            self._client = boto3.client("s3", endpoint_url=self.endpoint_url)
        return self._client

    async def put(self, local: Path, name: str) -> None:
        await asyncio.to_thread(
            self.client().upload_file, str(local), self.bucket, self.prefix + name
        )

    def _names(self) -> list[str]:
        found = []
        paginator = self.client().get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
            for item in page.get("Contents", []):
                name = item["Key"][len(self.prefix) :]
                if NAME_RE.match(name):
                    found.append(name)
        return sorted(found)

    async def names(self) -> list[str]:
        return await asyncio.to_thread(self._names)

    async def delete(self, name: str) -> None:
        await asyncio.to_thread(
            self.client().delete_object, Bucket=self.bucket, Key=self.prefix + name
        )


def configured_destinations(settings: Settings) -> list[Destination]:
    """BACKUP_DIR and/or BACKUP_S3_BUCKET, as configured (both: each gets every backup)."""
    found: list[Destination] = []
    if settings.backup_dir:
        found.append(DirectoryDestination(settings.backup_dir))
    if settings.backup_s3_bucket:
        found.append(
            S3Destination(
                settings.backup_s3_bucket,
                settings.backup_s3_prefix,
                settings.backup_s3_endpoint_url,
            )
        )
    return found


async def prune(destination: Destination, keep: int) -> list[str]:
    """Delete all but the newest `keep` backups; the names deleted."""
    names = await destination.names()
    old = names[:-keep] if keep > 0 else names
    for name in old:
        await destination.delete(name)
    return old
