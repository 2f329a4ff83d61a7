"""A real browser on another origin plays every WHEP channel of the meeting server.

``tests/browser_whep_driver.py`` runs the meeting server (127.0.0.1, one port), a page
server (127.0.0.1, another port: another origin) and headless Chromium inside a fresh
network namespace whose only interface is ``lo``, so no packet can leave loopback; the
page (``tests/browser_player.html``) plays each channel with ``RTCPeerConnection`` and
``fetch`` exactly as a WHEP web player would, then reports ``getStats()`` figures. The
driver prints them as one JSON line, which these tests check.

Needs Chromium (``apt-get install -y chromium``; or ``MEETCHECK_CHROMIUM``) and
``unshare`` (util-linux) with the right to create network and pid namespaces (root, or
unprivileged user namespaces); skipped with the reason otherwise.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from meetcheck.server.config import DEFAULT_CHANNELS

HERE = Path(__file__).resolve().parent
DRIVER = HERE / "browser_whep_driver.py"
CHANNELS = [code for code, _ in DEFAULT_CHANNELS]
UNKNOWN = "de"  # a real language, but not a channel of the server
DRIVER_TIMEOUT = 60  # the driver's own hard limit (s)
LOOPBACK = "127.0.0.1"


def _chromium() -> str:
    path = os.environ.get("MEETCHECK_CHROMIUM") or shutil.which("chromium") or ""
    if not path or not os.access(path, os.X_OK):
        pytest.skip("Chromium not found (apt-get install -y chromium, or set MEETCHECK_CHROMIUM)")
    return path


def _namespace_command() -> list[str]:
    """``unshare`` for a fresh network namespace (and a pid namespace, so that nothing
    Chromium starts can outlive the driver), as root or through a user namespace."""
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("unshare (util-linux) not found: cannot make a loopback-only namespace")
    base = [unshare, "--net", "--pid", "--fork", "--kill-child", "--mount-proc"]
    reasons = []
    for command in (base, base[:1] + ["--map-root-user"] + base[1:]):
        probe = subprocess.run(command + ["true"], capture_output=True, text=True, timeout=20)
        if probe.returncode == 0:
            return command
        reasons.append(probe.stderr.strip() or f"status {probe.returncode}")
    pytest.skip(f"cannot create a network namespace with unshare: {'; '.join(reasons)}")


def run_driver(*args: str) -> dict[str, Any]:
    command = _namespace_command() + [
        sys.executable,
        str(DRIVER),
        "--chromium",
        _chromium(),
        "--timeout",
        str(DRIVER_TIMEOUT),
        *args,
    ]
    try:
        proc = subprocess.run(
            command, capture_output=True, text=True, timeout=DRIVER_TIMEOUT + 30, cwd=HERE
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"the browser driver ran over {exc.timeout} s:\n{exc.stderr}")
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if not lines:
        pytest.fail(
            f"the driver printed no JSON (status {proc.returncode}):\n"
            f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        )
    out = json.loads(lines[-1])
    if proc.returncode != 0 or "error" in out:
        keep = {k: out.get(k) for k in ("error", "partial", "page", "chromium_log_tail")}
        pytest.fail(
            f"browser run failed (status {proc.returncode}): {out.get('error')}\n"
            f"{json.dumps(keep, indent=1)[-6000:]}\nstderr:\n{proc.stderr[-3000:]}"
        )
    return out


@pytest.fixture(scope="module")
def browser() -> dict[str, Any]:
    """All seven channels from a page whose origin is the one allowed origin."""
    return run_driver("--cors", "page", "--sample-ms", "2000", "--unknown", UNKNOWN)


@pytest.fixture(scope="module")
def browser_wildcard() -> dict[str, Any]:
    """One channel with the server's default ``cors_origins = ["*"]``."""
    return run_driver("--cors", "*", "--channels", "en", "--sample-ms", "1000", "--unknown", "xx")


