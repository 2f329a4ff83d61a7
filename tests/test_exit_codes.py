"""Every verdict and its exit code, through the real CLI and real (test) check plugins."""

import json

import pytest
from click.testing import CliRunner
from support.helpers import write_profile

from meetcheck.cli import cli

PROFILE = """
[defaults]
required = true
timeout = 5
[checks."t.pass"]
[checks."t.boom"]
[checks."t.slow"]
timeout = 0.2
[checks."t.warn"]
required = {warn_required}
[checks."t.fail"]
required = {fail_required}
"""


def run(status_plugins, tmp_path, only, *extra, warn_required="true", fail_required="true"):
    profile = write_profile(
        tmp_path / "p.toml",
        PROFILE.format(warn_required=warn_required, fail_required=fail_required),
    )
    out = tmp_path / "r.json"
    args = ["--plugins-dir", str(status_plugins), "check", "-q", "--profile", str(profile)]
    for o in only:
        args += ["--only", o]
    result = CliRunner().invoke(cli, [*args, "--format", "json", "-o", str(out), *extra])
    report = json.loads(out.read_text()) if out.exists() else None
    return result, report


@pytest.mark.parametrize(
    ("only", "verdict", "code"),
    [
        (["t.pass"], "READY", 0),
        (["t.pass", "t.warn"], "READY WITH WARNINGS", 0),
        (["t.pass", "t.fail"], "NOT READY", 1),
        (["t.pass", "t.boom"], "INCOMPLETE", 3),
        (["t.slow"], "INCOMPLETE", 3),
        (["t.fail", "t.boom"], "NOT READY", 1),  # a failure outranks a missing result
    ],
)
def test_verdicts_and_exit_codes(status_plugins, tmp_path, only, verdict, code):
    result, report = run(status_plugins, tmp_path, only)
    assert result.exit_code == code, result.output
    assert report["verdict"] == verdict
    assert f"Verdict: {verdict}" in result.output


def test_strict_turns_warnings_into_exit_1(status_plugins, tmp_path):
    result, report = run(status_plugins, tmp_path, ["t.warn"], "--strict")
    assert report["verdict"] == "READY WITH WARNINGS"
    assert result.exit_code == 1


def test_advisory_failure_only_warns(status_plugins, tmp_path):
    result, report = run(status_plugins, tmp_path, ["t.pass", "t.fail"], fail_required="false")
    assert report["verdict"] == "READY WITH WARNINGS"
    assert result.exit_code == 0
    fail = next(r for r in report["results"] if r["id"] == "t.fail")
    assert fail["required"] is False and fail["status"] == "FAIL"


def test_error_and_timeout_are_recorded_with_reasons(status_plugins, tmp_path):
    _, report = run(status_plugins, tmp_path, ["t.boom", "t.slow", "t.pass"])
    by_id = {r["id"]: r for r in report["results"]}
    assert by_id["t.boom"]["status"] == "ERROR"
    assert "RuntimeError: t.boom exploded" in by_id["t.boom"]["reason"]
    assert by_id["t.slow"]["status"] == "TIMEOUT"
    assert "0.2 s" in by_id["t.slow"]["reason"]
    assert by_id["t.pass"]["status"] == "PASS"  # the run went on
    assert [r["id"] for r in report["results"]] == sorted(by_id)  # deterministic order


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "--profile", "no-such-profile"], "profile 'no-such-profile' not found"),
        (["check", "--meeting", "missing.toml"], "missing.toml: meeting file not found"),
        (["check", "--only", "nothing.here"], "--only nothing.here: matches no check"),
        (["check", "--format", "pdf"], "--format pdf: unknown format"),
        (["check", "--format", "json", "--format", "text"], "only one format can go"),
        (["check", "-o", "report.weird"], "cannot tell the format"),
        (["check", "--timezone", "Mars/Olympus"], "unknown time zone 'Mars/Olympus'"),
        (["check", "--audio", "nope.wav"], "--audio nope.wav: file not found"),
        (["-p", "oops", "check"], "-p oops: expected 'no:NAME'"),
    ],
)
def test_bad_usage_exits_2_with_one_line(tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("meetcheck: error")]
    assert len(errors) == 1


def test_click_usage_error_is_exit_2():
    result = CliRunner().invoke(cli, ["check", "--role", "boss"])
    assert result.exit_code == 2


def test_dash_output_means_the_terminal(status_plugins, tmp_path):
    result, report = run(status_plugins, tmp_path, ["t.pass"], "--format", "text", "-o", "-")
    assert result.exit_code == 0
    assert not (tmp_path / "-").exists()
    # the text report on stdout carries the verdict; it is not repeated as an extra line
    assert result.output.count("Verdict: READY") == 1
    assert "[ok] PASS    t.pass" in result.output
