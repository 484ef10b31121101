"""`lucien run`, `lucien profile` and `lucien emulator`: the commands that run a process.

Heavy modules (aiogram, the runner) are imported inside the commands: building the
command line must stay quick, since every command builds it.
"""

from __future__ import annotations

import asyncio
import logging

import click

from lucien.core.cli.configuration import settings_or_exit


def cmd_run() -> int:
    """Run the bot until SIGTERM; 1 when startup fails, 2 on bad configuration."""
    from lucien.core.logging import setup_logging
    from lucien.core.plugins import PluginError
    from lucien.core.settings import ConfigError

    settings = settings_or_exit(require_token=True)
    setup_logging(settings.effective_log_format, settings.log_level, [settings.bot_token or ""])
    from lucien.core.runner import BotApplication, StartupError

    try:
        app = BotApplication(settings, migrate_in_subprocess=True, freeze_heap=True)
        return asyncio.run(app.run_until_signal())
    except (ConfigError, PluginError, StartupError) as exc:
        logging.getLogger("lucien").error("startup failed: %s", exc)
        return 1
    except Exception as exc:
        # MigrationError lives with Alembic, which this module must not import up front.
        if type(exc).__name__ == "MigrationError":
            logging.getLogger("lucien").error("startup failed: %s", exc)
            return 1
        raise


def add_commands(cli: click.Group) -> None:
    """Add `run`, `profile` and `emulator` to the command line."""

    @cli.command("run", short_help="Run the bot.")
    def run() -> int:
        """Run the bot (webhook if WEBHOOK_BASE_URL is set, else polling)."""
        return cmd_run()

    @cli.command("profile")
    @click.option("--seconds", type=float, default=10, show_default=True)
    @click.option("--output", default="lucien-profile.html", show_default=True)
    def profile(seconds: float, output: str) -> int:
        """Profile a local run with pyinstrument."""
        from lucien.core.profiling import profile_local_run

        return asyncio.run(profile_local_run(seconds=seconds, output=output))

    @cli.command("emulator")
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", type=int, default=8081, show_default=True)
    def emulator(host: str, port: int) -> int:
        """The Bot API emulator on its own."""
        from lucien.core.testing.emulator.cli import main as emulator_main

        return emulator_main(["--host", host, "--port", str(port)])
