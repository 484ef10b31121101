"""Built-in plugin: the sandbox's commands, `lucien sandbox` and `lucien run --sandbox`.

The sandbox is the product's demo (it seeds the vip and free plugins' data), not part of
the core, so it reaches the command line like any plugin, through `lucien_commands`.
`run --sandbox` is the README's first command: the core's `run` is given the sandbox's
options, and with `--sandbox` runs the sandbox instead of the bot.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import click

from lucien import __version__
from lucien.core.plugin import PluginInfo, hookimpl

NAME = "sandbox"
# Options of `lucien sandbox`, also given to `lucien run` (meaningful only with --sandbox).
_SANDBOX_ONLY = ("port", "reset", "db")


def _options() -> list[click.Parameter]:
    return [
        click.Option(["--port"], type=int, default=8080, show_default=True, help="Web chat port."),
        click.Option(["--reset"], is_flag=True, help="Start from a fresh database."),
        click.Option(["--db"], default=None, help="SQLite file (default ./sandbox.db)."),
    ]


def run_sandbox_command(port: int, reset: bool, db: str | None) -> int:
    """Run the sandbox until Ctrl-C; its exit code."""
    from lucien.sandbox import run_sandbox, world

    # The demo world's Diana is the creator: greeted as the lady of the house, never
    # introduced to Lucien (unless the environment names someone else).
    os.environ.setdefault("VOICE_CREATOR_ID", str(world.ADMIN_ID))
    return asyncio.run(run_sandbox(port=port, reset=reset, db_path=db))


def _extend_run(run: click.Command) -> None:
    """Give the core's `run` the `--sandbox` flag and the sandbox's options."""
    original = run.callback
    run.params.append(
        click.Option(
            ["--sandbox"], is_flag=True, help="The whole bot against the built-in emulator."
        )
    )
    run.params.extend(_options())

    def callback(sandbox: bool, port: int, reset: bool, db: str | None, **kwargs: Any) -> Any:
        if sandbox:
            return run_sandbox_command(port, reset, db)
        given = click.get_current_context()
        stray = [
            f"--{name}"
            for name in _SANDBOX_ONLY
            if given.get_parameter_source(name) is not click.core.ParameterSource.DEFAULT
        ]
        if stray:
            raise click.UsageError(f"{', '.join(stray)} only with --sandbox")
        return original(**kwargs) if original is not None else None

    run.callback = callback


class SandboxPlugin:
    """Hook implementations of the sandbox's built-in plugin (commands only)."""

    @hookimpl
    def lucien_plugin_info(self) -> PluginInfo:
        return PluginInfo(
            name=NAME,
            version=__version__,
            description="Built in: lucien sandbox / run --sandbox, the bot against the emulator",
        )

    @hookimpl
    def lucien_commands(self, cli: click.Group) -> None:
        sandbox = click.Command(
            NAME,
            callback=run_sandbox_command,
            params=_options(),
            short_help="The whole bot against the built-in emulator, with a web chat.",
            help="The whole bot against the built-in emulator, SQLite and a web chat page "
            "(no Telegram, no token). The same as `lucien run --sandbox`.",
        )
        cli.add_command(sandbox)
        run = cli.commands.get("run")
        if run is not None:
            _extend_run(run)


plugin = SandboxPlugin()
