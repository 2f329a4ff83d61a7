"""meetcheck: readiness checks for remote meetings with simultaneous interpretation.

Plugin authors import what they need from here: ``from meetcheck import hookimpl, Check``.
"""

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
from meetcheck.context import CheckContext
from meetcheck.errors import InputError
from meetcheck.hookimpl import hookimpl
from meetcheck.meeting import Channel, Meeting, Session
from meetcheck.participant import Participant
from meetcheck.report.reporter import Reporter

__version__ = "0.1.0"
__all__ = [
    "Channel", "Check", "CheckContext", "Finding", "InputError", "Measurement", "Meeting",
    "Metric", "Option", "Participant", "Reporter", "Session", "Severity", "Status",
    "Threshold", "hookimpl", "register_checks", "__version__",
]  # fmt: skip
