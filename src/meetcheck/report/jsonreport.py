"""JSON reports, valid against the schema shipped in ``meetcheck/report/schema``."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from meetcheck.hookimpl import hookimpl
from meetcheck.report.reporter import Reporter


def render(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"


@hookimpl
def meetcheck_register_reporters(register: Callable[[Reporter], None]) -> None:
    register(Reporter("json", "machine-readable report (versioned JSON Schema)", ".json", render))
