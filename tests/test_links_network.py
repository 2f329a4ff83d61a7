"""links.safety, links.tls and links.http against real HTTPS servers on 127.0.0.1 whose
certificates the tests make with their own CA; an in-process socket audit proves that
refused addresses are never connected to."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.support.links import meeting_with_sessions
from tests.support.tls_server import TlsServers, connects, tls_servers

from meetcheck.checks.links._probe import refused_reason, run_probe
from meetcheck.checks.links.page import LinkHttp, expired_match
from meetcheck.checks.links.safety import LinkSafety
from meetcheck.checks.links.tls import LinkTls
from meetcheck.testing import assert_status, measurement

LOCAL = ["127.0.0.1"]


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsServers]:
    with tls_servers(tmp_path_factory.mktemp("tls")) as s:
        yield s


@pytest.fixture
def trust(servers: TlsServers, monkeypatch: pytest.MonkeyPatch) -> TlsServers:
    """Trust the tests' CA the way an organisation's CA is trusted: REQUESTS_CA_BUNDLE."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(servers.ca_path))
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    return servers


MEETING = meeting_with_sessions(LOCAL, first=10, last=12)


def run(run_check, check, link: str, meeting=MEETING, **profile):
    return run_check(check, meeting=meeting, link=link, profile=profile or None)


def messages(result) -> str:
    return " | ".join(f.message for f in result.findings)


# --- refused addresses -----------------------------------------------------------------


@pytest.mark.parametrize(
    "ip, reason",
    [
        ("127.0.0.1", "loopback"), ("::1", "loopback"), ("10.1.2.3", "private"),
        ("192.168.1.1", "private"), ("172.16.0.1", "private"), ("fd00::1", "private"),
        ("169.254.169.254", "link-local"), ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"), ("ff02::1", "multicast"), ("0.0.0.0", "unspecified"),
        ("240.0.0.1", "private"), ("100.64.0.1", "not public"), ("::ffff:10.0.0.1", "private"),
        ("93.184.215.14", ""), ("2606:4700::1111", ""),
    ],
)  # fmt: skip
def test_refused_reason(ip: str, reason: str) -> None:
    assert refused_reason(ip) == reason


def test_a_loopback_link_not_listed_is_refused_and_never_connected(
    run_check, trust: TlsServers
) -> None:
    meeting = meeting_with_sessions(["rsi.example.org"])
    with connects() as seen:
        result = run(run_check, LinkSafety, trust.url("valid", host="localhost"), meeting)
    assert_status(result, "FAIL")
    assert "loopback" in messages(result) and "not contacted" in messages(result)
    assert seen == []


@pytest.mark.parametrize(
    "path, target",
    [("/to-private", "10.1.2.3"), ("/to-localhost", "localhost"), ("/to-metadata", "169.254")],
)
def test_a_redirect_to_a_refused_address_is_never_followed(
    run_check, trust: TlsServers, path: str, target: str
) -> None:
    with connects() as seen:
        result = run(run_check, LinkSafety, trust.url("valid", path))
    assert_status(result, "FAIL")
    assert "redirect 1" in messages(result)
    port = trust.ports["valid"]
    assert seen == [("127.0.0.1", port)], seen  # the first hop only


def test_a_redirect_to_a_lookalike_is_refused(run_check, trust: TlsServers) -> None:
    meeting = meeting_with_sessions(["127.0.0.1", "interprefy.com"])
    with connects() as seen:
        result = run(run_check, LinkHttp, trust.url("valid", "/to-lookalike"), meeting)
    assert_status(result, "FAIL")
    assert "possible phishing" in messages(result)
    assert len(seen) == 1


def test_a_listed_loopback_host_is_allowed_and_connected_to_the_vetted_address(
    run_check, trust: TlsServers
) -> None:
    with connects() as seen:
        result = run(run_check, LinkSafety, trust.url("valid"))
    assert_status(result, "PASS")
    assert "allowed because the meeting file lists it" in messages(result)
    assert seen == [("127.0.0.1", trust.ports["valid"])]


# --- certificates -------------------------------------------------------------------------


def test_valid_certificate_passes(run_check, trust: TlsServers) -> None:
    result = run(run_check, LinkTls, trust.url("valid", "/redirect"))
    assert_status(result, "PASS")
    assert len(result.findings) == 1  # three hops, one certificate
    days = measurement(result, "cert_days_after_meeting")
    assert 350 < days < 356  # valid for 365 days; the meeting ends in 12


