"""The shipped JSON Schema describes exactly what real runs write."""

from __future__ import annotations

import copy
from pathlib import Path

import jsonschema
import pytest
from support.reports import run_json

import meetcheck
from meetcheck.report.model import SCHEMA_ID, SCHEMA_VERSION
from meetcheck.report.schema import load_schema, schema_path

VALIDATOR = jsonschema.Draft202012Validator


@pytest.fixture
def root(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no stray ./plugins directory
    return tmp_path


@pytest.fixture
def validator():
    return VALIDATOR(load_schema(), format_checker=VALIDATOR.FORMAT_CHECKER)


def assert_valid(validator, data):
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_schema_ships_in_the_package_and_matches_the_model():
    path = schema_path()
    assert path.is_file()
    assert Path(meetcheck.__file__).parent in path.parents
    schema = load_schema()
    VALIDATOR.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == SCHEMA_ID
    assert schema["properties"]["schema_version"] == {"const": SCHEMA_VERSION}
    assert schema["$defs"]["verdict"]["enum"] == [
        "READY",
        "READY WITH WARNINGS",
        "NOT READY",
        "INCOMPLETE",
    ]


def test_mixed_run_with_every_status_validates(root, validator):
    result, data = run_json(root)
    assert result.exit_code == 1, result.output
    assert data["verdict"] == "NOT READY"
    by_id = {r["id"]: r["status"] for r in data["results"]}
    assert by_id == {
        "system.os": "PASS",
        "x.rtt": "PASS",
        "x.jitter": "WARN",
        "x.bitrate": "FAIL",
        "x.boom": "ERROR",
        "x.slow": "TIMEOUT",
        "x.after": "SKIPPED",
        "y.hostile": "WARN",
    }
    assert data["environment"]["plugin_errors"][0]["plugin"] == "broken"
    assert data["meeting"]["channels"] == ["floor", "fr"]
    assert_valid(validator, data)


@pytest.mark.parametrize(
    ("only", "verdict", "code"),
    [
        (["system.os"], "READY", 0),
        (["x.jitter"], "READY WITH WARNINGS", 0),
        (["x.bitrate"], "NOT READY", 1),
        (["x.boom", "x.slow"], "INCOMPLETE", 3),
    ],
)
def test_every_verdict_validates(root, validator, only, verdict, code):
    args = [a for o in only for a in ("--only", o)]
    result, data = run_json(root, *args, meeting=False)
    assert (result.exit_code, data["verdict"]) == (code, verdict), result.output
    assert data["meeting"] is None
    assert_valid(validator, data)


def test_builtin_system_checks_validate(root, validator):
    """The shipped checks' own findings (not just the test plugin's) fit the schema."""
    result, data = run_json(root, "--only", "system")
    assert data["results"], result.output
    assert_valid(validator, data)


def test_extra_objects_are_the_extension_point(root, validator):
    _, data = run_json(root, "--only", "x.bitrate")
    data["extra"] = {"ci": {"job": 7}}
    data["environment"]["extra"] = {"gpu": "none"}
    data["results"][0]["extra"] = {"samples": [1, 2]}
    data["results"][0]["findings"][0]["extra"] = {"raw": None}
    assert_valid(validator, data)


def _set(path, value):
    def mutate(d):
        *parents, last = path
        for p in parents:
            d = d[p]
        d[last] = value

    return mutate


def _delete(path):
    def mutate(d):
        *parents, last = path
        for p in parents:
            d = d[p]
        del d[last]

    return mutate


PASS_FINDING = {"status": "PASS", "message": "", "remediation": "", "measurements": [],
                "threshold": None}  # fmt: skip
# results[0] is x.bitrate (FAIL, two findings), results[1] x.boom (ERROR), results[2] x.jitter.
MUTATIONS = {
    "unknown verdict": _set(["verdict"], "ALMOST READY"),
    "unknown status": _set(["results", 0, "status"], "OK"),
    "check sets a runner status": _set(["results", 0, "findings", 0, "status"], "ERROR"),
    "missing id": _delete(["results", 0, "id"]),
    "unknown top-level key": _set(["colour"], "red"),
    "unknown result key": _set(["results", 0, "colour"], "red"),
    "object as measurement value": _set(
        ["results", 0, "findings", 0, "measurements", 0, "value"], {"a": 1}
    ),
    "bad direction": _set(["results", 0, "findings", 0, "threshold", "direction"], "sideways"),
    "string threshold": _set(["results", 0, "findings", 0, "threshold", "warn"], "1000"),
    "other major version": _set(["schema_version"], "2.0"),
    "ERROR with findings": _set(["results", 1, "findings"], [PASS_FINDING]),
    "WARN without findings": _set(["results", 2, "findings"], []),
    "negative count": _set(["summary", "PASS"], -1),
    "missing summary status": _delete(["summary", "TIMEOUT"]),
    "bad digest": _set(["profile", "digest"], "md5:abc"),
    "upper-case id": _set(["results", 0, "id"], "X.Bitrate"),
    "no environment": _delete(["environment"]),
    "extra is not an object": _set(["extra"], [1]),
}


@pytest.fixture
def small_report(root):
    _, data = run_json(root, "--only", "x.bitrate", "--only", "x.boom", "--only", "x.jitter")
    assert [r["id"] for r in data["results"]] == ["x.bitrate", "x.boom", "x.jitter"]
    return data


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_mutated_report_fails_validation(small_report, validator, name):
    assert_valid(validator, small_report)
    data = copy.deepcopy(small_report)
    MUTATIONS[name](data)
    assert list(validator.iter_errors(data)), f"{name}: still valid"
