"""Processor cores and load: the browser encodes and decodes audio in real time, and too
few or too busy CPUs show up as choppy or robotic sound for the interpreters."""

from __future__ import annotations

import os

from meetcheck.check import Check, Finding, Measurement, Metric
from meetcheck.checks.system._catalog import N_, _
from meetcheck.context import CheckContext


def load_average() -> float | None:
    """The 1-minute load average, or None where the system has none (Windows)."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


class Processor(Check):
    id = "system.cpu"
    title = N_("Processor: cores and current load")
    remediation = N_(
        "Close other programs (video, downloads, updates) before the meeting; if this "
        "computer has a single processor core, use a newer computer."
    )
    metrics = {
        "cpu_count": Metric("CPUs", higher_is_worse=False, description=N_("logical CPUs")),
        "load_per_core": Metric(
            "", higher_is_worse=True, description=N_("1-minute load average divided by CPUs")
        ),
    }

    async def run(self, ctx: CheckContext) -> list[Finding]:
        count = os.cpu_count() or 1
        load = load_average()
        cores = ctx.judge(
            "cpu_count",
            count,
            ok=_("{value} logical CPUs"),
            bad=_("only {value} logical CPUs (profile wants at least {limit})"),
            fix=_(
                "This computer has few processor cores: close every other program during "
                "the meeting, or use a computer with more cores."
            ),
            note="" if load is not None else _("this system does not report its load"),
        )
        if load is None:
            return [cores]
        busy = ctx.judge(
            "load_per_core",
            round(load / count, 2),
            ok=_("load {value} per CPU over the last minute"),
            bad=_("busy: load {value} per CPU over the last minute (limit {limit})"),
            fix=_(
                "Close programs you do not need (other video calls, streaming, large "
                "downloads, backups) and run the check again."
            ),
            extra=[Measurement("load_1min", round(load, 2))],
        )
        return [cores, busy]