@pytest.mark.parametrize(
    "kind, words",
    [
        ("expired", "expired on"),
        ("wrong-host", "for another name"),
        ("self-signed", "not from a trusted authority"),
    ],
)
def test_bad_certificates_fail(run_check, trust: TlsServers, kind: str, words: str) -> None:
    result = run(run_check, LinkTls, trust.url(kind))
    assert_status(result, "FAIL")
    assert words in messages(result), messages(result)


def test_a_certificate_expiring_before_the_last_session_fails(run_check, trust: TlsServers) -> None:
    result = run(run_check, LinkTls, trust.url("short"))
    assert_status(result, "FAIL")
    assert -8 < measurement(result, "cert_days_after_meeting") < -6  # 5 days vs 12


def test_a_certificate_expiring_soon_after_the_meeting_warns(run_check, trust: TlsServers) -> None:
    meeting = meeting_with_sessions(LOCAL, first=1, last=2)  # ends 3 days before the cert
    result = run(run_check, LinkTls, trust.url("short"), meeting)
    assert_status(result, "WARN")


def test_without_the_organisation_ca_the_chain_is_untrusted(
    run_check, servers: TlsServers, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR"):
        monkeypatch.delenv(var, raising=False)
    result = run(run_check, LinkTls, servers.url("valid"))
    assert_status(result, "FAIL")
    assert "REQUESTS_CA_BUNDLE" in result.findings[0].remediation
    monkeypatch.setenv("SSL_CERT_FILE", str(servers.ca_path))  # as OpenSSL and curl read it
    assert_status(run(run_check, LinkTls, servers.url("valid")), "PASS")


# --- the page -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, status, words",
    [
        ("/ok", "PASS", "the link opens (200)"),
        ("/redirect", "PASS", "after 2 redirects"),
        ("/loop-a", "FAIL", "loop"),
        ("/chain/7", "FAIL", "more than 5 redirects"),
        ("/gone", "FAIL", "gone (410)"),
        ("/missing", "FAIL", "not found (404)"),
        ("/forbidden", "FAIL", "refuses the link"),
        ("/busy", "FAIL", "the platform answers 429 Too Many Requests"),
        ("/not-modified", "FAIL", "the link ends in a bare 304"),
        ("/expired-en", "FAIL", "no longer works"),
        ("/expired-fr", "FAIL", "lien a expiré"),
        ("/expired-zh", "FAIL", "链接已过期"),
    ],
)
def test_http_outcomes(run_check, trust: TlsServers, path: str, status: str, words: str) -> None:
    result = run(run_check, LinkHttp, trust.url("valid", path))
    assert_status(result, status)
    assert words in messages(result), messages(result)


def test_the_meeting_file_adds_expired_phrases(run_check, trust: TlsServers) -> None:
    plain = run(run_check, LinkHttp, trust.url("valid", "/custom"))
    assert_status(plain, "PASS")
    meeting = dict(MEETING, plugins={"links": {"expired_patterns": [r"invitaci[oó]n caducada"]}})
    assert_status(run(run_check, LinkHttp, trust.url("valid", "/custom"), meeting), "FAIL")


def test_expired_patterns_in_six_languages() -> None:
    for text in (
        "Your invitation link has expired",
        "Le lien n'est plus valide",
        "El enlace ha caducado",
        "Ссылка недействительна",
        "链接无效",
        "انتهت صلاحية الرابط",
    ):
        assert expired_match(f"<p>{text}</p>"), text
    assert expired_match("<p>Welcome to the meeting</p><script>/* link expired */</script>") == ""


def test_ttfb_is_measured_and_judged(run_check, trust: TlsServers) -> None:
    fast = run(run_check, LinkHttp, trust.url("valid", "/ok"))
    assert 0 < measurement(fast, "ttfb_ms") < 800
    slow = run(run_check, LinkHttp, trust.url("valid", "/slowish"))
    assert 1000 <= measurement(slow, "ttfb_ms") < 3000  # the server waits 1 s
    assert_status(slow, "WARN")  # above the fallback's 800 ms, below 1800 ms


def test_a_server_that_answers_after_40_s_fails_at_the_timeout(
    run_check, trust: TlsServers
) -> None:
    started = time.monotonic()
    result = run(run_check, LinkHttp, trust.url("valid", "/slow"), options={"timeout_s": 1.0})
    assert time.monotonic() - started < 5
    assert_status(result, "FAIL")
    assert "no complete answer within 1 s" in messages(result)


