"""The JUnit XML report: well-formed, counted right, one test case per check."""

from __future__ import annotations

import copy
import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from support.reports import SCRIPT, run_json

from meetcheck.report.junit import render


@pytest.fixture
def run(tmp_path, monkeypatch):
    """A real mixed run that wrote JSON and JUnit; returns (parsed XML root, report dict)."""
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "report.xml"
    result, data = run_json(tmp_path, "--format", "junit", "-o", str(out))
    assert result.exit_code == 1, result.output
    return ET.fromstring(out.read_bytes()), data


def props(el: ET.Element) -> dict[str, str]:
    return {p.get("name"): p.get("value") for p in el.findall("properties/property")}


def test_suite_counts_and_properties(run):
    root, data = run
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert len(suites) == 1
    suite = suites[0]
    assert suite.get("name") == "meetcheck"
    assert {k: suite.get(k) for k in ("tests", "failures", "errors", "skipped")} == {
        "tests": "8",
        "failures": "1",
        "errors": "2",
        "skipped": "1",
    }
    for el in (root, suite):  # the wrapper agrees with its one suite
        assert el.get("tests") == "8" and el.get("failures") == "1"
    cases = suite.findall("testcase")
    assert len(cases) == 8
    assert len(suite.findall("testcase/failure")) == 1
    assert len(suite.findall("testcase/error")) == 2
    assert len(suite.findall("testcase/skipped")) == 1
    assert float(suite.get("time")) == pytest.approx(data["duration_s"], abs=0.001)
    assert dt.datetime.fromisoformat(suite.get("timestamp")).tzinfo is not None
    assert suite.get("timestamp") == data["started_at"]
    p = props(suite)
    assert p["verdict"] == "NOT READY"
    assert p["profile"] == "test-speaker 1.2"
    assert p["profile_digest"] == data["profile"]["digest"]
    assert "broken failed to import: ImportError: needs libfoo" in suite.findtext("system-err")


def test_one_testcase_per_check(run):
    root, data = run
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert list(cases) == [r["id"] for r in data["results"]]
    for r in data["results"]:
        case = cases[r["id"]]
        assert case.get("classname") == f"meetcheck.{r['category']}"
        assert float(case.get("time")) == pytest.approx(r["duration_s"], abs=0.001)
        p = props(case)
        assert p["status"] == r["status"]
        assert p["requirement"] == ("required" if r["required"] else "advisory")


def test_each_status_maps_to_its_element(run):
    root, _ = run
    cases = {c.get("name"): c for c in root.iter("testcase")}

    failure = cases["x.bitrate"].find("failure")
    assert failure.get("message") == "upload 320 kbit/s is below 500 kbit/s"
    assert "measured: upload=320 kbit/s" in failure.text
    assert "threshold: warn < 1000, fail < 500 kbit/s [platform requirements]" in failure.text
    assert "fix: Move closer to the router or use a cable." in failure.text

    error = cases["x.boom"].find("error")
    assert error.get("type") == "ERROR"
    assert error.get("message") == "RuntimeError: device vanished"
    assert "fix: Report this to the secretariat." in error.text

    timeout = cases["x.slow"].find("error")
    assert timeout.get("type") == "TIMEOUT"
    assert "0.2 s" in timeout.get("message")

    skipped = cases["x.after"].find("skipped")
    assert skipped.get("message") == "skipped because x.bitrate ended FAIL"

    warn = cases["x.jitter"]
    assert [c.tag for c in warn] == ["properties", "system-out"]  # passes, but says why
    assert props(warn)["status"] == "WARN"
    assert "WARN: jitter 42.5 ms is above 30 ms" in warn.findtext("system-out")

    passing = cases["x.rtt"]
    assert passing.find("failure") is None and passing.find("error") is None

    hostile = cases["y.hostile"]
    assert props(hostile)["requirement"] == "advisory"
    assert SCRIPT in hostile.findtext("system-out")  # escaped in the file, intact when parsed


def test_text_that_xml_cannot_carry_still_gives_a_well_formed_file(run):
    _, data = run
    data = copy.deepcopy(data)
    bitrate = next(r for r in data["results"] if r["id"] == "x.bitrate")
    bitrate["findings"][0]["message"] = 'red \x1b[31m]]> & "quoted" \x00 <tag>'
    bitrate["title"] = "a\x07b"
    root = ET.fromstring(render(data).encode("utf-8"))
    case = next(c for c in root.iter("testcase") if c.get("name") == "x.bitrate")
    assert case.find("failure").get("message") == 'red \\x1b[31m]]> & "quoted" \\x00 <tag>'
    assert props(case)["title"] == "a\\x07b"
    bitrate["title"] = "lone \udc80 surrogate"  # not a control character, still not XML
    root = ET.fromstring(render(data).encode("utf-8", "surrogatepass"))
    case = next(c for c in root.iter("testcase") if c.get("name") == "x.bitrate")
    assert props(case)["title"] == "lone \ufffd surrogate"
