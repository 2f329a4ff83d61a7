"""network.reach against real servers on 127.0.0.1: HTTPS with certificates the tests make,
a refused port, a name that cannot resolve, and a server that does not speak TLS."""

from __future__ import annotations

import socket

import pytest
from support.certs import make_pki

from meetcheck.checks.network.reach import Reachability
from meetcheck.server.app import serve_in_thread
from meetcheck.server.config import ServerConfig
from meetcheck.testing import assert_status, measurement, run_check_sync


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def https_server(pki):
    cfg = ServerConfig(cert=str(pki.cert), key=str(pki.key), programme_seconds=2, stun=False)
    with serve_in_thread(cfg) as srv:
        yield srv


def _port(server) -> int:
    return int(server.base_url.rsplit(":", 1)[1])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _findings(result) -> str:
    return " | ".join(f"{f.status.value}: {f.message}" for f in result.findings)


def test_trusted_https_is_timed_step_by_step(https_server, pki, monkeypatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(pki.ca))
    port = _port(https_server)
    result = run_check_sync(
        Reachability, meeting={"platform": {"url": f"https://localhost:{port}/"}}
    )
    assert_status(result, "PASS")
    assert 0 <= measurement(result, "dns_ms") < 1000
    assert 0 < measurement(result, "tcp_ms") < 1000
    assert 0 < measurement(result, "tls_ms") < 2000
    assert measurement(result, "tls_version").startswith("TLS")


def test_untrusted_certificate_fails_with_its_own_message(https_server, monkeypatch) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    port = _port(https_server)
    result = run_check_sync(
        Reachability, meeting={"platform": {"url": f"https://127.0.0.1:{port}/"}}
    )
    assert_status(result, "FAIL")
    assert measurement(result, "failure") == "certificate", _findings(result)
    assert "certificate" in result.findings[0].message
    assert "proxy" in result.findings[0].remediation


def test_certificate_for_another_host_fails(tmp_path, monkeypatch) -> None:
    other = make_pki(tmp_path / "other", names=("127.0.0.2",))
    monkeypatch.setenv("SSL_CERT_FILE", str(other.ca))
    cfg = ServerConfig(cert=str(other.cert), key=str(other.key), programme_seconds=2, stun=False)
    with serve_in_thread(cfg) as srv:
        result = run_check_sync(
            Reachability, meeting={"platform": {"url": f"https://127.0.0.1:{_port(srv)}/"}}
        )
    assert_status(result, "FAIL")
    assert measurement(result, "failure") == "certificate"
    assert "mismatch" in result.findings[0].message


def test_refused_port_unresolvable_name_and_no_tls_are_told_apart(
    https_server, pki, monkeypatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(pki.ca))
    refused = run_check_sync(
        Reachability, meeting={"platform": {"url": f"https://127.0.0.1:{_free_port()}/"}}
    )
    assert_status(refused, "FAIL")
    assert measurement(refused, "failure") == "refused"
    assert "refused" in refused.findings[0].message

    nxdomain = run_check_sync(
        Reachability,
        meeting={"platform": {"url": "https://rsi.meeting.invalid/", "hosts": []}},
    )
    assert_status(nxdomain, "FAIL")
    assert measurement(nxdomain, "failed_step") == "dns"
    assert "could not be resolved" in nxdomain.findings[0].message or "does not exist" in (
        nxdomain.findings[0].message
    )

    with serve_in_thread(ServerConfig(programme_seconds=2, stun=False)) as plain:
        not_tls = run_check_sync(
            Reachability,
            meeting={"platform": {"url": f"https://127.0.0.1:{_port(plain)}/"}},
        )
    assert_status(not_tls, "FAIL")
    assert measurement(not_tls, "failed_step") == "tls"
    assert measurement(not_tls, "failure") == "handshake"
    assert {
        refused.findings[0].remediation,
        nxdomain.findings[0].remediation,
        not_tls.findings[0].remediation,
    }.__len__() == 3


def test_turn_tcp_and_tls_ports_are_reached(https_server, pki, monkeypatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(pki.ca))
    port = _port(https_server)
    closed = _free_port()
    result = run_check_sync(
        Reachability,
        meeting={
            "ice_servers": [
                {
                    "urls": [f"turns:127.0.0.1:{port}", f"turn:127.0.0.1:{closed}?transport=tcp"],
                    "username": "u",
                    "credential": "p",
                }
            ]
        },
    )
    assert_status(result, "FAIL")
    statuses = {f.status.value for f in result.findings}
    assert statuses == {"PASS", "FAIL"}
    assert any(f"port {closed}" in f.message and "refused" in f.message for f in result.findings)


def test_nothing_to_reach_is_skipped() -> None:
    assert_status(run_check_sync(Reachability, meeting={}), "SKIPPED")


def test_a_filtered_port_times_out_with_its_own_message() -> None:
    # A listener that never accepts, its backlog full: further SYNs are dropped, as a
    # firewall that drops (rather than refuses) would.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    try:
        for _ in range(4):
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", port))
            fillers.append(s)
        result = run_check_sync(
            Reachability,
            meeting={"platform": {"url": f"http://127.0.0.1:{port}/"}},
            profile={"options": {"step_timeout_s": 0.5}},
        )
    finally:
        for s in fillers:
            s.close()
        listener.close()
    assert_status(result, "FAIL")
    assert measurement(result, "failure") == "timeout", _findings(result)
    assert "firewall" in result.findings[0].remediation
    assert f"port {port}" in result.findings[0].remediation
