"""Live progress on stderr: a rewriting status line on a TTY, plain lines otherwise."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from meetcheck.hookimpl import hookimpl
from meetcheck.redact import redact_text
from meetcheck.report.plain import visible

if TYPE_CHECKING:
    from meetcheck.report.model import CheckResult, Report
    from meetcheck.runner import RunInfo

_state: dict[str, object] = {"total": 0, "done": 0, "active": False, "secrets": False}


def _write(text: str) -> None:
    sys.stderr.write(text)
    sys.stderr.flush()


@hookimpl
def meetcheck_run_started(run: RunInfo) -> None:
    quiet = run.options.get("quiet", False)
    _state.update(
        total=len(run.checks),
        done=0,
        active=not quiet,
        secrets=run.options.get("show_secrets", False),
    )
    if _state["active"]:
        name = visible(run.profile.name)
        _write(f"meetcheck: running {len(run.checks)} checks (profile {name})\n")


@hookimpl
def meetcheck_check_finished(result: CheckResult) -> None:
    if not _state["active"]:
        return
    _state["done"] = int(_state["done"]) + 1  # type: ignore[call-overload]
    worst = [f for f in result.findings if f.status is result.status]
    msg = worst[0].message if worst else result.reason
    msg = redact_text(msg, bool(_state["secrets"]))
    line = f"[{_state['done']}/{_state['total']}] {result.status.value:<7} {result.id}  {msg}"
    line = visible(line)  # the message may come from a meeting file or a plugin
    if sys.stderr.isatty():
        _write("\r\x1b[2K" + line[:200] + ("\n" if result.status.value != "PASS" else ""))
    else:
        _write(line + "\n")


@hookimpl
def meetcheck_run_finished(run: RunInfo, report: Report) -> None:
    if _state["active"] and sys.stderr.isatty():
        _write("\r\x1b[2K")
