"""network.throughput against meetcheck serve's /throughput endpoints, through a TCP relay
paced to known rates (the ground truth)."""

from __future__ import annotations

import time

import pytest
from support.impair import TcpRelay

from meetcheck.checks.network.throughput import Throughput
from meetcheck.server.app import serve_in_thread
from meetcheck.server.config import ServerConfig
from meetcheck.testing import assert_status, measurement, run_check_sync

TOKEN = "tp-secret-token-123456"


@pytest.fixture(scope="module")
def server():
    with serve_in_thread(ServerConfig(programme_seconds=2, stun=False, token=TOKEN)) as srv:
        yield srv


def _port(server) -> int:
    return int(server.base_url.rsplit(":", 1)[1])


def _meeting(base: str, token: str = TOKEN) -> dict:
    return {
        "throughput": {
            "download_url": base + "/throughput/download",
            "upload_url": base + "/throughput/upload",
            "token": token,
        }
    }


def test_rates_match_a_paced_path(server) -> None:
    with TcpRelay(("127.0.0.1", _port(server)), down_mbps=8, up_mbps=3) as relay:
        start = time.monotonic()
        result = run_check_sync(
            Throughput,
            meeting=_meeting(f"http://127.0.0.1:{relay.port}"),
            profile={"thresholds": {"download_mbps": {"warn": 4, "fail": 2, "source": "test"}}},
        )
        took = time.monotonic() - start
        assert relay.bytes_down > 0 and relay.bytes_up > 0
    assert_status(result, "PASS")
    assert measurement(result, "download_mbps") == pytest.approx(8, rel=0.10)
    assert measurement(result, "upload_mbps") == pytest.approx(3, rel=0.10)
    assert measurement(result, "download_stable") is True
    assert took < 2 * 3.0 + 2  # two directions, each bounded by max_seconds


def test_a_fast_path_stops_early(server) -> None:
    start = time.monotonic()
    result = run_check_sync(Throughput, meeting=_meeting(server.base_url))
    assert time.monotonic() - start < 4
    assert measurement(result, "download_mbps") > 100
    assert measurement(result, "upload_mbps") > 100


def test_the_time_bound_holds_when_the_rate_never_settles(server) -> None:
    with TcpRelay(("127.0.0.1", _port(server)), down_mbps=2, up_mbps=2) as relay:
        start = time.monotonic()
        result = run_check_sync(
            Throughput,
            meeting=_meeting(f"http://127.0.0.1:{relay.port}"),
            profile={
                "options": {"max_seconds": 1.0, "tolerance_pct": 1, "min_seconds": 1.0},
                "thresholds": {"upload_mbps": {"warn": 4, "source": "Interprefy 4 Mbit/s"}},
            },
        )
        took = time.monotonic() - start
    assert took < 2 * 1.0 + 2.5
    assert measurement(result, "download_mbps") == pytest.approx(2, rel=0.25)
    assert_status(result, "WARN")
    upload = next(f for f in result.findings if f.measurements[0].name == "upload_mbps")
    assert "below 4 Mbit/s" in upload.message
    assert upload.threshold.source == "Interprefy 4 Mbit/s"


def test_a_refused_token_is_the_servers_problem_not_a_slow_link(server) -> None:
    result = run_check_sync(Throughput, meeting=_meeting(server.base_url, token="wrong"))
    assert_status(result, "FAIL")
    assert measurement(result, "status") == 403
    assert "secretariat" in result.findings[0].remediation
    assert "wrong" not in result.findings[0].message


def test_no_endpoint_is_skipped() -> None:
    result = run_check_sync(Throughput, meeting={})
    assert_status(result, "SKIPPED")
    assert "[throughput]" in result.reason


def test_a_required_check_without_its_endpoint_fails() -> None:
    result = run_check_sync(Throughput, meeting={}, profile={"required": True})
    assert_status(result, "FAIL")
    assert "which this profile requires" in result.findings[0].message
