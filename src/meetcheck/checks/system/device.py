"""The operating system: the platform's apps and browsers run on desktop systems only."""

from __future__ import annotations

import platform
import sys

from meetcheck.check import Check, Finding, Option, Severity
from meetcheck.checks.system._catalog import N_, _
from meetcheck.context import CheckContext

MOBILE_SYSTEMS = {"android", "ios", "ipados"}


class OperatingSystem(Check):
    id = "system.os"
    title = N_("Operating system and device type")
    severity = Severity.HIGH
    remediation = N_("Join from a desktop or laptop computer, never a tablet or phone.")
    options = {
        "supported": Option(
            list, ["Linux", "Darwin", "Windows"], "platform.system() values", item_type=str
        ),
    }

    async def run(self, ctx: CheckContext) -> Finding:
        system = platform.system() or "unknown"
        release = platform.release()
        python = platform.python_version()
        facts = {"os": system, "release": release, "python": python}
        if system.lower() in MOBILE_SYSTEMS or hasattr(sys, "getandroidapilevel"):
            message = _("{system} is a phone or tablet system").format(system=system)
            return Finding.fail(message, facts=facts)
        if system not in ctx.options["supported"]:
            return Finding.warn(
                _("{system} {release} is not a tested desktop system").format(
                    system=system, release=release
                ),
                fix=_("Use an up-to-date Windows, macOS or Linux computer if you can."),
                facts=facts,
            )
        message = _("{system} {release}, Python {python}").format(
            system=system, release=release, python=python
        )
        return Finding.passed(message, facts=facts)
