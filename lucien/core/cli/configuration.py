"""`lucien plugins` and `lucien config check`, and the settings loading every command
shares: what is configured and installed, read without talking to Telegram."""

from __future__ import annotations

import json
import os
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from lucien.core.plugins import PluginRegistry
    from lucien.core.settings import Settings

# The entry point group of the plugin contract (DESIGN.md): versions are read from it.
ENTRY_POINT_GROUP = "lucien.plugins"


def print_problems(problems: list[str]) -> None:
    """The configuration problems, one a line, on stderr."""
    click.echo("Configuration problems:", err=True)
    for problem in problems:
        click.echo(f"  - {problem}", err=True)


def settings_or_exit(*, require_token: bool) -> Settings:
    """Load and validate settings, plugin names included; exit 2 listing every problem.

    `require_token` only for what talks to Telegram (`lucien run`).
    """
    from lucien.core.plugins import discover_plugins
    from lucien.core.settings import check_plugin_names, read_settings

    settings, problems = read_settings(require_token=require_token)
    if settings is None:
        print_problems(problems + plugin_name_problems_from_env())
        raise SystemExit(2)
    registry = discover_plugins(settings, select=False)
    problems += check_plugin_names(settings, set(registry.records))
    if problems:
        print_problems(problems)
        raise SystemExit(2)
    return settings


def plugin_name_problems_from_env() -> list[str]:
    """Unknown plugin names, checked even when other settings are invalid."""
    from lucien.core.plugins import discover_plugins
    from lucien.core.settings import Settings, check_plugin_names

    try:
        lenient = Settings.model_construct(
            lucien_plugins=_env_list("LUCIEN_PLUGINS"),
            lucien_disabled_plugins=_env_list("LUCIEN_DISABLED_PLUGINS") or [],
        )
        registry = discover_plugins(Settings.model_construct(), select=False)
    except Exception:
        return []
    return check_plugin_names(lenient, set(registry.records))


def _env_list(name: str) -> list[str] | None:
    raw = os.environ.get(name)
    return None if raw is None else [p.strip() for p in raw.split(",") if p.strip()]


def distribution_versions() -> dict[str, tuple[str, str]]:
    """Plugin name -> (distribution, version), from the installed distributions' metadata:
    known even for a plugin whose module fails to import."""
    found: dict[str, tuple[str, str]] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        dist = getattr(ep, "dist", None)
        if dist is not None and ep.name not in found:
            found[ep.name] = (dist.name, dist.version)
    return found


def plugin_rows(registry: PluginRegistry) -> list[dict[str, Any]]:
    """One row per installed plugin: name, version, state, reason, distribution."""
    versions = distribution_versions()
    rows = []
    for name in sorted(registry.records):
        record = registry.records[name]
        dist, version = versions.get(name, (record.distribution or "", record.version))
        reason = record.reason or ("built in" if getattr(record, "builtin", False) else "")
        rows.append(
            {
                "name": name,
                "version": version,
                "state": record.state,
                "reason": reason,
                "distribution": dist,
            }
        )
    return rows


def _table(rows: list[dict[str, Any]]) -> str:
    head = {"name": "NAME", "version": "VERSION", "state": "STATE", "reason": "REASON"}
    cols = ("name", "version", "state")
    table = [head, *rows]
    widths = {c: max(len(str(r[c])) for r in table) for c in cols}
    return "\n".join(
        "  ".join(str(r[c]).ljust(widths[c]) for c in cols) + "  " + str(r["reason"]) for r in table
    ).rstrip()


def cmd_plugins(as_json: bool) -> int:
    """List the installed plugins; 1 when the configuration cannot be applied."""
    from lucien.core.logging import setup_logging
    from lucien.core.plugins import PluginError, discover_plugins
    from lucien.core.settings import ConfigError

    settings = settings_or_exit(require_token=False)
    setup_logging("text", "CRITICAL")  # failures are in the table, not in a log line
    registry = discover_plugins(settings, select=False)
    error = None
    try:
        registry.select()
        registry.load_plugin_settings()
    except (PluginError, ConfigError) as exc:
        error = str(exc)
    rows = plugin_rows(registry)
    click.echo(json.dumps(rows, indent=2) if as_json else _table(rows))
    if error:
        click.echo(f"error: {error}", err=True)
        return 1
    return 0


def cmd_config_check() -> int:
    """Every configuration problem, the plugins' own settings included; 2 if any."""
    from lucien.core.logging import setup_logging
    from lucien.core.plugins import PluginError, discover_plugins
    from lucien.core.settings import check_plugin_names, read_settings

    settings, problems = read_settings(require_token=True)
    if settings is None:
        print_problems(problems + plugin_name_problems_from_env())
        return 2
    setup_logging("text", "CRITICAL")
    registry = discover_plugins(settings, select=False)
    names = check_plugin_names(settings, set(registry.records))
    problems += names
    if not names:
        try:
            registry.select()
            problems += registry.load_plugin_settings()
        except PluginError as exc:
            problems.append(str(exc))
    reported = " ".join(problems)
    problems += [
        f"plugin {r.name}: {r.reason}"
        for r in registry.records.values()
        if r.state == "failed" and r.reason not in reported
    ]
    if problems:
        print_problems(problems)
        return 2
    click.echo("configuration OK")
    return 0


def add_commands(cli: click.Group) -> None:
    """Add `plugins` and `config check` to the command line."""

    @cli.command("plugins", short_help="Installed plugins and their state.")
    @click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
    def plugins(as_json: bool) -> int:
        """List installed plugins: version, enabled/disabled/failed, why."""
        return cmd_plugins(as_json)

    @cli.group("config")
    def config() -> None:
        """Configuration: `lucien config check`."""

    @config.command("check")
    def check() -> int:
        """Validate the configuration; print every problem, exit 2 if any."""
        return cmd_config_check()
