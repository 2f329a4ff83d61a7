"""`meetcheck demo` end to end: embedded server on loopback, generated audio, HTML report."""

import json
import subprocess
import sys

import jsonschema

from meetcheck.report.schema import load_schema


def test_demo_runs_offline_and_writes_reports(tmp_path):
    html, js = tmp_path / "demo.html", tmp_path / "demo.json"
    proc = subprocess.run(
        [sys.executable, "-m", "meetcheck", "demo", "-q", "-o", str(html), "--json", str(js)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert proc.returncode in (0, 1), proc.stderr  # READY (WITH WARNINGS) or NOT READY
    assert "Traceback" not in proc.stderr
    report = json.loads(js.read_text())
    jsonschema.validate(report, load_schema())
    assert proc.stdout.startswith(f"Verdict: {report['verdict']}")
    by_id = {r["id"]: r for r in report["results"]}
    # the clock check measured against the embedded server, not a public host
    clock = by_id["system.clock"]
    assert clock["status"] == "PASS"
    host = next(m["value"] for m in clock["findings"][0]["measurements"] if m["name"] == "host")
    assert host.startswith("http://127.0.0.1:")
    assert report["meeting"]["name"] and len(report["meeting"]["channels"]) == 7
    # the personal demo link is redacted in every report
    assert "/join/" in report["participant"]["link"] and "\u2026" in report["participant"]["link"]
    page = html.read_text()
    assert report["verdict"] in page and "<script src" not in page
