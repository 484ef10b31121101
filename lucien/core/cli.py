"""The `lucien` command line."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Callable
from typing import Any

from lucien.core.logging import setup_logging
from lucien.core.plugins import PluginError, discover_plugins
from lucien.core.settings import ConfigError, Settings, check_plugin_names, load_settings

Command = Callable[[argparse.Namespace], int]


def _print_problems(problems: list[str]) -> None:
    print("Configuration problems:", file=sys.stderr)
    for problem in problems:
        print(f"  - {problem}", file=sys.stderr)


def settings_or_exit(**overrides: Any) -> Settings:
    """Load and validate settings, plugin names included; exit 2 listing every problem."""
    try:
        settings = load_settings(**overrides)
    except ConfigError as exc:
        _print_problems(exc.problems + _plugin_name_problems_from_env())
        raise SystemExit(2) from None
    registry = discover_plugins(settings, select=False)
    problems = check_plugin_names(settings, set(registry.records))
    if problems:
        _print_problems(problems)
        raise SystemExit(2)
    return settings


def _plugin_name_problems_from_env() -> list[str]:
    """Unknown plugin names, checked even when other settings are invalid."""
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


def cmd_run(args: argparse.Namespace) -> int:
    if args.sandbox:
        # The sandbox is the product's demo (it seeds plugin data), not part of the core.
        from lucien.sandbox import run_sandbox

        return asyncio.run(run_sandbox(port=args.port, reset=args.reset, db_path=args.db))
    settings = settings_or_exit()
    setup_logging(settings.effective_log_format, settings.log_level, [settings.bot_token or ""])
    from lucien.core.runner import BotApplication, StartupError

    try:
        app = BotApplication(settings, migrate_in_subprocess=True, freeze_heap=True)
        return asyncio.run(app.run_until_signal())
    except (ConfigError, PluginError, StartupError) as exc:
        logging.getLogger("lucien").error("startup failed: %s", exc)
        return 1
    except Exception as exc:
        if type(exc).__name__ == "MigrationError":
            logging.getLogger("lucien").error("startup failed: %s", exc)
            return 1
        raise


def cmd_plugins(args: argparse.Namespace) -> int:
    settings = settings_or_exit()
    setup_logging("text", "CRITICAL")
    try:
        registry = discover_plugins(settings)
        registry.load_plugin_settings()
    except PluginError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    rows = [("NAME", "VERSION", "STATE", "REASON")]
    rows += [(r["name"], r["version"], r["state"], r["reason"]) for r in registry.summary()]
    widths = [max(len(str(row[i])) for row in rows) for i in range(3)]
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row[:3], widths, strict=True)), row[3])
    return 0


def cmd_config_check(args: argparse.Namespace) -> int:
    try:
        settings = load_settings()
    except ConfigError as exc:
        _print_problems(exc.problems + _plugin_name_problems_from_env())
        return 2
    setup_logging("text", "CRITICAL")
    registry = discover_plugins(settings, select=False)
    problems = check_plugin_names(settings, set(registry.records))
    if not problems:
        try:
            registry.select()
            problems = registry.load_plugin_settings()
        except PluginError as exc:
            problems = [str(exc)]
    reported = " ".join(problems)
    problems += [
        f"plugin {r.name}: {r.reason}"
        for r in registry.records.values()
        if r.state == "failed" and r.reason not in reported
    ]
    if problems:
        _print_problems(problems)
        return 2
    print("configuration OK")
    return 0


def cmd_emulator(args: argparse.Namespace) -> int:
    from lucien.core.testing.emulator.cli import main as emulator_main

    return emulator_main(["--host", args.host, "--port", str(args.port)])


def cmd_test(args: argparse.Namespace) -> int:
    from lucien.core.testing.suites import run_suites_cli

    return run_suites_cli(args.plugin, timeout=args.timeout)


def cmd_profile(args: argparse.Namespace) -> int:
    from lucien.core.profiling import profile_local_run

    return asyncio.run(profile_local_run(seconds=args.seconds, output=args.output))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lucien", description="Lucien bot and framework")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the bot (webhook if WEBHOOK_BASE_URL, else polling)")
    run.add_argument("--sandbox", action="store_true", help="the whole bot against the emulator")
    run.add_argument("--port", type=int, default=8080, help="sandbox web chat port")
    run.add_argument("--reset", action="store_true", help="sandbox: start from a fresh database")
    run.add_argument("--db", default=None, help="sandbox: SQLite file (default ./sandbox.db)")
    run.set_defaults(func=cmd_run)

    sub.add_parser("plugins", help="installed plugins and their state").set_defaults(
        func=cmd_plugins
    )

    config = sub.add_parser("config", help="configuration")
    config_sub = config.add_subparsers(dest="config_command", required=True)
    config_sub.add_parser("check", help="validate configuration").set_defaults(
        func=cmd_config_check
    )

    emulator = sub.add_parser("emulator", help="the Bot API emulator on its own")
    emulator.add_argument("--host", default="127.0.0.1")
    emulator.add_argument("--port", type=int, default=8081)
    emulator.set_defaults(func=cmd_emulator)

    test = sub.add_parser("test", help="run a plugin's own test suite (or all)")
    test.add_argument("plugin", nargs="?", default=None)
    test.add_argument("--timeout", type=float, default=600)
    test.set_defaults(func=cmd_test)

    profile = sub.add_parser("profile", help="profile a local run with pyinstrument")
    profile.add_argument("--seconds", type=float, default=10)
    profile.add_argument("--output", default="lucien-profile.html")
    profile.set_defaults(func=cmd_profile)

    try:
        from lucien.core.db.commands import register_cli

        register_cli(sub)
    except ImportError as exc:  # the data layer is part of the core; say so loudly
        print(f"warning: database commands unavailable: {exc}", file=sys.stderr)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
