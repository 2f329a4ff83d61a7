"""System checks: the computer a delegate will speak from."""

from __future__ import annotations

import platform
import sys
from collections.abc import Callable

from meetcheck.check import Check, Finding, Measurement, Option, Severity, Status
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


CHECKS: list[type[Check]] = [OperatingSystem]


@hookimpl
def meetcheck_register_checks(register: Callable[[type[Check]], None]) -> None:
    for check in CHECKS:
        register(check)
