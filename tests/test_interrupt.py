"""Ctrl-C (SIGINT) and SIGTERM keep what finished and write a report marked INCOMPLETE."""

import json
import signal
import subprocess
import threading
import time

import pytest
from support.helpers import meetcheck_cmd, same_code_env, write_profile
from support.misbehaving_http import hold, serve


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
        cmd,
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=same_code_env(),
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


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_while_the_meeting_file_is_fetched(tmp_path, sig):
    """Before any check started there is no report to write: exit 3 (INCOMPLETE) and one
    line, not click's 'Aborted!' with exit 1 (NOT READY) nor a silent death."""
    seen, release = threading.Event(), threading.Event()
    with serve({"/m.toml": hold(seen, release, 'name = "x"\n')}) as base:
        cmd = meetcheck_cmd(tmp_path, "-q", "--meeting", f"{base}/m.toml")
        proc = subprocess.Popen(
            cmd,
            stderr=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=tmp_path,
            env=same_code_env(),
        )
        try:
            assert seen.wait(30), "meetcheck never asked for the meeting file"
            proc.send_signal(sig)
            out, err = proc.communicate(timeout=20)
        finally:
            release.set()
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode == 3, (out, err)
    assert err.strip().splitlines()[-1] == "meetcheck: interrupted before the checks started"
    assert "Aborted" not in out + err and "Traceback" not in err, err