def test_one_link_in_under_a_second(trust: TlsServers) -> None:
    async def go():
        return await run_probe(trust.url("valid", "/redirect"), LOCAL)

    started = time.monotonic()
    probe = asyncio.run(go())
    assert probe.outcome == "answered" and time.monotonic() - started < 1.0


# --- the whole family through the command line: no token in any output --------------------


def test_no_output_format_shows_the_token(meetcheck_cli, trust: TlsServers, tmp_path: Path) -> None:
    from tests.support.links import days, make_jwt

    jwt = make_jwt(email="someone.else@example.org", exp=days(11), nbf=days(-1))
    link = trust.url("valid", f"/t/{jwt}")
    meeting = tmp_path / "meeting.toml"
    sessions = MEETING["sessions"]
    meeting.write_text(
        'name = "Links"\ntimezone = "UTC"\n[platform]\nhosts = ["127.0.0.1"]\n'
        + "".join(
            f'[[sessions]]\ntitle = "{s["title"]}"\nstart = "{s["start"]}"\nend = "{s["end"]}"\n'
            for s in sessions
        )
    )
    outs = {f: tmp_path / f"report.{f}" for f in ("json", "html", "junit")}
    args = ["check", "--meeting", str(meeting), "--link", link, "--email", "jane@example.org"]
    args += ["--only", "links", "--only", "registration", "--format", "text", "-o", "-"]
    for fmt, path in outs.items():
        args += ["--format", fmt, "-o", str(path)]
    result = meetcheck_cli(*args, env={"REQUESTS_CA_BUNDLE": str(trust.ca_path)})
    assert result.exit_code == 1, result.output  # NOT READY: the token is someone else's
    texts = [result.stdout, result.stderr] + [p.read_text(encoding="utf-8") for p in outs.values()]
    header, payload, _ = jwt.split(".")
    for text in texts:
        assert jwt not in text and payload not in text and payload[:24] not in text
    report = json.loads(outs["json"].read_text(encoding="utf-8"))
    by_id = {r["id"]: r for r in report["results"]}
    assert by_id["links.token"]["status"] == "FAIL"
    assert by_id["links.http"]["status"] == "PASS"
    assert by_id["links.tls"]["status"] == "PASS"
    token_text = json.dumps(by_id["links.token"])
    assert "forwarded" in token_text and "before the last session ends" in token_text


def test_the_probe_keeps_the_event_loop_free(
    trust: TlsServers, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """links.http is a timing check: loading the CA store, reading a refused certificate
    and resolving names happen off the loop. A 5 ms ticker beside three probes (valid,
    redirected, expired certificate) stays on time; the best of three rounds is judged, so
    a busy machine does not fail it, while blocking code would show in every round."""

    async def round_() -> float:
        lateness: list[float] = []

        async def ticker(stop: asyncio.Event) -> None:
            loop = asyncio.get_running_loop()
            while not stop.is_set():
                before = loop.time()
                await asyncio.sleep(0.005)
                lateness.append(loop.time() - before - 0.005)

        stop = asyncio.Event()
        task = asyncio.create_task(ticker(stop))
        await asyncio.sleep(0.02)
        for url in (trust.url("valid"), trust.url("valid", "/redirect"), trust.url("expired")):
            await run_probe(url, LOCAL)
        stop.set()
        await task
        return max(lateness)

    import ssl

    import cryptography.x509  # noqa: F401 -- the runner imports it first (PROBE_IMPORTS)

    # An organisation's bundle: the system's CAs plus its own (about 50 ms to load).
    system = Path(ssl.get_default_verify_paths().openssl_cafile)
    bundle = tmp_path / "bundle.pem"
    extra = system.read_text() if system.is_file() else ""
    bundle.write_text(extra + trust.ca_path.read_text())
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))

    best = min(asyncio.run(round_()) for _ in range(3))
    assert best < 0.03, f"the event loop was blocked for {best * 1000:.0f} ms"


def test_an_unreadable_ca_bundle_is_a_clear_finding(
    run_check, servers: TlsServers, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "no-such-ca.pem"
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(missing))
    with connects() as seen:
        tls = run(run_check, LinkTls, servers.url("valid"))
        page = run(run_check, LinkHttp, servers.url("valid"))
        safety = run(run_check, LinkSafety, servers.url("valid"))
    assert_status(safety, "SKIPPED")
    assert_status(tls, "FAIL")
    assert f"REQUESTS_CA_BUNDLE={missing}" in messages(tls)
    assert_status(page, "SKIPPED")
    assert seen == []
