"""The `lucien` command line (click).

The core's own commands live in the modules beside this one, one module per concern;
every installed plugin that imports, enabled or not, may add commands through the
`lucien_commands(cli)` hook before the arguments are parsed (llm's `register_commands`).
The sandbox and `import-sqlite` are added that way, by built-in plugins.

`main()` is the console script and `python -m lucien`; it returns the exit code.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click


class LucienGroup(click.Group):
    """A group whose commands cannot be replaced by name: a plugin adding a command
    that already exists fails (that plugin alone) instead of silently shadowing it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.failed_plugins: list[str] = []  # named in the hint for an unknown command

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        name = name or cmd.name
        if name in self.commands:
            raise click.ClickException(f"the command {name!r} already exists")
        super().add_command(cmd, name)


def core_group() -> LucienGroup:
    """A fresh `lucien` group holding the core's commands only (no plugin's)."""
    from lucien.core.cli import backup, bot, configuration, develop, smoke
    from lucien.core.db.commands import add_migrate_commands

    @click.group(cls=LucienGroup, context_settings={"help_option_names": ["-h", "--help"]})
    def cli() -> None:
        """Lucien: the bot and its framework."""

    assert isinstance(cli, LucienGroup)
    bot.add_commands(cli)
    configuration.add_commands(cli)
    develop.add_commands(cli)
    smoke.add_commands(cli)
    add_migrate_commands(cli)
    backup.add_commands(cli)
    return cli


@contextmanager
def _plugin_logs() -> Iterator[list[logging.LogRecord]]:
    """Hold back what plugin discovery logs: a plugin that fails to import is reported by
    `lucien plugins`, `config check` and `run`, not by every command of the line."""
    held: list[logging.LogRecord] = []

    class Hold(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            held.append(record)

    logger = logging.getLogger("lucien.plugins")
    handler, propagate = Hold(logging.WARNING), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield held
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def add_plugin_commands(cli: click.Group) -> list[str]:
    """Let every installed plugin that imports add its commands; return the names of the
    plugins that failed to load (for the hint on an unknown command)."""
    from lucien.core.plugins import discover_plugins
    from lucien.core.settings import Settings, read_settings

    settings, _ = read_settings(require_token=False)
    # Commands are added whatever the configuration says: a broken variable must not
    # hide `config check`, and strict mode is for the running bot.
    base = settings or Settings.model_construct()
    base = base.model_copy(update={"lucien_strict_plugins": False})
    with _plugin_logs() as held:
        registry = discover_plugins(base, select=False)
        installed = registry.installed()
        registry.call_each("lucien_commands", records=installed, cli=cli)
    for record in held:
        if "lucien_commands" in record.getMessage():
            reason = f": {record.exc_info[1]!r}" if record.exc_info else ""
            print(f"warning: {record.getMessage()}{reason}", file=sys.stderr)
    return sorted(r.name for r in registry.records.values() if r.obj is None)


def build_cli() -> LucienGroup:
    """The whole command line: the core's commands and every plugin's."""
    cli = core_group()
    try:
        cli.failed_plugins = add_plugin_commands(cli)
    except Exception as exc:  # a bug in discovery must not take `config check` down with it
        print(f"warning: plugin commands unavailable: {exc!r}", file=sys.stderr)
    return cli


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code (click's usage errors give 2)."""
    cli = build_cli()
    try:
        result = cli.main(args=argv, prog_name="lucien", standalone_mode=False)
    except click.UsageError as exc:
        exc.show()
        if "No such command" in exc.format_message() and cli.failed_plugins:
            print(
                f"note: plugin(s) {', '.join(cli.failed_plugins)} failed to load; "
                "`lucien plugins` says why",
                file=sys.stderr,
            )
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.Abort:
        print("Aborted!", file=sys.stderr)
        return 1
    return _exit_code(result)


def _exit_code(result: Any) -> int:
    """A command's return value as an exit code: commands return ints, None means 0."""
    if isinstance(result, bool) or not isinstance(result, int):
        return 0
    return result
