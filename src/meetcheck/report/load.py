"""Reading a saved JSON report back, for ``meetcheck report render``."""

from __future__ import annotations

import json
from typing import Any

from meetcheck.errors import InputError
from meetcheck.report.model import SCHEMA_VERSION
from meetcheck.tomlfile import read_text

REQUIRED_KEYS = ("schema_version", "verdict", "summary", "profile", "results", "environment")


def load_report(source: str) -> dict[str, Any]:
    text = read_text(source, "report")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{source}: not a JSON report: {exc.msg} at line {exc.lineno}") from None
    if not isinstance(data, dict):
        raise InputError(f"{source}: not a meetcheck report (expected a JSON object)")
    for key in REQUIRED_KEYS:
        if key not in data:
            raise InputError(f"{source}: not a meetcheck report: missing key {key!r}")
    major = str(data["schema_version"]).split(".")[0]
    if major != SCHEMA_VERSION.split(".")[0]:
        raise InputError(
            f"{source}: schema_version {data['schema_version']} is not supported "
            f"(this meetcheck reads {SCHEMA_VERSION.split('.')[0]}.x)"
        )
    _validate(data, source)
    return data


def _validate(data: dict[str, Any], source: str) -> None:
    """Check the whole report against the shipped schema, so rendering never meets junk."""
    import jsonschema

    from meetcheck.report.schema import load_schema

    error = jsonschema.exceptions.best_match(
        jsonschema.Draft202012Validator(load_schema()).iter_errors(data)
    )
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        raise InputError(f"{source}: not a valid meetcheck report at {where}: {error.message}")
