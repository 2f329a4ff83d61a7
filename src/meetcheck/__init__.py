"""meetcheck: readiness checks for remote meetings with simultaneous interpretation.

Plugin authors import what they need from here: ``from meetcheck import hookimpl, Check``.
The input and report types load on first use, so ``meetcheck --help`` stays fast.
"""

from typing import TYPE_CHECKING, Any

from meetcheck.check import (
    Check,
    Finding,
    Measurement,
    Metric,
    Option,
    Severity,
    Status,
    Threshold,
    register_checks,
)
from meetcheck.errors import InputError
from meetcheck.hookimpl import hookimpl

if TYPE_CHECKING:  # the lazy names below, for type checkers and editors
    from meetcheck.context import CheckContext
    from meetcheck.meeting import Channel, Meeting, Session
    from meetcheck.participant import Participant
    from meetcheck.report.reporter import Reporter

__version__ = "0.1.0"
__all__ = [
    "Channel", "Check", "CheckContext", "Finding", "InputError", "Measurement", "Meeting",
    "Metric", "Option", "Participant", "Reporter", "Session", "Severity", "Status",
    "Threshold", "hookimpl", "register_checks", "__version__",
]  # fmt: skip

_LAZY = {
    "CheckContext": "meetcheck.context",
    "Channel": "meetcheck.meeting",
    "Meeting": "meetcheck.meeting",
    "Session": "meetcheck.meeting",
    "Participant": "meetcheck.participant",
    "Reporter": "meetcheck.report.reporter",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'meetcheck' has no attribute {name!r}")
