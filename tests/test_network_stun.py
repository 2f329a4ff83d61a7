"""network.stun against meetcheck serve's STUN responder, through the seeded impairment
relay whose counters are the ground truth."""

from __future__ import annotations

import socket

import pytest
from support.impair import Direction, Impairment, UdpRelay

from meetcheck.checks.network.stun import StunProbe
from meetcheck.server.app import serve_in_thread
from meetcheck.server.config import ServerConfig
from meetcheck.testing import assert_status, measurement, run_check_sync


@pytest.fixture(scope="module")
def server():
    with serve_in_thread(ServerConfig(host="127.0.0.1", port=0, stun_port=0)) as srv:
        yield srv


def _meeting(server, stun_port: int) -> dict:
    return {
        "platform": {"url": server.base_url + "/"},
        "ice_servers": [{"urls": [f"stun:127.0.0.1:{stun_port}"]}],
    }


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_impaired_path_matches_the_relays_ground_truth(server) -> None:
    impair = Impairment(
        up=Direction(delay_ms=50, jitter_ms=10, loss=0.05),
        down=Direction(delay_ms=50, jitter_ms=10, loss=0.05),
    )
    with UdpRelay(("127.0.0.1", server.stun_port), impair, seed=7) as relay:
        result = run_check_sync(
            StunProbe,
            meeting=_meeting(server, relay.port),
            profile={"options": {"probes": 100}},
        )
        truth = relay.counters()
    sent = measurement(result, "probes")
    assert sent == 100 == truth["up_forwarded"] + truth["up_dropped"]
    true_loss = 100 * (truth["up_dropped"] + truth["down_dropped"]) / sent
    assert true_loss > 2  # the relay really dropped packets both ways
    assert truth["up_dropped"] > 0 and truth["down_dropped"] > 0
    assert abs(measurement(result, "loss_pct") - true_loss) <= 1.5
    assert measurement(result, "rtt_ms") == pytest.approx(100, rel=0.10)
    # Uniform +-10 ms each way: consecutive RTTs differ by about 9 ms on average.
    assert 3 < measurement(result, "jitter_ms") < 20
    assert measurement(result, "rtt_p95_ms") >= measurement(result, "rtt_ms")
    assert measurement(result, "srflx").startswith("127.0.0.1:")


def test_clean_path_has_no_loss(server) -> None:
    with UdpRelay(("127.0.0.1", server.stun_port), seed=1) as relay:
        result = run_check_sync(StunProbe, meeting=_meeting(server, relay.port))
        truth = relay.counters()
    assert_status(result, "PASS")
    assert measurement(result, "loss_pct") == 0
    assert truth["up_dropped"] == truth["down_dropped"] == 0
    assert measurement(result, "rtt_ms") < 20
    assert measurement(result, "probes") == 50


def test_udp_blocked_is_told_apart_from_a_server_that_is_down(server) -> None:
    with UdpRelay(("127.0.0.1", server.stun_port), Impairment(drop_all=True)) as relay:
        blocked = run_check_sync(
            StunProbe,
            meeting=_meeting(server, relay.port),
            profile={"options": {"probes": 10, "wait_ms": 300}},
        )
    assert_status(blocked, "FAIL")
    assert measurement(blocked, "diagnosis") == "udp blocked"
    assert "UDP is blocked on this network" in blocked.findings[0].message
    assert "UDP" in blocked.findings[0].remediation

    # Nothing listens on UDP nor TCP: the server is down, not the delegate's network.
    port = _free_udp_port()
    down = run_check_sync(
        StunProbe,
        meeting={
            "platform": {"url": f"http://127.0.0.1:{port}/"},
            "ice_servers": [{"urls": [f"stun:127.0.0.1:{port}"]}],
        },
        profile={"options": {"probes": 10, "wait_ms": 300}},
    )
    assert_status(down, "FAIL")
    assert measurement(down, "diagnosis") == "server down"
    assert "secretariat" in down.findings[0].remediation


def test_a_late_answer_counts_as_lost(server) -> None:
    # 400 ms each way, answers accepted for 300 ms after the last probe: only the first
    # probes' answers (sent early enough) come back in time.
    slow = Impairment(up=Direction(delay_ms=200), down=Direction(delay_ms=200))
    with UdpRelay(("127.0.0.1", server.stun_port), slow) as relay:
        result = run_check_sync(
            StunProbe,
            meeting=_meeting(server, relay.port),
            profile={"options": {"probes": 20, "wait_ms": 300}},
        )
        truth = relay.counters()
    assert truth["down_dropped"] == truth["up_dropped"] == 0
    # Probes leave 20 ms apart over 380 ms; an answer takes 400 ms; the window closes
    # 300 ms after the last: probes sent before 280 ms (14 of 20) are in time.
    assert 20 <= measurement(result, "loss_pct") <= 50


def test_no_stun_server_is_skipped() -> None:
    result = run_check_sync(StunProbe, meeting={"platform": {"url": "http://127.0.0.1:1/"}})
    assert_status(result, "SKIPPED")
    assert "STUN" in result.reason


def test_no_meeting_is_skipped() -> None:
    assert_status(run_check_sync(StunProbe), "SKIPPED")
