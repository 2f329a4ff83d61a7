"""System checks: the computer a delegate will speak from."""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Callable

from meetcheck.check import Check, Finding, Measurement, Metric, Option, Severity, Status
from meetcheck.context import CheckContext
from meetcheck.hookimpl import hookimpl

MOBILE_SYSTEMS = {"android", "ios", "ipados"}


class OperatingSystem(Check):
    id = "system.os"
    title = "Operating system and device type"
    category = "system"
    severity = Severity.HIGH
    remediation = "Join from a desktop or laptop computer, never a tablet or phone."
    options = {
        "supported": Option(
            list, ["Linux", "Darwin", "Windows"], "platform.system() values", item_type=str
        ),
    }

    async def run(self, ctx: CheckContext) -> Finding:
        system = platform.system() or "unknown"
        release = platform.release()
        facts = [
            Measurement("os", system),
            Measurement("release", release),
            Measurement("python", platform.python_version()),
        ]
        if system.lower() in MOBILE_SYSTEMS or hasattr(sys, "getandroidapilevel"):
            return Finding(
                Status.FAIL, f"{system} is a phone or tablet system", self.remediation, facts
            )
        if system not in ctx.options["supported"]:
            return Finding(
                Status.WARN,
                f"{system} {release} is not a tested desktop system",
                "Use an up-to-date Windows, macOS or Linux computer if you can.",
                facts,
            )
        return Finding(
            Status.PASS,
            f"{system} {release}, Python {platform.python_version()}",
            measurements=facts,
        )


def load_average() -> float | None:
    """The 1-minute load average, or None where the system has none (Windows)."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


class Processor(Check):
    """The browser encodes and decodes audio in real time: too few or too busy CPUs
    show up as choppy or robotic sound for the interpreters."""

    id = "system.cpu"
    title = "Processor: cores and current load"
    category = "system"
    severity = Severity.MEDIUM
    remediation = (
        "Close other programs (video, downloads, updates) before the meeting; if this "
        "computer has a single processor core, use a newer computer."
    )
    metrics = {
        "cpu_count": Metric("CPUs", higher_is_worse=False, description="logical CPUs"),
        "load_per_core": Metric(
            "", higher_is_worse=True, description="1-minute load average divided by CPUs"
        ),
    }

    async def run(self, ctx: CheckContext) -> list[Finding]:
        count = os.cpu_count() or 1
        findings = [
            ctx.judge(
                "cpu_count",
                count,
                unit="CPUs",
                ok="{value} logical CPUs",
                bad="only {value} logical CPUs (profile wants at least {limit})",
                remediation=(
                    "This computer has few processor cores: close every other program during "
                    "the meeting, or use a computer with more cores."
                ),
            )
        ]
        load = load_average()
        if load is None:
            findings[0].message += "; this system does not report its load"
            return findings
        per_core = round(load / count, 2)
        findings.append(
            ctx.judge(
                "load_per_core",
                per_core,
                ok="load {value} per CPU over the last minute",
                bad="busy: load {value} per CPU over the last minute (limit {limit})",
                remediation=(
                    "Close programs you do not need (other video calls, streaming, large "
                    "downloads, backups) and run the check again."
                ),
                extra=[Measurement("load_1min", round(load, 2))],
            )
        )
        return findings


CHECKS: list[type[Check]] = [OperatingSystem, Processor]


@hookimpl
def meetcheck_register_checks(register: Callable[[type[Check]], None]) -> None:
    for check in CHECKS:
        register(check)
