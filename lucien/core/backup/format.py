"""The backup file: a tar of `manifest.json` and one gzip'd JSON-lines file per table.

The manifest comes first, so a restore reads it (and refuses a backup taken at other
revisions) before touching a row. Each table's file holds one JSON array per row, the
values in the manifest's column order, encoded by the column's type (`encode`), so the
file means the same thing to SQLite and to any PostgreSQL.

The checksum of a table is independent of row order: the sum of the rows' SHA-256 over
their encoded form, which is canonical (UTC datetimes, sorted-key JSON, normalised
decimals), so the same rows give the same checksum on either backend.
"""

from __future__ import annotations

import base64
import enum
import gzip
import hashlib
import io
import json
import tarfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    Numeric,
    Time,
    Uuid,
)
from sqlalchemy import Enum as SAEnum
from sqlalchemy.types import TypeDecorator, TypeEngine

FORMAT = "lucien-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
_MOD = 2**256


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass
class TableEntry:
    """One table in the manifest."""

    name: str
    columns: list[str]
    rows: int = 0
    checksum: str = ""


@dataclass
class Manifest:
    """What a backup holds; `revisions` are the `alembic_version` rows when it was taken."""

    package_version: str
    created_at: str
    dialect: str
    revisions: list[str]
    tables: list[TableEntry] = field(default_factory=list)
    format: str = FORMAT
    format_version: int = FORMAT_VERSION

    def table(self, name: str) -> TableEntry | None:
        return next((t for t in self.tables if t.name == name), None)

    @property
    def total_rows(self) -> int:
        return sum(t.rows for t in self.tables)

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), indent=1, ensure_ascii=False).encode("utf-8")

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        try:
            data = json.loads(raw)
            if data.get("format") != FORMAT:
                raise BackupError("not a Lucien backup (its manifest names another format)")
            version = int(data["format_version"])
            if version > FORMAT_VERSION:
                raise BackupError(
                    f"this backup has format {version}, newer than this Lucien reads "
                    f"({FORMAT_VERSION}): restore it with Lucien {data.get('package_version')}"
                )
            tables = [TableEntry(**t) for t in data.pop("tables")]
            return cls(**{**data, "tables": tables})
        except (ValueError, KeyError, TypeError) as exc:
            raise BackupError(f"the backup's manifest is damaged: {exc}") from None


def member_name(table: str) -> str:
    return f"tables/{table}.jsonl.gz"


def read_manifest(path: str | Path) -> Manifest:
    """The manifest of the backup at `path`; BackupError when it is not a readable backup."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"no such backup file: {path}")
    try:
        with tarfile.open(path, "r:") as tar:
            first = tar.next()
            if first is None or first.name != MANIFEST:
                raise BackupError(f"{path} is not a Lucien backup (no manifest first)")
            handle = tar.extractfile(first)
            assert handle is not None
            return Manifest.from_json(handle.read())
    except tarfile.TarError as exc:
        raise BackupError(f"{path} is not a Lucien backup: {exc}") from None


def read_rows(path: Path, table: str, batch_size: int) -> Iterator[list[list[Any]]]:
    """The encoded rows of `table` in the backup at `path`, in batches."""
    with tarfile.open(path, "r:") as tar:
        try:
            member = tar.getmember(member_name(table))
        except KeyError:
            raise BackupError(f"the backup has no data for table {table}") from None
        raw = tar.extractfile(member)
        assert raw is not None
        with gzip.open(raw, "rt", encoding="utf-8") as lines:
            batch: list[list[Any]] = []
            for line in lines:
                batch.append(json.loads(line))
                if len(batch) >= batch_size:
                    yield batch
                    batch = []
            if batch:
                yield batch


def write_archive(target: Path, manifest: Manifest, table_files: dict[str, Path]) -> None:
    """Write the tar at `target`: the manifest first, then each table's file."""
    with tarfile.open(target, "w:") as tar:
        data = manifest.to_json()
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(data)
        info.mtime = int(datetime.now(UTC).timestamp())
        tar.addfile(info, io.BytesIO(data))
        for entry in manifest.tables:
            tar.add(table_files[entry.name], arcname=member_name(entry.name))


