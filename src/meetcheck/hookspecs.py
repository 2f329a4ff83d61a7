"""The hooks a meetcheck plugin can implement. Every name starts with ``meetcheck_``.

Built-in checks and reporters use these same hooks, so a third-party plugin can do
anything a built-in one does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from meetcheck.hookimpl import hookspec

if TYPE_CHECKING:
    import click

    from meetcheck.check import Check
    from meetcheck.i18n.catalog import Catalog
    from meetcheck.report.model import CheckResult, Report
    from meetcheck.report.reporter import Reporter
    from meetcheck.runner import RunInfo


@hookspec
def meetcheck_register_checks(register: Callable[[type[Check]], None]) -> None:
    """Register check classes.

    :param register: call it once per :class:`meetcheck.check.Check` subclass; a
        duplicate id or a malformed class is reported against the calling plugin.
    """


@hookspec
def meetcheck_register_reporters(register: Callable[[Reporter], None]) -> None:
    """Register report formats (the values of ``--format``).

    :param register: call it once per :class:`meetcheck.report.reporter.Reporter`.
    """


@hookspec
def meetcheck_register_commands(cli: click.Group) -> None:
    """Add sub-commands to the ``meetcheck`` command line.

    :param cli: the group holding every command of this invocation, built-in ones
        included; decorate functions with ``@cli.command()`` or call ``cli.add_command``.
        A name that is taken already is refused and reported against your plugin.
    """


@hookspec
def meetcheck_register_catalogs(register: Callable[[Catalog], None]) -> None:
    """Ship translations of your plugin's texts (titles, findings, remediations).

    :param register: call it once per :class:`meetcheck.i18n.Catalog`, usually
        ``Catalog.beside(__file__, "your-plugin")`` (a ``locale/`` folder next to your module
        holding ``LANG/LC_MESSAGES/your-plugin.mo``). A domain taken by another plugin is
        refused. Without a catalog your plugin's texts are shown in its own English.
    """


@hookspec
def meetcheck_add_options(add: Callable[..., None]) -> None:
    """Add command-line options to the commands that run checks (``meetcheck check``), as
    ``pytest_addoption`` does for pytest.

    :param add: call it like ``click.option``: ``add("--room-id", default="", help=...)``.
        Checks read the value as ``ctx.cli_options["room_id"]``; a name that clashes with
        an existing option is refused and reported against your plugin.
    """


@hookspec
def meetcheck_register_profiles(register: Callable[[str, str], None]) -> None:
    """Contribute named profiles, so ``--profile NAME`` finds them once installed.

    :param register: call it as ``register(name, path)`` with the path of a profile
        file shipped in your package; a name taken by a shipped profile is refused.
    """


@hookspec
def meetcheck_configure_profile(profile: dict[str, Any], source: str) -> None:
    """See, and adjust in place, a profile after ``extends`` is resolved and before it
    is validated against the checks (as ``pytest_configure`` sees the config).

    :param profile: the resolved profile in its TOML form; change it in place.
    :param source: the file or URL it came from, for messages.
    """


@hookspec
def meetcheck_register_plugin_tables(register: Callable[[str, Callable[..., Any]], None]) -> None:
    """Claim a ``[plugins.NAME]`` table in meeting files and profiles.

    :param register: call it as ``register(name, validate)``; ``validate(table, where)``
        gets the table and a key path for messages, raises
        :class:`meetcheck.InputError` (or ValueError) on bad data and returns what checks
        should see as ``ctx.meeting.plugins[name]`` or ``ctx.profile.plugins[name]``.
        A ``[plugins.X]`` table that no installed plugin claims is an error.
    """


@hookspec
def meetcheck_run_started(run: RunInfo) -> None:
    """Called once before the first check starts.

    :param run: the profile, meeting, participant and the checks selected to run.
    """


@hookspec
def meetcheck_check_finished(run: RunInfo, result: CheckResult) -> None:
    """Called as each check ends (in completion order), for live progress.

    :param run: the same object passed to ``meetcheck_run_started``; keep per-run state
        in ``run.state[your_plugin_name]``, not in a module global.
    :param result: a copy of the check's status, findings and duration: changing it does
        not change the report.
    """


@hookspec
def meetcheck_run_finished(run: RunInfo, report: Report) -> None:
    """Called once after every check has ended or the run was interrupted.

    :param run: the same object passed to ``meetcheck_run_started``.
    :param report: the finished report, verdict included (secrets not yet redacted:
        pass links through :func:`meetcheck.redact.redact_text` before showing them).
    """
