"""meetcheck: readiness checks for remote meetings with simultaneous interpretation.

Plugin authors import what they need from here: ``from meetcheck import hookimpl, Check``.
"""

from meetcheck.check import Check, Finding, Measurement, Metric, Option, Severity, Status
from meetcheck.hookimpl import hookimpl

__version__ = "0.1.0"
__all__ = [
    "Check", "Finding", "Measurement", "Metric", "Option", "Severity", "Status", "hookimpl",
    "__version__",
]  # fmt: skip
