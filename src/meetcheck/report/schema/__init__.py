"""The JSON Schema of the report, shipped inside the package so tools can validate
reports offline against the exact version that wrote them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from meetcheck.report.model import SCHEMA_VERSION

SCHEMA_FILE = f"report-{SCHEMA_VERSION}.schema.json"


def schema_path() -> Path:
    """Where the schema for this meetcheck's report version is installed."""
    return Path(__file__).with_name(SCHEMA_FILE)


def load_schema() -> dict[str, Any]:
    """The schema as a dict (draft 2020-12), e.g. for ``jsonschema.validate``."""
    return json.loads(schema_path().read_text(encoding="utf-8"))
