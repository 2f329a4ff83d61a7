"""``meetcheck report render``: a saved JSON report re-renders to what the live run wrote,
and bad input or unwritable outputs give one clear line and exit code 2."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from support.reports import ONLY, run_cli

from meetcheck.cli import cli

FORMATS = {"json": "json", "html": "html", "junit": "xml", "text": "txt"}


@pytest.fixture
def root(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def live(root):
    """A real run writing every built-in format; returns the output directory."""
    out = root / "live"
    args = [a for fmt, ext in FORMATS.items() for a in ("--format", fmt, "-o", f"{out}/r.{ext}")]
    result = run_cli(root, *ONLY, *args)
    assert result.exit_code == 1, result.output
    return out


def render(*args: str):
    return CliRunner().invoke(cli, ["report", "render", *args], catch_exceptions=False)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_saved_json_renders_byte_equal_to_the_live_run(live, root, fmt):
    ext = FORMATS[fmt]
    out = root / f"again.{ext}"
    result = render(str(live / "r.json"), "--format", fmt, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == (live / f"r.{ext}").read_bytes()


def test_format_follows_the_output_suffix(live, root):
    result = render(str(live / "r.json"), "-o", str(root / "x.html"), "-o", str(root / "x.xml"))
    assert result.exit_code == 0, result.output
    assert (root / "x.html").read_bytes() == (live / "r.html").read_bytes()
    assert (root / "x.xml").read_bytes() == (live / "r.xml").read_bytes()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "not a JSON report"),
        ("[1, 2]", "not a meetcheck report"),
        ('{"verdict": "READY"}', "not a meetcheck report: missing key 'schema_version'"),
        (None, "schema_version 2.0 is not supported"),
        ("results-no-status", "not a valid meetcheck report at results/0: 'status'"),
        ("summary-list", "not a valid meetcheck report at summary"),
    ],
    ids=["bad-json", "not-an-object", "not-a-report", "wrong-major", "no-status", "summary"],
)
def test_bad_report_is_one_line_naming_the_file(live, root, content, expected):
    path = root / "bad.json"
    data = json.loads((live / "r.json").read_text(encoding="utf-8"))
    if content is None:  # a real report from a future major version
        data["schema_version"] = "2.0"
        content = json.dumps(data)
    elif content == "results-no-status":  # right top level, broken inside
        del data["results"][0]["status"]
        content = json.dumps(data)
    elif content == "summary-list":
        data["summary"] = [1, 2]
        content = json.dumps(data)
    path.write_text(content, encoding="utf-8")
    result = render(str(path), "--format", "html", "-o", str(root / "out.html"))
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"meetcheck: error: {path}: ")
    assert expected in lines[0]
    assert not (root / "out.html").exists()


def test_missing_report_file(root):
    result = render(str(root / "nope.json"), "--format", "html")
    assert result.exit_code == 2
    assert result.stderr.strip() == f"meetcheck: error: {root / 'nope.json'}: report not found"


def test_unwritable_output_is_reported_and_the_others_are_written(live, root):
    blocker = root / "a-file"
    blocker.write_text("not a directory\n", encoding="utf-8")
    bad = blocker / "out.html"
    good = root / "out.xml"
    result = render(str(live / "r.json"), "--format", "html", "-o", str(bad),
                    "--format", "junit", "-o", str(good))  # fmt: skip
    assert result.exit_code == 2
    assert f"meetcheck: error: cannot write html report to {bad}" in result.stderr
    assert good.read_bytes() == (live / "r.xml").read_bytes()
    assert blocker.read_text(encoding="utf-8") == "not a directory\n"


def test_unwritable_output_in_a_live_run(root):
    blocker = root / "a-file"
    blocker.write_text("x", encoding="utf-8")
    good = root / "ok.json"
    result = run_cli(root, "--only", "system.os", "--format", "html", "-o",
                     str(blocker / "r.html"), "--format", "json", "-o", str(good))  # fmt: skip
    assert result.exit_code == 2
    assert "cannot write html report to" in result.stderr
    assert json.loads(good.read_text(encoding="utf-8"))["verdict"] == "READY"


def test_json_writes_non_finite_numbers_as_null():
    from meetcheck.report.jsonreport import render as render_json

    text = render_json({"a": float("nan"), "b": [float("inf"), 1.5]})
    assert json.loads(text) == {"a": None, "b": [None, 1.5]}
