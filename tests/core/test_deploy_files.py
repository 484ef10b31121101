"""Deployment files: Dockerfile, .dockerignore, railway.toml and .railway/railway.ts.

No container engine or Railway CLI runs in the tests, so the files are read as text and
checked against what the application needs: the drain timeout, the readiness path, the
migration command, a non-root exec-form `lucien run`. railway.toml (Config as Code, read by
Railway until 2026-12-01) and .railway/railway.ts (Infrastructure as Code) must agree.
"""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import pytest

from lucien.core.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
RAILWAY_TOML = ROOT / "railway.toml"
RAILWAY_TS = ROOT / ".railway" / "railway.ts"

DRAIN_TIMEOUT_DEFAULT = float(Settings.model_fields["drain_timeout"].default)
# BotApplication.stop() gives plugins' `lucien_shutdown` hooks up to 10 s after the drain,
# then closes Redis, the bot session and the database: the draining window needs headroom.
SHUTDOWN_HEADROOM = 10
TOKEN = "123456789:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-ra"


# -- helpers ------------------------------------------------------------------------------


def _toml() -> dict[str, Any]:
    with RAILWAY_TOML.open("rb") as fh:
        return tomllib.load(fh)


def _dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs: comments dropped, continuation lines joined."""
    lines = [
        line
        for line in DOCKERFILE.read_text().splitlines()
        if not line.lstrip().startswith("#") and line.strip()
    ]
    joined: list[str] = []
    buffer = ""
    for line in lines:
        if line.rstrip().endswith("\\"):
            buffer += line.rstrip()[:-1] + " "
            continue
        joined.append(buffer + line)
        buffer = ""
    assert not buffer, "Dockerfile ends inside a continued line"
    out: list[tuple[str, str]] = []
    for line in joined:
        instruction, _, args = line.strip().partition(" ")
        out.append((instruction.upper(), args.strip()))
    return out


def _stages() -> list[list[tuple[str, str]]]:
    stages: list[list[tuple[str, str]]] = []
    for instruction, args in _dockerfile():
        if instruction == "FROM":
            stages.append([])
        if stages:
            stages[-1].append((instruction, args))
    return stages


def _ts_code() -> str:
    """railway.ts without its comments (they mention the same keys in prose)."""
    text = RAILWAY_TS.read_text()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"(?m)(^|\s)//.*$", r"\1", text)


def _ts_number(key: str) -> int:
    found = re.findall(rf"\b{key}\s*:\s*(\d+)\b", _ts_code())
    assert len(found) == 1, f"railway.ts: expected one numeric {key}, found {found}"
    return int(found[0])


def _ts_string(key: str) -> str:
    found = re.findall(rf"\b{key}\s*:\s*\"([^\"]*)\"", _ts_code())
    assert len(found) == 1, f"railway.ts: expected one string {key}, found {found}"
    return found[0]


def _ts_env() -> dict[str, str]:
    """The service's `env: { ... }` block: NAME -> expression."""
    code = _ts_code()
    match = re.search(r"\benv\s*:\s*\{(.*?)\n\s*\}", code, flags=re.S)
    assert match, "railway.ts: no env block on the service"
    entries = re.findall(r"^\s*([A-Z][A-Z0-9_]*)\s*:\s*(.+?),?\s*$", match.group(1), flags=re.M)
    return dict(entries)


# -- railway.toml (Config as Code) ---------------------------------------------------------


def test_railway_toml_builds_the_dockerfile() -> None:
    build = _toml()["build"]
    assert build["builder"] == "DOCKERFILE"
    assert (ROOT / build["dockerfilePath"]).resolve() == DOCKERFILE


def test_railway_toml_deploy_settings() -> None:
    deploy = _toml()["deploy"]
    assert deploy["startCommand"] == "lucien run"
    assert deploy["healthcheckPath"] == "/health"
    assert isinstance(deploy["healthcheckTimeout"], int) and deploy["healthcheckTimeout"] > 0
    assert deploy["restartPolicyType"] in ("ON_FAILURE", "ALWAYS")
    assert isinstance(deploy["restartPolicyMaxRetries"], int)
    assert deploy["restartPolicyMaxRetries"] > 0
    assert isinstance(deploy["numReplicas"], int) and deploy["numReplicas"] >= 1


def test_railway_toml_runs_migrations_before_deploy() -> None:
    pre = _toml()["deploy"]["preDeployCommand"]
    commands = pre if isinstance(pre, list) else [pre]
    assert any(shlex.split(c)[:2] == ["lucien", "migrate"] for c in commands), commands


