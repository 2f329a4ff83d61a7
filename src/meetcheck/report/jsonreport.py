"""JSON reports, valid against the schema shipped in ``meetcheck/report/schema``."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

from meetcheck.hookimpl import hookimpl
from meetcheck.report.plain import json_visible
from meetcheck.report.reporter import Reporter


def _finite(obj: Any) -> Any:
    """NaN and infinities are not JSON: a measurement that produced one is written as null."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    return obj


def render(data: dict[str, Any]) -> str:
    text = json.dumps(_finite(data), indent=2, ensure_ascii=False, default=str, allow_nan=False)
    return json_visible(text) + "\n"


@hookimpl
def meetcheck_register_reporters(register: Callable[[Reporter], None]) -> None:
    register(Reporter("json", "machine-readable report (versioned JSON Schema)", ".json", render))
