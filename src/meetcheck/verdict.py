"""Verdicts and exit codes, as the design fixes them."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import TYPE_CHECKING

from meetcheck.check import Status

if TYPE_CHECKING:
    from meetcheck.report.model import CheckResult


class Verdict(enum.StrEnum):
    READY = "READY"
    READY_WITH_WARNINGS = "READY WITH WARNINGS"
    NOT_READY = "NOT READY"
    INCOMPLETE = "INCOMPLETE"


EXIT_OK = 0
EXIT_NOT_READY = 1
EXIT_USAGE = 2
EXIT_INCOMPLETE = 3


def decide(results: Iterable[CheckResult], interrupted: bool = False) -> Verdict:
    """Required checks decide; an advisory (not required) WARN or FAIL only warns.

    A FAIL outranks missing results: if a required check failed the speaker is not
    ready however many others could not finish.
    """
    results = list(results)
    required = [r for r in results if r.required]
    if any(r.status is Status.FAIL for r in required):
        return Verdict.NOT_READY
    if interrupted or any(r.status in (Status.ERROR, Status.TIMEOUT) for r in required):
        return Verdict.INCOMPLETE
    if any(r.status is Status.WARN for r in required):
        return Verdict.READY_WITH_WARNINGS
    if any(r.status in (Status.WARN, Status.FAIL, Status.ERROR, Status.TIMEOUT) for r in results):
        return Verdict.READY_WITH_WARNINGS
    return Verdict.READY


def exit_code(verdict: Verdict, strict: bool = False) -> int:
    if verdict is Verdict.NOT_READY:
        return EXIT_NOT_READY
    if verdict is Verdict.INCOMPLETE:
        return EXIT_INCOMPLETE
    if verdict is Verdict.READY_WITH_WARNINGS and strict:
        return EXIT_NOT_READY
    return EXIT_OK
