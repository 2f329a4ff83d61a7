"""The WHEP channels, for real: aiortc players against the server on 127.0.0.1.

Every peer connection here gathers host candidates on 127.0.0.1 only (server and players,
see meetcheck.webrtc.loopback), and no ICE server is configured on either side.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import tomllib

import aiohttp
import numpy as np
import pytest
import requests
from support.helpers import run_async as run

from meetcheck.media.identity import IdentityDecoder, mark_offset_s
from meetcheck.meeting import load_meeting, parse_meeting
from meetcheck.server.app import MEETING_PATH, serve_in_thread
from meetcheck.server.config import ChannelConfig, ServerConfig
from meetcheck.webrtc.client import EndpointError, WhepClient

TOKEN = "test-bearer-token-0123456789"


@pytest.fixture(scope="module")
def server():
    with serve_in_thread(ServerConfig(programme_seconds=5, seed=1)) as srv:
        yield srv


@pytest.fixture(scope="module")
def strict():
    """A server with a token and tight limits, for the error paths."""
    cfg = ServerConfig(
        token=TOKEN,
        max_sessions_per_channel=1,
        max_sessions=2,
        max_sdp_bytes=6000,
        session_idle_timeout=1.0,
        retry_after=3,
        programme_seconds=5,
        cors_origins=["https://player.example.org"],
    )
    with serve_in_thread(cfg) as srv:
        yield srv


def health(srv) -> dict:
    return requests.get(srv.base_url + "/healthz", timeout=5).json()


def wait_sessions(srv, total: int = 0, timeout: float = 8.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        h = health(srv)
        if h["sessions"]["total"] == total or time.monotonic() > deadline:
            return h
        time.sleep(0.1)


async def _offer(kind: str = "audio", strip_candidates: bool = False) -> str:
    """A real aiortc offer (its peer connection is closed again at once)."""
    from aiortc import RTCConfiguration, RTCPeerConnection

    from meetcheck.webrtc import loopback

    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTransceiver(kind, direction="recvonly")
    with loopback.loopback_only():
        await pc.setLocalDescription(await pc.createOffer())
    sdp = pc.localDescription.sdp
    await pc.close()
    if strip_candidates:
        sdp = "".join(
            line + "\r\n"
            for line in sdp.splitlines()
            if not line.startswith(("a=candidate", "a=end-of-candidates"))
        )
    return sdp


def dbfs(pcm: np.ndarray) -> float:
    return 20 * np.log10(np.sqrt(np.mean(pcm.astype(np.float64) ** 2)) + 1e-12)


# -- listening ---------------------------------------------------------------------------
def test_every_channel_plays_audio_over_loopback_only(server):
    """Seven players at once: audio on each, loopback-only candidates, and each channel's
    identity mark names its own channel, in step with the floor."""
    codes = [c.code for c in server.config.channels]

    async def listen(code: str):
        client = WhepClient(f"{server.base_url}/whep/{code}")
        await client.connect()
        try:
            first = await client.first_frame(10)
            started = time.monotonic()
            audio = await client.read(3.0, timeout=10)
            return code, first, audio, client.candidates(), client.location, client.etag, started
        finally:
            await client.close()

    async def main():
        return await asyncio.gather(*(listen(c) for c in codes))

    results = run(main())
    assert [r[0] for r in results] == codes
    for code, first, audio, candidates, location, etag, _ in results:
        assert len(audio) == 3 * 48000, code
        assert np.max(np.abs(audio)) > 0.01, f"{code}: silent"
        assert dbfs(audio) > -50, code
        assert first < 5, code
        # the proof that nothing left loopback: every candidate on both sides
        assert candidates["offer"] and set(candidates["offer"]) == {"127.0.0.1"}
        assert candidates["answer"] and set(candidates["answer"]) == {"127.0.0.1"}
        assert location.startswith(f"{server.base_url}/whep/{code}/") and etag.startswith('"')
    # the channels are different programmes. Not just their first 100 ms: every channel
    # carries the same timing mark in its first 160 ms of each 2 s, so during a programme
    # pause two channels read from the same instant are, by design, identical there.
    by_code = {r[0]: r[2] for r in results}
    assert not np.allclose(by_code["floor"], by_code["fr"])
    detections = {}
    for code, _, audio, _, _, _, started in results:
        decoder = IdentityDecoder()
        decoder.feed(audio)
        detections[code] = (decoder.result(), started)
        assert detections[code][0].code == code, (code, detections[code][0])
    floor, floor_start = detections["floor"]
    for code, (det, start) in detections.items():
        offset = mark_offset_s(floor, det, reference_start_s=floor_start, other_start_s=start)
        assert offset is not None and abs(offset) < 0.06, (code, offset)
    h = wait_sessions(server, 0)
    assert h["sessions"]["total"] == 0


def test_a_crossed_channel_is_caught():
    """French label, Spanish audio: the marks say "es" on the "fr" endpoint."""
    cfg = ServerConfig(
        channels=[
            ChannelConfig("floor", "Floor"),
            ChannelConfig("fr", "French", identity_code="es"),
        ],
        stun=False,
        programme_seconds=5,
    )
    with serve_in_thread(cfg) as srv:

        async def main():
            async with WhepClient(srv.channel_url("fr")) as client:
                await client.first_frame(10)
                return await client.read(3.0)

        audio = run(main())
    decoder = IdentityDecoder()
    decoder.feed(audio)
    detected = decoder.result().code
    assert detected == "es" and detected != "fr"


def test_answer_is_sendonly_with_location_etag_and_ice_server_link(server):
    async def main():
        offer = await _offer()
        async with aiohttp.ClientSession() as http:
            async with http.post(
                f"{server.base_url}/whep/fr",
                data=offer,
                headers={"Content-Type": "application/sdp"},
            ) as r:
                body = await r.text()
                headers = r.headers
                assert r.status == 201
            assert headers["Content-Type"].startswith("application/sdp")
            loc = headers["Location"]
            assert loc.startswith("/whep/fr/") and len(loc) > len("/whep/fr/") + 16
            assert headers["ETag"].startswith('"') and headers["ETag"].endswith('"')
            links = headers.getall("Link")
            assert any(
                f":{server.stun_port}>" in link and 'rel="ice-server"' in link for link in links
            )
            assert "a=sendonly" in body and "a=recvonly" not in body
            async with http.get(server.base_url + loc) as r:
                assert r.status == 204
            async with http.patch(
                server.base_url + loc,
                data="a=end-of-candidates",
                headers={"Content-Type": "application/trickle-ice-sdpfrag"},
            ) as r:
                assert r.status == 405
                assert "DELETE" in r.headers["Allow"]
            async with http.delete(server.base_url + loc) as r:
                assert r.status == 200
            async with http.delete(server.base_url + loc) as r:
                assert r.status == 404

    run(main())
    assert wait_sessions(server, 0)["sessions"]["total"] == 0


def test_video_and_audio_offer_gets_audio_only(server):
    """A browser-style offer (audio + video) is answered with the video section off."""

    async def main():
        from aiortc import RTCConfiguration, RTCPeerConnection

        from meetcheck.webrtc import loopback

        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        pc.addTransceiver("audio", direction="recvonly")
        pc.addTransceiver("video", direction="recvonly")
        with loopback.loopback_only():
            await pc.setLocalDescription(await pc.createOffer())
        async with aiohttp.ClientSession() as http:
            async with http.post(
                f"{server.base_url}/whep/en",
                data=pc.localDescription.sdp,
                headers={"Content-Type": "application/sdp"},
            ) as r:
                assert r.status == 201
                answer = await r.text()
                loc = r.headers["Location"]
            video = answer.split("m=video", 1)[1]
            assert "a=inactive" in video
            async with http.delete(server.base_url + loc) as r:
                assert r.status == 200
        await pc.close()

    run(main())


def test_disconnect_without_delete_frees_the_session(server):
    async def main():
        client = WhepClient(f"{server.base_url}/whep/ru")
        await client.connect()
        await client.first_frame(10)
        assert health(server)["sessions"]["by_channel"]["ru"] == 1
        await client.close(delete=False)  # the player just goes away

    run(main())
    h = wait_sessions(server, 0, timeout=5)
    assert h["sessions"]["total"] == 0
    assert h["channels"]["ru"]["listeners"] == 0


def test_meeting_file_is_valid_and_points_at_everything(server):
    text = requests.get(server.meeting_url, timeout=5).text
    meeting = parse_meeting(tomllib.loads(text), server.meeting_url)
    assert sorted(meeting.channels) == sorted(c.code for c in server.config.channels)
    assert meeting.channels["fr"].url == f"{server.base_url}/whep/fr"
    assert meeting.echo_url == f"{server.base_url}/echo"
    assert meeting.platform_url == server.base_url + "/"
    assert "127.0.0.1" in meeting.hosts
    assert meeting.ice_servers[0].urls == [f"stun:127.0.0.1:{server.stun_port}"]
    assert meeting.sessions
    assert sorted(meeting.server_info["identity_channels"]) == sorted(meeting.channels)
    r = requests.get(meeting.throughput["download_url"] + "?bytes=1000", timeout=5)
    assert r.status_code == 200 and len(r.content) == 1000
    # the same file at the short path, and through load_meeting's own URL reader
    assert load_meeting(server.base_url + "/meeting.toml").name == meeting.name
    assert server.meeting_toml().count("[channels.") == len(server.config.channels)


def test_healthz(server):
    h = health(server)
    assert h["status"] == "ok" and h["uptime_s"] > 0
    assert set(h["sessions"]["by_channel"]) == {c.code for c in server.config.channels} | {"echo"}
    assert h["sessions"]["total"] == 0
    assert h["stun"]["port"] == server.stun_port


def test_index_page(server):
    r = requests.get(server.base_url + "/", timeout=5)
    assert r.status_code == 200 and "text/html" in r.headers["Content-Type"]
    assert MEETING_PATH in r.text and "/whep/floor" in r.text


# -- errors ----------------------------------------------------------------------------
def _post(url: str, body: str | bytes, content_type: str = "application/sdp", token=TOKEN):
    headers = {"Content-Type": content_type}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return requests.post(url, data=body, headers=headers, timeout=10)


def test_error_statuses(strict):
    base = strict.base_url
    offer = run(_offer())
    r = _post(f"{base}/whep/fr", offer, token="")
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")
    assert r.headers["Content-Type"].startswith("application/problem+json")
    assert r.json()["status"] == 401
    r = _post(f"{base}/whep/fr", offer, token="wrong-token-xxxxxxxx")
    assert r.status_code == 403
    r = _post(f"{base}/whep/xx", offer)
    assert r.status_code == 404 and "fr" in r.json()["detail"]
    r = _post(f"{base}/whep/fr", offer, content_type="text/plain")
    assert r.status_code == 415 and r.headers["Accept-Post"] == "application/sdp"
    r = _post(f"{base}/whep/fr", offer + "a=x-padding:" + "x" * 7000 + "\r\n")
    assert r.status_code == 413
    r = _post(f"{base}/whep/fr", "hello, this is not SDP")
    assert r.status_code == 400
    r = _post(f"{base}/whep/fr", "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n")
    assert r.status_code == 400
    r = _post(f"{base}/whep/fr", run(_offer("video")))
    assert r.status_code == 400 and "audio" in r.json()["detail"]
    r = _post(f"{base}/whep/fr", b"v=0\r\n\xff\xfe")
    assert r.status_code == 400
    r = requests.delete(f"{base}/whep/fr/nope", headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 404
    r = requests.delete(f"{base}/whep/fr/nope")
    assert r.status_code == 401
    # nothing above took a session
    assert wait_sessions(strict, 0)["sessions"]["total"] == 0


def test_full_channel_and_full_server_answer_503(strict):
    base = strict.base_url
    offer = run(_offer(strip_candidates=True))
    first = _post(f"{base}/whep/fr", offer)
    assert first.status_code == 201
    r = _post(f"{base}/whep/fr", offer)
    assert r.status_code == 503 and r.headers["Retry-After"] == "3"
    assert "channel" in r.json()["detail"]
    second = _post(f"{base}/whep/en", offer)
    assert second.status_code == 201
    r = _post(f"{base}/whep/es", offer)
    assert r.status_code == 503 and "server" in r.json()["detail"]
    for resp in (first, second):
        d = requests.delete(
            base + resp.headers["Location"], headers={"Authorization": f"Bearer {TOKEN}"}
        )
        assert d.status_code == 200
    assert wait_sessions(strict, 0)["sessions"]["total"] == 0


def test_client_that_vanishes_mid_negotiation_is_reaped(strict):
    """POST an offer, never apply the answer, never DELETE: the reaper ends it."""
    base = strict.base_url
    before = health(strict)["sessions"]["reaped"]
    offer = run(_offer(strip_candidates=True))  # no candidates: ICE can only time out
    r = _post(f"{base}/whep/zh", offer)
    assert r.status_code == 201
    assert health(strict)["sessions"]["total"] == 1
    h = wait_sessions(strict, 0, timeout=6)
    assert h["sessions"]["total"] == 0
    assert h["sessions"]["reaped"] == before + 1

    # and the server still serves
    async def main():
        client = WhepClient(f"{base}/whep/zh", TOKEN)
        await client.connect()
        await client.first_frame(10)
        await client.close()

    run(main())


def test_client_library_reports_refusals(strict):
    async def main():
        client = WhepClient(f"{strict.base_url}/whep/fr", "wrong-token-xxxxxxxx")
        with pytest.raises(EndpointError) as info:
            await client.connect()
        await client.close()
        return info.value

    err = run(main())
    assert err.status == 403 and "token" in err.detail


# -- CORS ------------------------------------------------------------------------------
def test_cors_preflight_and_headers(server, strict):
    r = requests.options(
        f"{server.base_url}/whep/fr",
        headers={
            "Origin": "https://elsewhere.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
        timeout=5,
    )
    assert r.status_code == 200
    assert r.headers["Accept-Post"] == "application/sdp"
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in r.headers["Access-Control-Allow-Methods"]
    assert "DELETE" in r.headers["Access-Control-Allow-Methods"]
    assert "authorization" in r.headers["Access-Control-Allow-Headers"].lower()
    assert "content-type" in r.headers["Access-Control-Allow-Headers"].lower()
    # every response exposes what a browser player needs, errors included
    for resp in (
        requests.post(f"{server.base_url}/whep/nope", data="x", timeout=5),
        requests.get(server.base_url + "/healthz", timeout=5),
    ):
        exposed = {h.strip() for h in resp.headers["Access-Control-Expose-Headers"].split(",")}
        assert {"Location", "ETag", "Link"} <= exposed
        assert resp.headers["Access-Control-Allow-Origin"] == "*"
    # the preflight needs no token even where POST does
    r = requests.options(
        f"{strict.base_url}/whep/fr",
        headers={"Origin": "https://player.example.org", "Access-Control-Request-Method": "POST"},
        timeout=5,
    )
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] == "https://player.example.org"
    r = requests.options(
        f"{strict.base_url}/whep/fr", headers={"Origin": "https://evil.example"}, timeout=5
    )
    assert "Access-Control-Allow-Origin" not in r.headers


# -- meeting file tokens and the access log ----------------------------------------------
def test_meeting_file_tokens_only_for_token_holders(strict):
    plain = requests.get(strict.meeting_url, timeout=5).text
    assert TOKEN not in plain
    with_token = requests.get(strict.meeting_url + "?token=" + TOKEN, timeout=5).text
    meeting = parse_meeting(tomllib.loads(with_token), "test")
    assert meeting.channels["fr"].token == TOKEN and meeting.echo_token == TOKEN
    assert TOKEN in strict.meeting_toml(include_tokens=True)


def test_access_log_is_json_with_tokens_redacted(strict, caplog):
    caplog.set_level(logging.INFO, logger="meetcheck.server.access")
    requests.get(strict.meeting_url + "?token=" + TOKEN, timeout=5)
    requests.get(
        strict.base_url + "/healthz",
        headers={"Referer": f"https://x.example/join/{TOKEN}", "Authorization": f"Bearer {TOKEN}"},
        timeout=5,
    )
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        lines = [r.getMessage() for r in caplog.records if r.name == "meetcheck.server.access"]
        if len(lines) >= 2:
            break
        time.sleep(0.05)
    assert len(lines) >= 2
    records = [json.loads(line) for line in lines]
    for rec in records:
        assert {"ts", "remote", "method", "url", "status", "ms"} <= set(rec)
    assert all(TOKEN not in line for line in lines)
    assert any(
        rec["url"].endswith(MEETING_PATH + "?token=" + TOKEN[:4] + "\u2026" + TOKEN[-4:])
        for rec in records
    )


def test_demo_links_are_served(server):
    links = server.demo_links()
    if not links:
        pytest.skip("meetcheck.server.links not installed")
    link = server.demo_link()
    assert link == server.demo_link() or link.startswith(server.base_url + "/join/")
    r = requests.get(link, timeout=5)
    assert r.status_code == 200 and "Demo Delegate" in r.text
    r = requests.get(link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB"), timeout=5)
    assert r.status_code == 403
    assert set(links) == {p.email for p in server.config.participants}


# -- what a 400 says ---------------------------------------------------------------------
async def _sendrecv_offer() -> str:
    """A real aiortc sendrecv audio offer, the kind the echo endpoint accepts."""
    from aiortc import RTCConfiguration, RTCPeerConnection

    from meetcheck.webrtc import loopback

    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTransceiver("audio", direction="sendrecv")
    with loopback.loopback_only():
        await pc.setLocalDescription(await pc.createOffer())
    sdp = pc.localDescription.sdp
    await pc.close()
    return sdp


def _unknown_codec_only(sdp: str) -> str:
    """The offer with its audio codecs replaced by one nobody supports."""
    out = []
    for line in sdp.split("\r\n"):
        if line.startswith(("a=rtpmap", "a=fmtp", "a=rtcp-fb")):
            continue
        if line.startswith("m=audio"):
            line = " ".join(line.split(" ")[:3]) + " 120\r\na=rtpmap:120 x-unknown/8000"
        out.append(line)
    return "\r\n".join(out)


def test_bad_offers_get_a_generic_reason_and_the_internals_go_to_the_log(server, caplog):
    """aiortc's exception text (class names, parser internals) is not the client's business:
    the problem document says what is wrong in SDP terms; the log keeps the details."""
    caplog.set_level(logging.INFO, logger="meetcheck.server")
    offer = run(_sendrecv_offer())
    bad = {
        "unparseable": offer.replace("a=setup:actpass", "a=setup:x-internal-marker"),
        "unusable": _unknown_codec_only(offer),
    }
    internals = ("Error", "x-internal-marker", "send parameters", "Traceback")
    for url in (f"{server.base_url}/whep/fr", server.echo_url):
        for what, sdp in bad.items():
            r = _post(url, sdp, token="")
            assert r.status_code == 400, (url, what, r.text)
            assert r.headers["Content-Type"].startswith("application/problem+json")
            detail = r.json()["detail"]
            assert "offer" in detail, detail
            assert not any(word in r.text for word in internals), (url, what, r.text)
    logged = "\n".join(rec.getMessage() for rec in caplog.records)
    assert "x-internal-marker" in logged  # the operator can still see why
    assert "send parameters" in logged
    assert wait_sessions(server, 0)["sessions"]["total"] == 0


# -- ICE credentials only for authorised requests ------------------------------------------
TURN_SECRET = "turn-credential-0123456789"
TURN = {"urls": ["turn:127.0.0.1:3478"], "username": "turn-user-xyz", "credential": TURN_SECRET}


def _links(r: requests.Response) -> list[str]:
    return [v for k, v in r.raw.headers.items() if k.lower() == "link"]


def test_turn_credentials_only_for_token_holders():
    """With a token set, neither a preflight from anywhere nor the public meeting file may
    hand out the TURN username and credential; the token holder and stdout still get them."""
    cfg = ServerConfig(
        token=TOKEN,
        ice_servers=[TURN],
        channels=[ChannelConfig("floor", "Floor")],
        programme_seconds=2,
        stun=False,
    )
    with serve_in_thread(cfg) as srv:
        for url in (f"{srv.base_url}/whep/floor", srv.echo_url):
            anyone = requests.options(url, headers={"Origin": "https://evil.example"}, timeout=5)
            wrong = requests.options(
                url, headers={"Authorization": "Bearer wrong-token-xxxxxxxx"}, timeout=5
            )
            for r in (anyone, wrong):
                assert r.status_code == 200 and r.headers["Accept-Post"] == "application/sdp"
                assert TURN_SECRET not in str(r.headers) and "turn-user-xyz" not in str(r.headers)
            ok = requests.options(url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)
            assert ok.status_code == 200
            assert any(
                "turn:127.0.0.1:3478" in v and f'credential="{TURN_SECRET}"' in v
                for v in _links(ok)
            ), _links(ok)

        public = requests.get(srv.meeting_url, timeout=5).text
        assert TURN_SECRET not in public and "turn-user-xyz" not in public
        parse_meeting(tomllib.loads(public), "public")  # still a valid meeting file
        with_token = requests.get(
            srv.meeting_url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5
        ).text
        servers = parse_meeting(tomllib.loads(with_token), "token").ice_servers
        assert any(s.credential == TURN_SECRET for s in servers), servers
        assert TURN_SECRET in srv.meeting_toml(include_tokens=True)  # what serve prints


def test_without_a_token_ice_credentials_stay_public():
    """No token configured: everything is public, TURN credentials included (else the
    TURN server would be useless to the delegates)."""
    cfg = ServerConfig(
        ice_servers=[TURN], channels=[ChannelConfig("floor", "Floor")], programme_seconds=2
    )
    with serve_in_thread(cfg) as srv:
        r = requests.options(f"{srv.base_url}/whep/floor", timeout=5)
        assert any(f'credential="{TURN_SECRET}"' in v for v in _links(r))
        assert TURN_SECRET in requests.get(srv.meeting_url, timeout=5).text
