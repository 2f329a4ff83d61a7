"""The ``meetcheck`` command line: the top-level group and its global options.

Every command, built-in or not, is registered by a plugin through
``meetcheck_register_commands`` (one module each in ``meetcheck.commands``). Plugins load
on first need, and heavy libraries (aiortc, av, numpy) only inside the commands and
checks that use them, so ``meetcheck --help`` stays fast.
"""

from __future__ import annotations

import contextlib
import sys
import traceback
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import click

from meetcheck import __version__
from meetcheck.errors import InputError
from meetcheck.verdict import EXIT_NOT_READY, EXIT_USAGE

RUN_COMMANDS = ("check", "batch")
CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class CommandSet(click.Group):
    """This invocation's commands; a name is taken once, and the plugin that took it is
    remembered so a crash in the command can be blamed on it."""

    def __init__(self) -> None:
        super().__init__("meetcheck")
        self.owners: dict[str, str] = {}
        self.adding_for = ""

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        name = name or cmd.name or ""
        if name in self.commands:
            raise ValueError(
                f"command {name!r} is already provided by plugin {self.owners[name]!r}"
            )
        super().add_command(cmd, name)
        self.owners[name] = self.adding_for


class MeetcheckGroup(click.Group):
    """Commands come from plugins; InputError becomes exit 2 with one line."""

    def plugins(self, ctx: click.Context) -> Any:
        root = ctx.find_root()
        if not isinstance(root.obj, dict):
            root.obj = {}
        if "plugins" not in root.obj:
            from meetcheck.plugins import Plugins, parse_blocked

            params = root.params
            blocked = parse_blocked(params.get("plugin") or ())
            dirs = [Path(d) for d in params.get("plugins_dir") or ()]
            plugins = Plugins(blocked=blocked, plugins_dirs=dirs)
            commands = CommandSet()
            plugins.register_commands(commands)
            for name in RUN_COMMANDS:  # the commands that run checks take plugins' options
                if name in commands.commands:
                    commands.commands[name] = plugins.extend_command(commands.commands[name])
            root.obj["plugins"] = plugins
            root.obj["commands"] = commands
        return root.obj["plugins"]

    def _commands(self, ctx: click.Context) -> CommandSet:
        try:
            self.plugins(ctx)
        except InputError as exc:  # a bad -p or plugins directory: no command can run
            from meetcheck.readable import visible

            click.echo(f"meetcheck: error: {visible(str(exc))}", err=True)
            ctx.exit(EXIT_USAGE)
        return ctx.find_root().obj["commands"]

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self._commands(ctx).commands))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return super().get_command(ctx, name) or self._commands(ctx).get_command(ctx, name)

    def invoke(self, ctx: click.Context) -> Any:
        from meetcheck.readable import visible
        from meetcheck.redact import redacted_last_resort

        try:
            with redacted_last_resort():
                return super().invoke(ctx)
        except InputError as exc:
            click.echo(f"meetcheck: error: {visible(str(exc))}", err=True)
            ctx.exit(EXIT_USAGE)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except Exception as exc:
            name = ctx.invoked_subcommand or ""
            owner = self._commands(ctx).owners.get(name, "")
            from meetcheck.plugins import _short_exc

            frames = traceback.extract_tb(exc.__traceback__)
            where = f"{frames[-1].filename}, line {frames[-1].lineno}" if frames else ""
            message = visible(_short_exc(exc, where))
            click.echo(
                f"meetcheck: error: plugin {owner!r} failed in command {name!r}: {message}",
                err=True,
            )
            ctx.exit(EXIT_NOT_READY)


@contextlib.contextmanager
def log_to_stderr(show_secrets: bool) -> Iterator[None]:
    """Warnings from checks and libraries go to stderr during a run, tokens redacted in
    their messages and tracebacks alike."""
    import logging

    from meetcheck.redact import stderr_handler

    fmt = logging.Formatter("meetcheck: %(levelname)s: %(name)s: %(message)s")
    handler = stderr_handler(fmt, show_secrets=show_secrets, level=logging.WARNING)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM acts like Ctrl-C while inputs load (a slow meeting URL, say), so both end
    the same way instead of SIGTERM killing the process without a word."""
    import signal

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except (ValueError, OSError):  # not the main thread, or no SIGTERM here
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def plugin_warnings(plugins: Any) -> None:
    """Warn on stderr about plugin errors not shown yet (loading, registering, run hooks)."""
    from meetcheck.readable import visible

    for error in plugins.new_errors():
        click.echo(f"meetcheck: warning: {visible(str(error))}", err=True)


def plugins_of(ctx: click.Context) -> Any:
    """The loaded plugins of this invocation, for a command's body."""
    return cli.plugins(ctx)  # type: ignore[attr-defined]


@click.group(cls=MeetcheckGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, prog_name="meetcheck")
@click.option(
    "-p",
    "plugin",
    multiple=True,
    metavar="no:NAME",
    is_eager=True,  # before --help, which lists plugin commands
    help="Block a plugin by name (also MEETCHECK_DISABLE_PLUGINS=a,b); anywhere on the line.",
)
@click.option(
    "--plugins-dir",
    multiple=True,
    is_eager=True,
    type=click.Path(file_okay=False),
    help="Load every *.py file in this directory as a plugin (repeatable).",
)
def cli(plugin: tuple[str, ...], plugins_dir: tuple[str, ...]) -> None:
    """Check that a speaker's computer, network, microphone and meeting link are ready
    for a remote meeting with simultaneous interpretation."""


def hoist_global_options(args: Sequence[str]) -> list[str]:
    """Move ``-p no:NAME`` given after the command to the front, as pytest accepts it."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest.extend(args[i:])
            break
        if arg == "-p" and i + 1 < len(args) and args[i + 1].startswith("no:"):
            front += [arg, args[i + 1]]
            i += 2
            continue
        if arg.startswith("-pno:"):
            front.append(arg)
        else:
            rest.append(arg)
        i += 1
    return front + rest


def main(args: Sequence[str] | None = None) -> None:
    """Console entry point."""
    argv = list(sys.argv[1:] if args is None else args)
    cli.main(args=hoist_global_options(argv), prog_name="meetcheck")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
