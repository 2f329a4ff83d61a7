"""The hooks a meetcheck plugin can implement. Every name starts with ``meetcheck_``.

Built-in checks and reporters use these same hooks, so a third-party plugin can do
anything a built-in one does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from meetcheck.hookimpl import hookspec

if TYPE_CHECKING:
    import click

    from meetcheck.check import Check
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

    :param cli: the top-level click group; decorate functions with ``@cli.command()``.
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
