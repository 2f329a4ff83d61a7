"""Ctrl-C (SIGINT) and SIGTERM keep what finished and write a report marked INCOMPLETE."""

import json
import signal
import subprocess
import time

import pytest
from support.helpers import meetcheck_cmd, write_profile


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_writes_partial_report(status_plugins, tmp_path, sig):
    profile = write_profile(
        tmp_path / "p.toml",
        '[defaults]\nrequired = true\ntimeout = 60\n[checks."t.pass"]\n[checks."t.slow"]\n',
    )
    out_json, out_html = tmp_path / "r.json", tmp_path / "r.html"
    cmd = meetcheck_cmd(
        status_plugins,
        "--profile",
        str(profile),
        "--only",
        "t.pass",
        "--only",
        "t.slow",
        "--format",
        "json",
        "-o",
        str(out_json),
        "--format",
        "text",
        "-o",
        str(out_html),
    )
    proc = subprocess.Popen(
        cmd, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=tmp_path
    )
    deadline = time.monotonic() + 20
    seen = ""
    while "t.pass" not in seen and time.monotonic() < deadline:
        seen += proc.stderr.readline()
    assert "t.pass" in seen, seen
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 3, err
    assert "Traceback" not in err
    report = json.loads(out_json.read_text())
    assert report["interrupted"] is True
    assert report["verdict"] == "INCOMPLETE"
    by_id = {r["id"]: r for r in report["results"]}
    assert by_id["t.pass"]["status"] == "PASS"
    assert by_id["t.slow"]["status"] == "SKIPPED"
    assert "interrupted" in by_id["t.slow"]["reason"]
    assert "INCOMPLETE" in out_html.read_text()
