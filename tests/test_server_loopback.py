"""The host-candidate patch point: restricted where asked, untouched elsewhere."""

from __future__ import annotations

import asyncio

import aioice.ice
import pytest
from aiortc import RTCConfiguration, RTCPeerConnection

from meetcheck.webrtc import loopback


async def _offer_addresses() -> list[str]:
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTransceiver("audio", direction="recvonly")
    await pc.setLocalDescription(await pc.createOffer())
    sdp = pc.localDescription.sdp
    await pc.close()
    return loopback.candidate_addresses(sdp)


def test_install_is_idempotent_and_transparent_when_unrestricted():
    loopback.install()
    wrapper = aioice.ice.get_host_addresses
    loopback.install()
    assert aioice.ice.get_host_addresses is wrapper
    assert loopback.current() is None
    # unrestricted: exactly what aioice itself reports
    assert wrapper(True, True) == loopback._original(True, True)


def test_restriction_applies_per_task_only():
    async def restricted(addresses):
        with loopback.host_addresses(addresses):
            return await _offer_addresses()

    async def main():
        a, b = await asyncio.gather(restricted(("127.0.0.1",)), restricted(("127.0.0.3",)))
        return a, b, loopback.current()

    a, b, after = asyncio.run(main())
    assert a == ["127.0.0.1"]
    assert b == ["127.0.0.3"]
    assert after is None


def test_ip_version_flags_are_respected():
    loopback.install()
    with loopback.host_addresses(("127.0.0.1", "::1")):
        assert aioice.ice.get_host_addresses(True, False) == ["127.0.0.1"]
        assert aioice.ice.get_host_addresses(False, True) == ["::1"]


def test_host_names_are_refused():
    with pytest.raises(ValueError):
        loopback.restrict_host_addresses(["localhost"])


@pytest.mark.parametrize(
    "url, expected",
    [
        ("http://127.0.0.1:8080/whep/fr", ("127.0.0.1",)),
        ("https://127.0.0.5/echo", ("127.0.0.5",)),
        ("http://localhost:9/x", ("127.0.0.1",)),
        ("http://[::1]:9/x", ("127.0.0.1",)),
        ("https://rsi.example.org/whep/fr", None),
        ("http://192.0.2.10/echo", None),
    ],
)
def test_addresses_for_url(url, expected):
    assert loopback.addresses_for_url(url) == expected


def test_candidate_addresses():
    sdp = (
        "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
        "a=candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host\r\n"
        "a=candidate:2 1 udp 1694498815 203.0.113.7 6000 typ srflx raddr 0.0.0.0 rport 0\r\n"
        "a=end-of-candidates\r\n"
    )
    assert loopback.candidate_addresses(sdp) == ["127.0.0.1", "203.0.113.7"]
