"""The echo endpoint, for real: an aiortc caller sends a tone and probes over loopback."""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp
import numpy as np
import pytest
import requests
from support.helpers import run_async as run

from meetcheck.server.app import serve_in_thread
from meetcheck.server.config import ServerConfig
from meetcheck.webrtc.client import EchoClient, EndpointError, tone
from meetcheck.webrtc.echo_wire import BINARY_TRAILER, read_binary_reply


@pytest.fixture(scope="module")
def server():
    with serve_in_thread(ServerConfig(programme_seconds=5)) as srv:
        yield srv


def sessions(srv) -> int:
    return requests.get(srv.base_url + "/healthz", timeout=5).json()["sessions"]["total"]


def wait_zero(srv, timeout: float = 5.0) -> int:
    deadline = time.monotonic() + timeout
    while sessions(srv) and time.monotonic() < deadline:
        time.sleep(0.1)
    return sessions(srv)


def peak_frequency(pcm: np.ndarray, rate: int = 48000) -> float:
    window = np.hanning(len(pcm))
    spectrum = np.abs(np.fft.rfft(pcm * window))
    return float(np.argmax(spectrum) * rate / len(pcm))


def test_echo_returns_the_callers_tone_and_probes(server):
    async def main():
        client = EchoClient(server.echo_url, pcm=tone(1000.0, 1.0, 0.3))
        await client.connect()
        try:
            await client.wait_connected()
            await client.first_frame(10)
            await client.read(0.3)  # let the codecs and jitter buffers settle
            audio = await client.read(1.0)
            replies = await client.probe(count=20, interval=0.01, wait=2.0)
            assert set(client.candidates()["answer"]) == {"127.0.0.1"}
            assert sessions(server) == 1
            return audio, replies
        finally:
            await client.close()

    audio, replies = run(main())
    assert len(audio) == 48000
    rms = float(np.sqrt(np.mean(audio**2)))
    assert rms > 0.05, f"echo too quiet: rms {rms}"
    assert abs(peak_frequency(audio) - 1000.0) < 10
    assert len(replies) == 20  # loopback: no loss
    assert sorted(r["seq"] for r in replies) == list(range(20))
    assert sorted(r["server_seq"] for r in replies) == list(range(1, 21))
    for r in replies:
        assert abs(r["server_rx"] - r["t"]) < 1.0
        assert 0 <= r["rtt_ms"] < 500
    assert wait_zero(server) == 0


def test_echo_of_another_tone_is_that_tone(server):
    """Not a canned signal: a different input gives a different echo."""

    async def main():
        async with EchoClient(server.echo_url, pcm=tone(440.0, 1.0, 0.3), data_channel=False) as c:
            await c.first_frame(10)
            await c.read(0.3)
            return await c.read(1.0)

    audio = run(main())
    assert abs(peak_frequency(audio) - 440.0) < 10
    assert wait_zero(server) == 0


def test_data_channel_only_echo_and_binary_probes(server):
    async def main():
        client = EchoClient(server.echo_url, data_channel=True)
        await client.connect()
        try:
            await asyncio.wait_for(client.channel_open.wait(), 10)
            client.channel.send(b"\x01\x02probe")
            client.channel.send("plain text")
            got = [await asyncio.wait_for(client.replies.get(), 5) for _ in range(2)]
            return [m for _, m in got]
        finally:
            await client.close()

    messages = run(main())
    binary = next(m for m in messages if isinstance(m, bytes))
    text = next(m for m in messages if isinstance(m, str))
    sent, rx, seq = read_binary_reply(binary)
    assert sent == b"\x01\x02probe" and len(binary) == 7 + BINARY_TRAILER.size
    assert abs(rx - time.time()) < 5 and seq in (1, 2)
    assert json.loads(text)["echo"] == "plain text"
    assert wait_zero(server) == 0


def test_echo_refuses_offers_it_cannot_echo(server):
    async def recvonly_offer():
        from aiortc import RTCConfiguration, RTCPeerConnection

        from meetcheck.webrtc import loopback

        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        pc.addTransceiver("audio", direction="recvonly")
        with loopback.loopback_only():
            await pc.setLocalDescription(await pc.createOffer())
        await pc.close()
        return pc.localDescription.sdp

    offer = run(recvonly_offer())
    r = requests.post(
        server.echo_url, data=offer, headers={"Content-Type": "application/sdp"}, timeout=5
    )
    assert r.status_code == 400 and "sendrecv" in r.json()["detail"]
    r = requests.post(server.echo_url, data=offer, headers={"Content-Type": "text/plain"})
    assert r.status_code == 415
    r = requests.delete(server.echo_url + "/unknown")
    assert r.status_code == 404
    r = requests.options(server.echo_url, headers={"Origin": "https://x.example"})
    assert r.status_code == 200 and r.headers["Accept-Post"] == "application/sdp"
    assert wait_zero(server) == 0


def test_echo_with_token(tmp_path):
    token = "echo-token-abcdefgh"
    with serve_in_thread(ServerConfig(token=token, stun=False, programme_seconds=2)) as srv:

        async def main():
            bad = EchoClient(srv.echo_url, data_channel=True)
            with pytest.raises(EndpointError) as info:
                await bad.connect()
            await bad.close()
            assert info.value.status == 401
            async with EchoClient(srv.echo_url, token, data_channel=True) as good:
                replies = await good.probe(count=3, interval=0.01)
                assert len(replies) == 3
            async with aiohttp.ClientSession() as http:
                async with http.get(srv.base_url + "/healthz") as r:
                    return (await r.json())["sessions"]["total"]

        run(main())
        assert wait_zero(srv) == 0
        assert srv.stun_port is None