def check_channel(out: dict[str, Any], code: str) -> dict[str, Any]:
    r = out["page"]["channels"][code]
    assert "error" not in r, r["error"]
    # POST: 201, and Location readable cross-origin (exposed by CORS)
    assert r["post_status"] == 201
    assert r["location"], "Location not visible to the page: not in Access-Control-Expose-Headers"
    path = urlsplit(r["location"]).path
    assert path.startswith(f"/whep/{code}/") and len(path) > len(f"/whep/{code}/"), path
    assert r["etag"]
    assert r["content_type"].startswith("application/sdp")
    # ICE and DTLS up
    assert r["connection_state"] == "connected", r["connection_states"]
    # media: Opus, flowing, not silence
    st = r["stats"]
    assert st["codec"].lower() == "audio/opus", st["codec"]
    assert st["clock_rate"] == 48000
    assert st["packets_received"] > 25, st
    assert st["total_audio_energy"] > 0, f"silence (or not played out): {st}, play={r['play']}"
    assert st["audio_level_max"] > 0
    assert r["play"] == "playing"
    # every address on loopback: the selected pair, and every candidate either side signalled
    pair = r["candidate_pair"]
    # the selected pair has answered checks: Chromium reports it "in-progress" while a
    # consent-freshness check is in flight (seen in CI), with the RTT of the last answer
    assert pair and pair["nominated"], pair
    assert pair["state"] == "succeeded" or (
        pair["state"] == "in-progress" and pair["rtt_s"] is not None
    ), pair
    assert pair["local"]["address"] == LOOPBACK, pair
    assert pair["remote"]["address"] == LOOPBACK, pair
    assert r["answer_candidates"] and set(r["answer_candidates"]) == {LOOPBACK}
    assert set(r["offer_candidates"]) <= {LOOPBACK}
    assert all(c["address"] in (LOOPBACK, "0.0.0.0", "::") for c in r["local_candidates"])
    # DELETE (preflighted: not a simple method) ended the session
    assert r["delete_status"] == 200, r.get("delete_error")
    assert urlsplit(r["session_url"]).path == path
    return r


def preflights(out: dict[str, Any], code: str) -> list[str]:
    """The server's access log for one channel as "METHOD kind status" lines, in order."""
    seen = []
    for rec in out["access_log"]:
        p = rec["path"]
        if p == f"/whep/{code}" or p.startswith(f"/whep/{code}/"):
            kind = "session" if p.startswith(f"/whep/{code}/") else "endpoint"
            seen.append(f"{rec['method']} {kind} {rec['status']}")
    return seen


# -- the tests ---------------------------------------------------------------------------
def test_runs_in_a_loopback_only_namespace(browser):
    assert browser["interfaces"] == ["lo"]
    assert browser["teardown_errors"] == []
    page = browser["page"]
    assert urlsplit(page["page_origin"]).hostname == LOOPBACK
    assert urlsplit(page["server"]).hostname == LOOPBACK
    assert page["page_origin"] != page["server"], "the page must be another origin"
    assert browser["server"]["cors_origins"] == [page["page_origin"]]
    assert "HeadlessChrome" in page["user_agent"]
    assert list(page["channels"]) == CHANNELS


@pytest.mark.parametrize("code", CHANNELS)
def test_browser_plays_channel(browser, code, record_property):
    r = check_channel(browser, code)
    st = r["stats"]
    for key in ("ms_post_to_connected", "ms_post_to_first_packet", "post_ms"):
        record_property(key, r[key])
    record_property("packets_per_s", st["packets_per_s"])
    # the browser preflighted both the POST (application/sdp) and the DELETE
    assert preflights(browser, code) == [
        "OPTIONS endpoint 200",
        "POST endpoint 201",
        "OPTIONS session 200",
        "DELETE session 200",
    ]


def test_unknown_channel_is_a_readable_404(browser):
    u = browser["page"]["unknown_channel"]
    # status visible to JS: the error response carries CORS headers too (an opaque
    # network error would be a TypeError, status None)
    assert u["status"] == 404, u
    assert "error" not in u
    assert u["content_type"].startswith("application/problem+json")
    assert u["problem"]["status"] == 404
    assert UNKNOWN in u["problem"]["detail"]
    assert preflights(browser, UNKNOWN) == ["OPTIONS endpoint 200", "POST endpoint 404"]


def test_no_session_left_open(browser):
    n = len(CHANNELS)
    for sessions in (browser["healthz_after"], browser["page"]["healthz_from_page"]["sessions"]):
        assert sessions["total"] == 0 and sessions["whep"] == 0, sessions
        assert set(sessions["by_channel"].values()) == {0}
        assert sessions["opened"] == n and sessions["closed"] == n, sessions
        assert sessions["reaped"] == 0  # closed by DELETE, not by the idle reaper


def test_wildcard_cors_default(browser_wildcard):
    """The same from a page when the server allows any origin (its default)."""
    assert browser_wildcard["server"]["cors_origins"] == ["*"]
    check_channel(browser_wildcard, "en")
    assert browser_wildcard["page"]["unknown_channel"]["status"] == 404
    assert browser_wildcard["healthz_after"]["total"] == 0
