"""Live progress on stderr: a rewriting status line on a TTY, plain lines otherwise."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from meetcheck.hookimpl import hookimpl
from meetcheck.i18n.core import ngettext
from meetcheck.i18n.language import isolate
from meetcheck.readable import visible
from meetcheck.redact import redact_text

if TYPE_CHECKING:
    from meetcheck.report.model import CheckResult, Report
    from meetcheck.runner import RunInfo

KEY = "report.progress"


@dataclass
class Progress:
    """One run's progress line; kept on the run, so two runs never share a count."""

    total: int
    show_secrets: bool
    done: int = 0

    @staticmethod
    def write(text: str) -> None:
        sys.stderr.write(text)
        sys.stderr.flush()

    def started(self, profile_name: str) -> None:
        line = ngettext(
            "meetcheck: running {n} check (profile {profile})",
            "meetcheck: running {n} checks (profile {profile})",
            self.total,
        ).format(n=self.total, profile=visible(profile_name))
        self.write(f"{line}\n")

    def finished(self, result: CheckResult) -> None:
        from meetcheck.report import words

        self.done += 1
        worst = [f for f in result.findings if f.status is result.status]
        msg = redact_text(worst[0].message if worst else result.reason, self.show_secrets)
        status = f"{words.status(result.status.value):<{max(7, words.status_width())}}"
        count = isolate(f"[{self.done}/{self.total}]")
        line = f"{count} {status} {isolate(result.id)}  {msg}"
        line = visible(line)  # the message may come from a meeting file or a plugin
        if sys.stderr.isatty():
            end = "\n" if result.status.value != "PASS" else ""
            self.write("\r\x1b[2K" + line[:200] + end)
        else:
            self.write(line + "\n")


@hookimpl
def meetcheck_run_started(run: RunInfo) -> None:
    if run.options.get("quiet", False):
        return
    progress = Progress(len(run.checks), bool(run.options.get("show_secrets", False)))
    run.state[KEY] = progress
    progress.started(run.profile.name)


@hookimpl
def meetcheck_check_finished(run: RunInfo, result: CheckResult) -> None:
    progress = run.state.get(KEY)
    if progress is not None:
        progress.finished(result)


@hookimpl
def meetcheck_run_finished(run: RunInfo, report: Report) -> None:
    if KEY in run.state and sys.stderr.isatty():
        Progress.write("\r\x1b[2K")