# -- values ------------------------------------------------------------------------------------


def _base(type_: TypeEngine[Any]) -> TypeEngine[Any]:
    """The type a decorator stands on (UTCDateTime -> DateTime(timezone=True))."""
    while isinstance(type_, TypeDecorator):
        type_ = type_.impl_instance
    return type_


def is_json(type_: TypeEngine[Any]) -> bool:
    return isinstance(_base(type_), JSON)


# One encoder each, built once: json.dumps with options builds a new one per call.
_JSON_TEXT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True)
_ROW_TEXT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def dump_json(value: Any) -> str:
    """A JSON column's value as canonical text (sorted keys)."""
    return _JSON_TEXT.encode(value)


def row_text(values: list[Any]) -> str:
    """An encoded row as its line in the backup (and as the checksum hashes it)."""
    return _ROW_TEXT.encode(values)


def _encode_value(value: Any) -> Any:
    if value is None or isinstance(value, enum.Enum | bool | int | float | str):
        if isinstance(value, enum.Enum):
            return value.name  # how SQLAlchemy's Enum stores it
        return value
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime):
        return (value.astimezone(UTC) if value.tzinfo else value).isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, uuid.UUID):
        return str(value)
    raise BackupError(f"cannot write a {type(value).__name__} value")


def encoder(type_: TypeEngine[Any]) -> Callable[[Any], Any]:
    """The function writing a column's Python values as canonical JSON values.

    JSON columns are written as their JSON text, so that SQL NULL (None) and a JSON
    null (the text "null") stay two values; the caller, who knows which NULLs are SQL
    ones (`col IS NULL`), puts None for those.
    """
    return dump_json if is_json(type_) else _encode_value


def encode(value: Any, type_: TypeEngine[Any]) -> Any:
    """One value through `encoder` (None stays None)."""
    return None if value is None else encoder(type_)(value)


def _aware(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _naive(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=None) if parsed.tzinfo else parsed


def _json_value(value: str) -> Any:
    parsed = json.loads(value)
    return JSON.NULL if parsed is None else parsed


def decoder(type_: TypeEngine[Any]) -> Callable[[Any], Any]:
    """The function turning `encoder`'s output back into the column's Python values
    (None, SQL NULL, is handled by the caller)."""
    base = _base(type_)
    if isinstance(base, JSON):
        return _json_value
    if isinstance(base, Boolean):
        return bool
    if isinstance(base, Integer):
        return int
    if isinstance(base, Float):
        return float
    if isinstance(base, Numeric):
        return Decimal if base.asdecimal else float
    if isinstance(base, DateTime):
        return _aware if base.timezone else _naive
    if isinstance(base, Date):
        return date.fromisoformat
    if isinstance(base, Time):
        return time.fromisoformat
    if isinstance(base, LargeBinary):
        return base64.b64decode
    if isinstance(base, Uuid):
        return uuid.UUID if base.as_uuid else str
    if isinstance(base, SAEnum) and base.enum_class is not None:
        enum_class = base.enum_class
        return lambda name: enum_class[name]
    return lambda value: value


def decode(value: Any, type_: TypeEngine[Any]) -> Any:
    """One value through `decoder` (None stays None)."""
    return None if value is None else decoder(type_)(value)


class Checksum:
    """Order-independent checksum of encoded rows: their SHA-256 values summed."""

    def __init__(self) -> None:
        self.total = 0
        self.count = 0

    def add(self, row: list[Any]) -> None:
        self.add_text(row_text(row))

    def add_text(self, text: str) -> None:
        """Add a row given as its `row_text`."""
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
        self.total = (self.total + int.from_bytes(digest, "big")) % _MOD
        self.count += 1

    def hexdigest(self) -> str:
        return f"{self.count}:{self.total:064x}"
