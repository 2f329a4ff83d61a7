"""network.turn against a real coturn on 127.0.0.1 (TURN over UDP, TCP and TLS with a
certificate the tests make); UDP blocked through the impairment relay."""

from __future__ import annotations

import time

import pytest
from support.certs import make_pki
from support.coturn import have_coturn, run_coturn
from support.impair import Impairment, UdpRelay

from meetcheck.checks.network.turn import TurnRelay
from meetcheck.testing import assert_status, measurement, run_check_sync

pytestmark = pytest.mark.skipif(not have_coturn(), reason="coturn (turnserver) not installed")


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("turnpki"))


@pytest.fixture(scope="module")
def coturn(tmp_path_factory, pki):
    with run_coturn(tmp_path_factory.mktemp("coturn"), pki.cert, pki.key) as server:
        yield server


@pytest.fixture(autouse=True)
def _trust_test_ca(pki, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(pki.ca))


def test_every_transport_allocates(coturn) -> None:
    result = run_check_sync(TurnRelay, meeting={"ice_servers": [coturn.ice_server()]})
    assert_status(result, "PASS")
    assert measurement(result, "transports") == "tcp,tls,udp"
    assert 0 < measurement(result, "allocate_ms") < 2000
    assert measurement(result, "relayed").startswith("127.0.0.1:")


def test_wrong_password_is_a_401_fail_not_a_timeout(coturn) -> None:
    start = time.monotonic()
    result = run_check_sync(
        TurnRelay, meeting={"ice_servers": [coturn.ice_server(password="wrong")]}
    )
    assert time.monotonic() - start < 3  # refused at once, not waited out
    assert_status(result, "FAIL")
    message = result.findings[-1].message
    assert "refused the meeting's credentials (401)" in message
    assert "secretariat" in result.findings[-1].remediation
    assert "s3cret" not in message and "wrong" not in message


def test_udp_blocked_leaves_tcp_and_tls_a_warning(coturn) -> None:
    with UdpRelay(("127.0.0.1", coturn.port), Impairment(drop_all=True)) as relay:
        server = coturn.ice_server(transports=("tcp", "tls"))
        server["urls"].insert(0, f"turn:127.0.0.1:{relay.port}?transport=udp")
        result = run_check_sync(
            TurnRelay,
            meeting={"ice_servers": [server]},
            profile={"options": {"timeout_s": 1.0}},
        )
        assert relay.counters()["up_dropped"] > 0  # the client did try UDP
    assert_status(result, "WARN")
    assert measurement(result, "transports") == "tcp,tls"
    assert "not UDP" in result.findings[-1].message
    assert measurement(result, "failed_transports") == "udp: timeout"
    assert "UDP" in result.findings[-1].remediation


def test_no_transport_works_fails(coturn) -> None:
    with UdpRelay(("127.0.0.1", coturn.port), Impairment(drop_all=True)) as relay:
        result = run_check_sync(
            TurnRelay,
            meeting={
                "ice_servers": [
                    {
                        "urls": [f"turn:127.0.0.1:{relay.port}"],
                        "username": coturn.user,
                        "credential": coturn.password,
                    }
                ]
            },
            profile={"options": {"timeout_s": 0.8}},
        )
    assert_status(result, "FAIL")
    assert measurement(result, "transports") == ""
    assert "no TURN transport works" in result.findings[-1].message
    assert "no answer" in result.findings[-1].message


def test_no_turn_server_is_skipped() -> None:
    result = run_check_sync(TurnRelay, meeting={"ice_servers": [{"urls": ["stun:127.0.0.1:9"]}]})
    assert_status(result, "SKIPPED")
    assert "no TURN server" in result.reason


def test_the_stun_train_also_runs_against_a_turn_server(coturn) -> None:
    from meetcheck.checks.network.stun import StunProbe

    result = run_check_sync(StunProbe, meeting={"ice_servers": [coturn.ice_server()]})
    assert_status(result, "PASS")
    assert measurement(result, "server") == f"turn 127.0.0.1:{coturn.port} over udp"
    assert measurement(result, "loss_pct") == 0
    assert measurement(result, "srflx").startswith("127.0.0.1:")
