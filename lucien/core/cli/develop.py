"""`lucien test` and `lucien new-plugin`: the commands of a plugin author."""

from __future__ import annotations

from pathlib import Path

import click


def cmd_new_plugin(name: str, directory: Path | None) -> int:
    """Write the plugin distribution; 2 when the name or the directory is unusable."""
    from lucien.core.templates import TemplateError, template_values, write_plugin

    try:
        values = template_values(name)
        target = directory or Path(values["distribution"])
        written = write_plugin(name, target)
    except TemplateError as exc:
        click.echo(f"error: {exc}", err=True)
        return 2
    click.echo(f"wrote {len(written)} files into {target}/ (plugin {name!r}):")
    for path in written:
        click.echo(f"  {path.relative_to(target)}")
    click.echo(
        "\nnext:\n"
        f"  pip install -e {target}\n"
        f"  lucien plugins          # {name} is listed\n"
        f"  lucien test {name}\n"
        f"  lucien migrate          # creates its table"
    )
    return 0


def add_commands(cli: click.Group) -> None:
    """Add `test` and `new-plugin` to the command line."""

    @cli.command("test")
    @click.argument("plugin", required=False)
    @click.option(
        "--timeout", type=float, default=None, help="Seconds for the whole run (default: 600)."
    )
    def test(plugin: str | None, timeout: float | None) -> int:
        """Run a plugin's own test suite (or every enabled plugin's).

        The same runner as /run_tests in chat: a throwaway SQLite database and the
        emulator, never the configured database or Telegram.
        """
        from lucien.core.testing.suites import run_suites_cli

        if timeout is None:  # the runner's own default, the same as /run_tests
            return run_suites_cli(plugin)
        return run_suites_cli(plugin, timeout=timeout)

    @cli.command("new-plugin")
    @click.argument("name")
    @click.option(
        "--directory",
        "-d",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Where to write it (default: ./lucien-NAME); must not exist or be empty.",
    )
    def new_plugin(name: str, directory: Path | None) -> int:
        """Write a new plugin distribution from the template."""
        return cmd_new_plugin(name, directory)