def test_railway_toml_draining_window_covers_the_drain_timeout() -> None:
    deploy = _toml()["deploy"]
    # Railway's parser rejects strings here ("Expected number, received string").
    assert isinstance(deploy["drainingSeconds"], int)
    assert isinstance(deploy["overlapSeconds"], int) and deploy["overlapSeconds"] >= 0
    assert deploy["drainingSeconds"] >= DRAIN_TIMEOUT_DEFAULT
    assert deploy["drainingSeconds"] >= DRAIN_TIMEOUT_DEFAULT + SHUTDOWN_HEADROOM


# -- Dockerfile ----------------------------------------------------------------------------


def test_dockerfile_is_multi_stage_on_python_311_slim() -> None:
    instructions = _dockerfile()
    args = dict(a.split("=", 1) for i, a in instructions if i == "ARG" and "=" in a)
    froms = [a.split()[0] for i, a in instructions if i == "FROM"]
    assert len(froms) >= 2, "expected a build stage and a runtime stage"
    for image in froms:
        resolved = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), m.group(0)), image)
        assert resolved == "python:3.11-slim", image
    build_runs = " ".join(a for i, a in _stages()[0] if i == "RUN")
    assert "pip wheel" in build_runs
    runtime_runs = " ".join(a for i, a in _stages()[-1] if i == "RUN")
    assert "venv" in runtime_runs and "--no-index" in runtime_runs


def test_dockerfile_runtime_runs_lucien_as_non_root_in_exec_form() -> None:
    runtime = _stages()[-1]
    names = [i for i, _ in runtime]
    assert "USER" in names and "CMD" in names
    user_at = max(n for n, i in enumerate(names) if i == "USER")
    cmd_at = max(n for n, i in enumerate(names) if i == "CMD")
    assert user_at < cmd_at, "USER must come before CMD"
    user = runtime[user_at][1].split(":")[0]
    assert user not in ("root", "0", ""), user
    # Exec form (a JSON array): lucien is PID 1 and receives SIGTERM itself.
    assert json.loads(runtime[cmd_at][1]) == ["lucien", "run"]
    assert "ENTRYPOINT" not in names


def test_dockerfile_signals_port_and_environment() -> None:
    runtime = _stages()[-1]
    by_name: dict[str, list[str]] = {}
    for instruction, args in runtime:
        by_name.setdefault(instruction, []).append(args)
    assert by_name["STOPSIGNAL"] == ["SIGTERM"]
    assert "8080" in " ".join(by_name["EXPOSE"]).split()
    env = " ".join(by_name["ENV"])
    assert re.search(r"\bPYTHONUNBUFFERED=1\b", env)
    assert "/opt/venv/bin" in env  # the venv's `lucien` is on PATH


def test_dockerfile_healthcheck_probes_liveness_with_python() -> None:
    checks = [a for i, a in _stages()[-1] if i == "HEALTHCHECK"]
    assert len(checks) == 1
    check = checks[0]
    assert "/live" in check
    command = json.loads(check[check.index("CMD") + 3 :].strip())
    assert command[0] == "python"
    assert "curl" not in check and "wget" not in check


def test_console_script_the_image_runs_exists() -> None:
    with (ROOT / "pyproject.toml").open("rb") as fh:
        scripts = tomllib.load(fh)["project"]["scripts"]
    assert scripts["lucien"] == "lucien.core.cli:main"


# -- .dockerignore -------------------------------------------------------------------------


def _ignored(path: str, patterns: list[str]) -> bool:
    ignored = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").strip("/")
        candidates = [pattern, pattern.removeprefix("**/")]
        if any(
            fnmatch.fnmatch(path, c) or fnmatch.fnmatch(path.split("/")[0], c) for c in candidates
        ):
            ignored = not negate
    return ignored


