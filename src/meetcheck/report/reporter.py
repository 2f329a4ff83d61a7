"""What a report format is. Reporters render the redacted report data, so a saved JSON
report re-renders to exactly what the live run would have written."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Reporter:
    name: str  # the value of --format
    description: str
    extension: str  # used to guess the format from -o PATH
    render: Callable[[dict[str, Any]], str]


def validate_reporter(obj: Any) -> None:
    if not isinstance(obj, Reporter):
        raise TypeError(f"{obj!r} is not a meetcheck.report.reporter.Reporter")
    if not obj.name or not obj.name.isidentifier():
        raise ValueError(f"reporter name {obj.name!r} must be a simple word")
