"""Portable backups of every table, their restore, and the scheduled backup job.

A backup is a tar file (`lucien-backup-<UTC time>.tar`) holding `manifest.json` first
(format version, package version, when, every migration branch's revision, and per table
its columns, row count and checksum) and then one gzip'd JSON-lines file per table. Values
are written by the column's SQLAlchemy type (ISO UTC datetimes, JSON as its text, bytes
in base64, decimals as strings), so a backup taken on SQLite restores into PostgreSQL
and the other way round, whatever either server's major version.

* `format`: the file, the manifest, values to JSON and back, the checksum.
* `schema`: which tables there are (the core's models and every plugin's
  `lucien_models_metadata`) and their foreign-key order.
* `dump`: `lucien backup`, every table read in one snapshot, streamed.
* `restore`: `lucien restore`, into an empty database at the backup's revisions.
* `destinations`: a directory or an S3-compatible bucket, with retention.
* `job`: the scheduled backup (one replica at a time), its health check and alert.
"""

from __future__ import annotations

from lucien.core.backup.format import BackupError, Manifest, read_manifest

__all__ = ["BackupError", "Manifest", "read_manifest"]
