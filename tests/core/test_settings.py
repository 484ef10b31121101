"""Configuration: every problem named at once, Railway's URLs, the derived secret."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from lucien.core.settings import (
    ConfigError,
    derive_webhook_secret,
    load_settings,
    normalize_database_url,
)

TOKEN = "123456789:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-ra"


def test_every_bad_variable_is_listed_at_once() -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(
            _env_file=None,
            env="production",
            webhook_base_url="http://bot.example.com",
            admin_ids="12,abc",
            database_url="mysql://x",
            bot_token="nope",
        )
    text = "\n".join(info.value.problems)
    for variable in ("BOT_TOKEN", "WEBHOOK_BASE_URL", "ADMIN_IDS", "DATABASE_URL"):
        assert variable in text
    assert "https" in text
    assert "nope" not in text  # a malformed token is never echoed


def test_missing_token_is_an_error_outside_the_sandbox() -> None:
    with pytest.raises(ConfigError, match="BOT_TOKEN: missing"):
        load_settings(_env_file=None)
    assert load_settings(_env_file=None, sandbox=True).bot_token is None


@pytest.mark.parametrize(
    ("raw", "url", "ssl"),
    [
        (
            "postgres://u:p@db.railway.internal:5432/railway",
            "postgresql+asyncpg://u:p@db.railway.internal:5432/railway",
            None,
        ),
        ("postgresql://u:p@host/db?sslmode=require", "postgresql+asyncpg://u:p@host/db", "require"),
        (
            "postgresql://u:p@host/db?sslmode=disable&application_name=x",
            "postgresql+asyncpg://u:p@host/db?application_name=x",
            None,
        ),
        ("sqlite:///./x.db", "sqlite+aiosqlite:///./x.db", None),
    ],
)
def test_railway_database_urls_are_rewritten(raw: str, url: str, ssl: str | None) -> None:
    target = normalize_database_url(raw)
    assert target.url == url
    assert target.connect_args.get("ssl") == ssl


def test_webhook_secret_is_derived_alike_on_every_replica() -> None:
    a = load_settings(_env_file=None, bot_token=TOKEN)
    b = load_settings(_env_file=None, bot_token=TOKEN)
    assert a.effective_webhook_secret == b.effective_webhook_secret == derive_webhook_secret(TOKEN)
    assert TOKEN not in a.effective_webhook_secret
    other = load_settings(_env_file=None, bot_token=TOKEN[:-1] + "b")
    assert other.effective_webhook_secret != a.effective_webhook_secret


def test_railway_public_domain_gives_the_webhook_url() -> None:
    s = load_settings(
        _env_file=None, bot_token=TOKEN, railway_public_domain="lucien.up.railway.app"
    )
    assert s.webhook_url == "https://lucien.up.railway.app/webhook"


def _cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "LUCIEN_", "DATABASE_"))
    }
    return subprocess.run(
        [sys.executable, "-m", "lucien.core.cli", *args],
        capture_output=True,
        text=True,
        env={**clean, **env},
        timeout=60,
    )


def test_config_check_exits_non_zero_naming_each_variable() -> None:
    result = _cli("config", "check", LUCIEN_PLUGINS="admin,nosuchplugin")
    assert result.returncode == 2
    assert "BOT_TOKEN: missing" in result.stderr
    assert "LUCIEN_PLUGINS: unknown plugin(s) nosuchplugin" in result.stderr


def test_config_check_passes_on_good_configuration() -> None:
    result = _cli("config", "check", BOT_TOKEN=TOKEN)
    assert result.returncode == 0, result.stderr
    assert "configuration OK" in result.stdout


def test_run_without_token_exits_before_any_network_call() -> None:
    result = _cli("run", TELEGRAM_API_URL="http://127.0.0.1:9")
    assert result.returncode == 2
    assert "BOT_TOKEN" in result.stderr
