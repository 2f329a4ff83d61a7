"""network.media: a real aiortc call to meetcheck serve's /echo, on loopback, and through
coturn (relay only) with the impairment relay in front of it, whose counters and settings
are the ground truth."""

from __future__ import annotations

import threading
import time

import pytest
from support.certs import make_pki
from support.coturn import have_coturn, run_coturn
from support.impair import Direction, Impairment, UdpRelay
from support.serve_proc import serve_process

from meetcheck.checks.network.media import MediaPath
from meetcheck.server.app import serve_in_thread
from meetcheck.server.config import ServerConfig
from meetcheck.testing import assert_status, measurement, run_check_sync


@pytest.fixture(scope="module")
def serve():
    with serve_process() as sp:
        yield sp


def _echo(serve, **extra) -> dict:
    return {"echo": dict(serve.meeting["echo"]), **extra}


def test_a_clean_call_passes_with_every_figure(serve) -> None:
    result = run_check_sync(MediaPath, meeting=_echo(serve))
    assert_status(result, "PASS")
    assert measurement(result, "candidate_type") == "host/udp"
    assert 0 < measurement(result, "rtt_ms") < 50
    assert measurement(result, "loss_pct") == 0
    assert measurement(result, "burst_loss_pct") == 0
    assert measurement(result, "reorder_pct") == 0
    assert 0 <= measurement(result, "jitter_ms") < 20
    # Opus at aiortc's default rate, RTP headers included.
    assert 20 < measurement(result, "bitrate_kbps") < 200
    assert measurement(result, "audio_frames_received") > 50


@pytest.mark.skipif(not have_coturn(), reason="coturn (turnserver) not installed")
def test_impaired_relay_path_matches_the_injected_truth(serve, tmp_path) -> None:
    pki = make_pki(tmp_path / "pki")
    with run_coturn(tmp_path, pki.cert, pki.key) as turn:
        impair = Impairment(
            up=Direction(delay_ms=50, jitter_ms=10, loss=0.05),
            down=Direction(delay_ms=50, jitter_ms=10, loss=0.05),
        )
        with UdpRelay(("127.0.0.1", turn.port), impair, seed=3) as relay:
            server = {
                "urls": [f"turn:127.0.0.1:{relay.port}?transport=udp"],
                "username": turn.user,
                "credential": turn.password,
            }
            result = run_check_sync(
                MediaPath,
                meeting=_echo(serve, ice_servers=[server]),
                # Lost DTLS and SCTP packets are retransmitted after a second or more.
                profile={"options": {"relay_only": True, "seconds": 5, "connect_timeout_s": 25}},
            )
            truth = relay.counters()
    assert_status(result, "PASS")  # no thresholds given: figures only
    assert measurement(result, "candidate_type") == "relay/udp"
    up = truth["up_dropped"] / (truth["up_dropped"] + truth["up_forwarded"])
    down = truth["down_dropped"] / (truth["down_dropped"] + truth["down_forwarded"])
    expected = 100 * (1 - (1 - up) * (1 - down))
    assert abs(measurement(result, "loss_pct") - expected) < 5
    assert abs(measurement(result, "up_loss_pct") - 100 * up) < 4
    assert 95 <= measurement(result, "rtt_ms") <= 130
    # +-10 ms uniform each way: consecutive one-way transits differ by 6.5 ms on average
    # (RFC 3550 jitter of our audio as the server received it), round trips by 9.2 ms.
    assert 3 < measurement(result, "jitter_ms") < 12
    assert 6 < measurement(result, "probe_jitter_ms") < 14
    assert measurement(result, "burst_loss_pct") >= measurement(result, "loss_pct")


@pytest.mark.skipif(not have_coturn(), reason="coturn (turnserver) not installed")
def test_udp_blocked_fails_within_the_connect_timeout(serve, tmp_path) -> None:
    pki = make_pki(tmp_path / "pki")
    with run_coturn(tmp_path, pki.cert, pki.key) as turn:
        with UdpRelay(("127.0.0.1", turn.port), Impairment(drop_all=True)) as relay:
            server = {
                "urls": [f"turn:127.0.0.1:{relay.port}"],
                "username": turn.user,
                "credential": turn.password,
            }
            start = time.monotonic()
            result = run_check_sync(
                MediaPath,
                meeting=_echo(serve, ice_servers=[server]),
                profile={"options": {"relay_only": True, "connect_timeout_s": 3}},
            )
    assert time.monotonic() - start < 8
    assert_status(result, "FAIL")
    assert measurement(result, "failure") == "connect"
    assert "UDP" in result.findings[0].remediation


def test_a_refused_token_is_reported_as_such() -> None:
    with serve_in_thread(ServerConfig(programme_seconds=2, stun=False, token="right-token")) as srv:
        echo = {"url": srv.echo_url, "token": "wrong-token"}
        result = run_check_sync(MediaPath, meeting={"echo": echo})
    assert_status(result, "FAIL")
    assert measurement(result, "failure") == "refused"
    assert measurement(result, "status") == 403
    assert "wrong-token" not in result.findings[0].message
    assert "secretariat" in result.findings[0].remediation


def test_echo_endpoint_vanishing_mid_test_is_a_finding_not_a_hang() -> None:
    results: list = []
    with serve_in_thread(ServerConfig(programme_seconds=2, stun=False)) as srv:
        meeting = {"echo": {"url": srv.echo_url}}

        def run() -> None:
            options = {"options": {"seconds": 4}}
            results.append(run_check_sync(MediaPath, meeting=meeting, profile=options))

        caller = threading.Thread(target=run)
        start = time.monotonic()
        caller.start()
        time.sleep(1.5)  # connected and measuring; leaving the block stops the server
    caller.join(timeout=20)
    assert not caller.is_alive()
    assert time.monotonic() - start < 12
    result = results[0]
    assert_status(result, "FAIL")
    assert measurement(result, "failure") == "ended"
    assert "ended during the test" in result.findings[0].message


def test_no_echo_endpoint_is_skipped() -> None:
    result = run_check_sync(MediaPath, meeting={})
    assert_status(result, "SKIPPED")
    assert "[echo]" in result.reason


def test_an_echo_server_that_is_down_is_unreachable_not_a_hang() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    start = time.monotonic()
    result = run_check_sync(MediaPath, meeting={"echo": {"url": f"http://127.0.0.1:{port}/echo"}})
    assert time.monotonic() - start < 5
    assert_status(result, "FAIL")
    assert measurement(result, "failure") == "unreachable"
    assert "secretariat" in result.findings[0].remediation


@pytest.mark.skipif(not have_coturn(), reason="coturn (turnserver) not installed")
def test_a_call_relayed_over_tcp_says_so(serve, tmp_path) -> None:
    pki = make_pki(tmp_path / "pki")
    with run_coturn(tmp_path, pki.cert, pki.key) as turn:
        server = turn.ice_server(transports=("tcp",))
        result = run_check_sync(
            MediaPath,
            meeting=_echo(serve, ice_servers=[server]),
            profile={"options": {"relay_only": True, "seconds": 1}},
        )
    assert_status(result, "WARN")  # works, with more delay: UDP is better
    assert measurement(result, "candidate_type") == "relay/tcp"
    assert "relay/tcp" in result.findings[-1].message
    assert measurement(result, "loss_pct") == 0