def test_dockerignore_keeps_the_build_context_small_and_secret_free() -> None:
    patterns = [
        line.strip()
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    for path in (".venv", ".git", "lucien.db", "tests", ".pytest_cache", ".env", "node_modules"):
        assert _ignored(path, patterns), f"{path} should be excluded from the build context"
    # Everything the Dockerfile copies stays in the context.
    copied = [
        src
        for instruction, args in _dockerfile()
        if instruction == "COPY" and "--from" not in args
        for src in args.split()[:-1]
    ]
    assert copied, "the Dockerfile copies nothing from the context"
    for src in copied:
        assert (ROOT / src).exists(), src
        assert not _ignored(src, patterns), f"{src} is copied but excluded by .dockerignore"


# -- .railway/railway.ts (Infrastructure as Code) -------------------------------------------


def test_railway_ts_uses_the_iac_sdk() -> None:
    code = _ts_code()
    assert re.search(r'from\s+"railway/iac"', code)
    assert re.search(r"export\s+default\s+defineRailway\(", code)
    # A service managed here must not point at a repo config file as well.
    assert "configFile" not in code


def test_railway_ts_declares_postgres_redis_and_the_bot() -> None:
    code = _ts_code()
    pg = re.search(r"const\s+(\w+)\s*=\s*postgres\(\s*\"[\w-]+\"", code)
    rd = re.search(r"const\s+(\w+)\s*=\s*redis\(\s*\"[\w-]+\"", code)
    svc = re.search(r"const\s+(\w+)\s*=\s*service\(\s*\"[\w-]+\"", code)
    assert pg and rd and svc
    resources = re.search(r"resources\s*:\s*\[([^\]]*)\]", code)
    assert resources
    listed = {name.strip() for name in resources.group(1).split(",")}
    assert {pg.group(1), rd.group(1), svc.group(1)} <= listed
    env = _ts_env()
    assert env["DATABASE_URL"] == f"{pg.group(1)}.env.DATABASE_URL"
    assert env["REDIS_URL"] == f"{rd.group(1)}.env.REDIS_URL"


def test_railway_ts_keeps_every_variable_the_bot_needs() -> None:
    # `railway config apply` deletes variables missing from the file: the token must be
    # declared (as preserve()), never written in it.
    env = _ts_env()
    assert env["BOT_TOKEN"] == "preserve()"
    assert env["ENV"] == '"production"'
    assert env["LOG_FORMAT"] == '"json"'
    for name, value in env.items():
        if name.endswith(("TOKEN", "SECRET")):
            assert value == "preserve()", f"{name} must not be written in railway.ts"


def test_railway_ts_literal_variables_are_valid_settings() -> None:
    literals = {
        name.lower(): json.loads(value)
        for name, value in _ts_env().items()
        if value.startswith('"')
    }
    settings = load_settings(
        _env_file=None,
        bot_token=TOKEN,
        database_url="postgresql://u:p@db:5432/railway",
        **literals,
    )
    assert settings.is_production and settings.effective_log_format == "json"
    assert settings.drain_timeout + SHUTDOWN_HEADROOM <= _ts_number("drainingSeconds")


def test_railway_ts_deploy_settings() -> None:
    assert _ts_string("start") == "lucien run"
    assert _ts_string("healthcheck") == "/health"
    assert _ts_number("healthcheckTimeout") > 0
    assert _ts_string("builder") == "DOCKERFILE"
    assert (ROOT / _ts_string("dockerfilePath")).resolve() == DOCKERFILE
    assert _ts_string("restartPolicyType") in ("ON_FAILURE", "ALWAYS")
    assert _ts_number("restartPolicyMaxRetries") > 0
    pre = re.search(r"\bpreDeployCommand\s*:\s*\[([^\]]*)\]", _ts_code())
    assert pre and '"lucien migrate"' in pre.group(1)


def test_railway_ts_replicas() -> None:
    line = re.search(r"\breplicas\s*:\s*([^\n]+)", _ts_code())
    assert line, "railway.ts declares no replicas"
    counts = [int(n) for n in re.findall(r"\b(\d+)\b", line.group(1))]
    assert counts and min(counts) >= 1


def test_railway_ts_draining_window_covers_the_drain_timeout() -> None:
    draining = _ts_number("drainingSeconds")
    assert draining >= DRAIN_TIMEOUT_DEFAULT
    assert draining >= DRAIN_TIMEOUT_DEFAULT + SHUTDOWN_HEADROOM
    assert _ts_number("overlapSeconds") >= 0


# -- the two Railway files agree -------------------------------------------------------------


@pytest.mark.parametrize(
    ("toml_key", "ts_key"),
    [
        ("drainingSeconds", "drainingSeconds"),
        ("overlapSeconds", "overlapSeconds"),
        ("healthcheckTimeout", "healthcheckTimeout"),
        ("restartPolicyMaxRetries", "restartPolicyMaxRetries"),
    ],
)
def test_railway_toml_and_ts_agree_on_numbers(toml_key: str, ts_key: str) -> None:
    assert _toml()["deploy"][toml_key] == _ts_number(ts_key)


def test_railway_toml_and_ts_agree_on_commands() -> None:
    deploy = _toml()["deploy"]
    assert deploy["startCommand"] == _ts_string("start")
    assert deploy["healthcheckPath"] == _ts_string("healthcheck")
    assert deploy["restartPolicyType"] == _ts_string("restartPolicyType")
    assert _toml()["build"]["dockerfilePath"] == _ts_string("dockerfilePath")
    line = re.search(r"\breplicas\s*:\s*([^\n]+)", _ts_code())
    assert line
    assert deploy["numReplicas"] == max(int(n) for n in re.findall(r"\b(\d+)\b", line.group(1)))
