"""Running the real `lucien` command line in a subprocess, as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

# Anything that would point the command at a real deployment, or choose its plugins.
_DEPLOYMENT_PREFIXES = ("BOT_", "LUCIEN_", "DATABASE_", "WEBHOOK_", "TELEGRAM_", "REDIS_")


def clean_env(**extra: str) -> dict[str, str]:
    """The test's environment without BOT_TOKEN or any deployment setting, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_DEPLOYMENT_PREFIXES)}
    env.pop("SANDBOX", None)
    return {**env, **extra}


def lucien(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """`python -m lucien ARGS` from `cwd` (where no `.env` is), with a clean environment."""
    return subprocess.run(
        [sys.executable, "-m", "lucien", *args],
        cwd=cwd,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=300,
    )


def pip_install(source: Path, target: Path) -> None:
    """Install the distribution at `source` into the directory `target` (no deps)."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(source),
        ],
        check=True,
        timeout=300,
    )


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"
