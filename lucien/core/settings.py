"""Process configuration from the environment (and `.env` in development).

Every problem is collected and reported at once, before any network call, so that a
deployment fails with one message that names every bad variable and why.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import ssl
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

TOKEN_RE = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{30,100}$")
SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
PLUGIN_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")


class ConfigError(Exception):
    """Configuration is invalid; `problems` lists one line per bad variable."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems))


def _split_csv(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


@dataclass(frozen=True)
class DatabaseTarget:
    """A normalised database URL and the driver arguments it needs."""

    url: str
    connect_args: dict[str, Any] = field(default_factory=dict)

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @property
    def is_postgres(self) -> bool:
        return self.url.startswith("postgresql")


_SSLMODES_NEEDING_SSL = {"require", "verify-ca", "verify-full", "prefer", "allow"}


def normalize_database_url(raw: str) -> DatabaseTarget:
    """Rewrite Railway's `postgres://` / `postgresql://` form for asyncpg.

    asyncpg rejects `sslmode` as a query parameter, so it becomes an `ssl` connect argument.
    """
    raw = raw.strip()
    parts = urlsplit(raw)
    scheme = parts.scheme
    if scheme in ("postgres", "postgresql", "postgresql+asyncpg"):
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        connect_args: dict[str, Any] = {}
        sslmode = query.pop("sslmode", None)
        if sslmode in _SSLMODES_NEEDING_SSL:
            if sslmode in ("verify-ca", "verify-full"):
                connect_args["ssl"] = ssl.create_default_context()
            else:
                connect_args["ssl"] = "prefer" if sslmode in ("prefer", "allow") else "require"
        elif sslmode is not None and sslmode != "disable":
            raise ValueError(f"unknown sslmode {sslmode!r}")
        url = urlunsplit(("postgresql+asyncpg", parts.netloc, parts.path, urlencode(query), ""))
        return DatabaseTarget(url, connect_args)
    if scheme in ("sqlite", "sqlite+aiosqlite"):
        return DatabaseTarget(
            raw.replace("sqlite://", "sqlite+aiosqlite://", 1) if scheme == "sqlite" else raw
        )
    raise ValueError(
        "must start with postgresql://, postgres:// or sqlite+aiosqlite:// "
        f"(got scheme {scheme or 'none'!r})"
    )


def derive_webhook_secret(token: str) -> str:
    """A secret every replica derives alike from the token, so none needs to be shared."""
    return hmac.new(token.encode(), b"lucien-webhook-secret", hashlib.sha256).hexdigest()


class Settings(BaseSettings):
    """The core's settings; plugins bring their own models with their own prefix."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    # Declared first: later validators read them from `info.data`.
    env: Literal["production", "development"] = "development"
    sandbox: bool = False
    bot_token: str | None = Field(default=None, repr=False, validate_default=True)
    database_url: str = "sqlite+aiosqlite:///./lucien.db"
    redis_url: str | None = None
    redis_key_prefix: str = "lucien"
    webhook_base_url: str | None = Field(default=None, validate_default=True)
    railway_public_domain: str | None = None
    webhook_path: str = "/webhook"
    webhook_secret: str | None = Field(default=None, repr=False)
    health_token: str | None = Field(default=None, repr=False)  # unlocks /health's detail
    webhook_max_body: int = 1_048_576
    host: str = "0.0.0.0"
    port: int = Field(default=8080, ge=1, le=65535)
    telegram_api_url: str | None = None
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    lucien_plugins: Annotated[list[str] | None, NoDecode] = None
    lucien_disabled_plugins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    lucien_strict_plugins: bool = False
    lucien_trace_hooks: bool = False
    log_format: Literal["json", "text"] | None = None
    log_level: str = "INFO"
    drain_timeout: float = Field(default=20.0, gt=0, le=600)
    # Redeliveries Telegram is asked for when an update failed on a passing fault (the
    # database or the Bot API down) before any effect; past them the user gets an apology.
    update_retries: int = Field(default=8, ge=0, le=100)
    # Flood control per user: FLOOD_BURST updates at once, then FLOOD_RATE a second
    # (either 0: off); FLOOD_EXEMPT_ROLES defaults to the highest-ranked role.
    flood_rate: float = Field(default=1.0, ge=0)
    # Messages a second the bot sends in bulk, shared by every replica (Telegram allows
    # about 30; 25 leaves room for network jitter bunching paced calls together).
    send_rate: float = Field(default=25.0, gt=0, le=30)
    flood_burst: int = Field(default=10, ge=0)
    flood_exempt_roles: Annotated[list[str], NoDecode] = Field(default_factory=list)
    replica_id: str | None = Field(default=None, validation_alias="RAILWAY_REPLICA_ID")
    # Errors also go to Sentry when SENTRY_DSN is set (lucien/core/sentry_setup.py);
    # performance traces are off unless SENTRY_TRACES_SAMPLE_RATE says otherwise.
    sentry_dsn: str | None = Field(default=None, repr=False)
    sentry_environment: str | None = None
    sentry_traces_sample_rate: float = Field(default=0.0, ge=0, le=1)
    # Scheduled backups (lucien/core/backup): every BACKUP_INTERVAL hours (unset or 0: off),
    # the newest BACKUP_KEEP kept, in BACKUP_DIR and/or an S3-compatible bucket (AWS_*
    # credentials come from boto3's usual environment).
    backup_interval: float | None = Field(default=None, ge=0)
    backup_keep: int = Field(default=7, ge=1)
    backup_dir: str | None = None
    backup_s3_bucket: str | None = None
    backup_s3_prefix: str = "lucien-backups/"
    backup_s3_endpoint_url: str | None = None

    @model_validator(mode="after")
    def _check_backup_destination(self) -> Settings:
        if self.backup_interval and not (self.backup_dir or self.backup_s3_bucket):
            raise ValueError("BACKUP_INTERVAL is set: set BACKUP_DIR or BACKUP_S3_BUCKET too")
        return self

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _parse_admin_ids(cls, value: Any) -> Any:
        value = _split_csv(value)
        if isinstance(value, list):
            bad = [v for v in value if not re.fullmatch(r"-?\d+", str(v).strip())]
            if bad:
                raise ValueError(f"not Telegram ids: {', '.join(map(str, bad))}")
        return value

    @field_validator("flood_exempt_roles", mode="before")
    @classmethod
    def _parse_roles(cls, value: Any) -> Any:
        return _split_csv(value)

    @field_validator("lucien_plugins", "lucien_disabled_plugins", mode="before")
    @classmethod
    def _parse_plugin_list(cls, value: Any) -> Any:
        value = _split_csv(value)
        if isinstance(value, list):
            bad = [v for v in value if not PLUGIN_NAME_RE.match(v)]
            if bad:
                raise ValueError(f"not plugin names: {', '.join(bad)}")
        return value

    @field_validator("bot_token")
    @classmethod
    def _check_token(cls, value: str | None) -> str | None:
        # A missing token is not checked here: only what talks to Telegram needs one, so
        # `load_settings(require_token=...)` decides (see MISSING_TOKEN).
        if value is not None and not TOKEN_RE.match(value.strip()):
            # Never echo the token itself: it may be a real one with a typo.
            raise ValueError("malformed token (expected <digits>:<35 letters, digits, _ or ->)")
        return value.strip() if value else value

    @field_validator("webhook_base_url", "railway_public_domain")
    @classmethod
    def _check_base_url(cls, value: str | None, info: ValidationInfo) -> str | None:
        if not value:
            return None
        url = value if info.field_name == "webhook_base_url" else f"https://{value.strip('/')}"
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"not a URL: {value!r}")
        if info.data.get("env") == "production" and parts.scheme != "https":
            raise ValueError("must be https in production (Telegram only calls https webhooks)")
        return value

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        normalize_database_url(value)
        return value

    @field_validator("webhook_path")
    @classmethod
    def _check_path(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError("must start with /")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _check_secret(cls, value: str | None) -> str | None:
        if value is not None and not SECRET_RE.match(value):
            raise ValueError("1-256 characters from A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("log_level")
    @classmethod
    def _check_level(cls, value: str) -> str:
        if value.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError("one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return value.upper()

    # -- derived values -------------------------------------------------------------------

    @property
    def database(self) -> DatabaseTarget:
        return normalize_database_url(self.database_url)

    @property
    def webhook_url_base(self) -> str | None:
        if self.webhook_base_url:
            return self.webhook_base_url.rstrip("/")
        if self.railway_public_domain:
            return f"https://{self.railway_public_domain.strip('/')}"
        return None

    @property
    def webhook_url(self) -> str | None:
        base = self.webhook_url_base
        return f"{base}{self.webhook_path}" if base else None

    @property
    def effective_webhook_secret(self) -> str:
        if self.webhook_secret:
            return self.webhook_secret
        return derive_webhook_secret(self.bot_token or "sandbox")

    @property
    def effective_log_format(self) -> str:
        return self.log_format or ("json" if self.env == "production" else "text")

    @property
    def is_production(self) -> bool:
        return self.env == "production"


def describe_validation_error(error: ValidationError, prefix: str = "") -> list[str]:
    """One line per problem, naming the environment variable rather than the field."""
    lines: list[str] = []
    for item in error.errors():
        loc = [str(p) for p in item.get("loc", ()) if p != "__root__"]
        message = str(item.get("msg", "invalid")).removeprefix("Value error, ")
        if not loc:
            lines.extend(message.splitlines())
            continue
        name = (prefix + loc[0]).upper()
        if item.get("type") == "missing":
            message = "missing"
        lines.append(f"{name}: {message}")
    return lines


MISSING_TOKEN = "BOT_TOKEN: missing (required to talk to Telegram, not in the sandbox)"


class _TokenProbe(BaseSettings):
    """Just the two variables that decide whether a token is needed, read the same way
    as `Settings` reads them: when other variables are invalid there is no Settings to
    ask, yet a missing token must still be listed with the rest."""

    model_config = Settings.model_config
    sandbox: bool = False
    bot_token: str | None = Field(None, repr=False)  # never in a repr or a log line


def _token_missing(settings: Settings | None, overrides: dict[str, Any]) -> bool:
    if settings is not None:
        return settings.bot_token is None and not settings.sandbox
    keys = ("sandbox", "bot_token", "_env_file")
    try:
        probe = _TokenProbe(**{k: v for k, v in overrides.items() if k in keys})
    except ValidationError:  # SANDBOX itself is malformed: already reported
        return False
    return probe.bot_token is None and not probe.sandbox


def read_settings(
    *, require_token: bool = True, **overrides: Any
) -> tuple[Settings | None, list[str]]:
    """The settings (None when any variable is invalid) and every problem found.

    A missing token is listed as one problem among the rest, yet the settings are still
    returned when it is the only one: `lucien config check` goes on to check the plugins.
    """
    settings: Settings | None = None
    problems: list[str] = []
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        problems = describe_validation_error(exc)
    if (
        require_token
        and not any(p.startswith("BOT_TOKEN") for p in problems)
        and _token_missing(settings, overrides)
    ):
        problems.insert(0, MISSING_TOKEN)
    return settings, problems


def load_settings(*, require_token: bool = True, **overrides: Any) -> Settings:
    """Read the settings or raise ConfigError listing every problem.

    `require_token=False` is for commands that never talk to Telegram (`lucien plugins`,
    `migrate`, `test`...): they run on a machine that has no BOT_TOKEN. A token that is
    set but malformed is a problem either way.
    """
    settings, problems = read_settings(require_token=require_token, **overrides)
    if problems or settings is None:
        raise ConfigError(problems)
    return settings


def check_plugin_names(settings: Settings, installed: set[str]) -> list[str]:
    """Names in LUCIEN_PLUGINS / LUCIEN_DISABLED_PLUGINS that no installed plugin has."""
    problems: list[str] = []
    for var, names in (
        ("LUCIEN_PLUGINS", settings.lucien_plugins or []),
        ("LUCIEN_DISABLED_PLUGINS", settings.lucien_disabled_plugins),
    ):
        unknown = sorted(set(names) - installed)
        if unknown:
            problems.append(
                f"{var}: unknown plugin(s) {', '.join(unknown)} "
                f"(installed: {', '.join(sorted(installed)) or 'none'})"
            )
    return problems
