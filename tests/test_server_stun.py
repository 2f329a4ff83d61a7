"""The STUN binding responder, checked with aioice's independent STUN code on loopback."""

from __future__ import annotations

import asyncio
import os
import socket
import struct
import time
from typing import Any

import aioice
import aioice.ice
import pytest
from aioice import stun as ref
from hypothesis import given, settings
from hypothesis import strategies as st
from support.helpers import run_async as run

from meetcheck.server.stun import StunServer, start_stun_server
from meetcheck.webrtc.stun import (
    MAGIC_COOKIE,
    StunClass,
    StunDecodeError,
    StunTimeout,
    decode_message,
    encode_message,
    message_type,
    split_type,
    stun_binding,
)

LOOP = "127.0.0.1"


async def exchange(
    server: tuple[str, int], datagrams: list[bytes], family: int = socket.AF_INET
) -> tuple[bytes | None, tuple[str, int]]:
    """Send datagrams from one real UDP socket; return the first reply and our own address."""
    loop = asyncio.get_running_loop()
    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.setblocking(False)
    try:
        sock.bind((server[0], 0))
        for d in datagrams:
            await loop.sock_sendto(sock, d, server)
        try:
            data, _ = await asyncio.wait_for(loop.sock_recvfrom(sock, 65536), 0.5)
        except TimeoutError:
            data = None
        return data, sock.getsockname()[:2]
    finally:
        sock.close()


def binding_request(**attrs: Any) -> ref.Message:
    return ref.Message(ref.Method.BINDING, ref.Class.REQUEST, attributes=dict(attrs))


def attributes_raw(data: bytes) -> dict[int, bytes]:
    """Walk a STUN message's attributes by hand (aioice does not decode every type)."""
    out: dict[int, bytes] = {}
    pos = 20
    while pos < len(data):
        t, n = struct.unpack_from("!HH", data, pos)
        out[t] = data[pos + 4 : pos + 4 + n]
        pos += 4 + n + (-n % 4)
    return out


def ipv6_loopback_works() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def test_message_type_bits_match_rfc_examples():
    """The interleaved method/class bits are easy to get wrong; RFC 5389 gives the values."""
    assert message_type(0x001, StunClass.REQUEST) == 0x0001
    assert message_type(0x001, StunClass.INDICATION) == 0x0011
    assert message_type(0x001, StunClass.SUCCESS) == 0x0101
    assert message_type(0x001, StunClass.ERROR) == 0x0111
    for method in (0x001, 0x003, 0x0FFF, 0x0ABC):
        for cls in StunClass:
            assert split_type(message_type(method, cls)) == (method, cls)


def test_binding_answered_with_xor_mapped_address_for_aioice_request():
    """An independent client's request gets its own address back, fingerprinted.

    The request carries SOFTWARE, so the answer has room for every attribute (a bare
    request gets only what fits in MAX_GROWTH; see the amplification test below).
    """

    async def go() -> None:
        async with await start_stun_server() as server:
            req = binding_request(SOFTWARE="aioice test client, independent of meetcheck")
            req.add_fingerprint()
            reply, me = await exchange((server.host, server.port), [bytes(req)])
            assert reply is not None
            resp = ref.parse_message(reply)  # raises if aioice finds the FINGERPRINT wrong
            assert resp.message_class == ref.Class.RESPONSE
            assert resp.message_method == ref.Method.BINDING
            assert resp.transaction_id == req.transaction_id
            assert resp.attributes["XOR-MAPPED-ADDRESS"] == me
            assert resp.attributes["MAPPED-ADDRESS"] == me
            assert resp.attributes["SOFTWARE"].startswith("meetcheck")
            assert "FINGERPRINT" in resp.attributes
            assert struct.unpack_from("!I", reply, 4)[0] == MAGIC_COOKIE
            assert server.counters.requests_answered == 1

    run(go)


def test_request_without_fingerprint_is_answered():
    """FINGERPRINT is optional in requests; aioice's srflx query omits it."""

    async def go() -> None:
        async with await start_stun_server() as server:
            reply, me = await exchange((server.host, server.port), [bytes(binding_request())])
            assert reply is not None
            assert ref.parse_message(reply).attributes["XOR-MAPPED-ADDRESS"] == me

    run(go)


@pytest.mark.skipif(not ipv6_loopback_works(), reason="no IPv6 loopback (::1) on this machine")
def test_ipv6_xor_mapped_address():
    """IPv6 XORs the address with cookie and transaction id: a different code path."""

    async def go() -> None:
        async with await start_stun_server("::1") as server:
            req = binding_request(SOFTWARE="aioice test client, independent of meetcheck")
            reply, me = await exchange(("::1", server.port), [bytes(req)], socket.AF_INET6)
            assert reply is not None
            resp = ref.parse_message(reply)
            assert resp.attributes["XOR-MAPPED-ADDRESS"] == ("::1", me[1])
            assert resp.attributes["MAPPED-ADDRESS"] == ("::1", me[1])
            mapped, rtt = await stun_binding("::1", server.port)
            assert mapped[0] == "::1" and 0 < rtt < 1

    run(go)


@pytest.mark.skipif(not ipv6_loopback_works(), reason="no IPv6 loopback (::1) on this machine")
def test_ipv4_peer_on_ipv6_socket_is_reported_as_ipv4():
    """A dual-stack socket sees ::ffff:a.b.c.d; clients must get a plain IPv4 address."""

    async def go() -> None:
        async with await start_stun_server("::ffff:127.0.0.1") as server:
            reply, me = await exchange((LOOP, server.port), [bytes(binding_request())])
            assert reply is not None
            assert ref.parse_message(reply).attributes["XOR-MAPPED-ADDRESS"] == me
            assert reply[24:26] == b"\x00\x01"  # family IPv4 in the first attribute

    run(go)


def test_unknown_comprehension_required_attribute_gets_420():
    """RFC 5389 7.3.1: unknown attributes below 0x8000 must be refused and listed."""

    async def go() -> None:
        async with await start_stun_server() as server:
            req = binding_request(**{"CHANGE-REQUEST": 0x06})  # RFC 5780, not supported
            raw = bytes(req)
            extra = struct.pack("!HH", 0x7777, 2) + b"ab\x00\x00"
            raw = raw[:2] + struct.pack("!H", len(raw) - 20 + len(extra)) + raw[4:] + extra
            reply, _ = await exchange((server.host, server.port), [raw])
            assert reply is not None
            resp = ref.parse_message(reply)
            assert resp.message_class == ref.Class.ERROR
            assert resp.transaction_id == req.transaction_id
            assert resp.error_code == 420
            listed = attributes_raw(reply)[0x000A]
            assert sorted(struct.unpack(f"!{len(listed) // 2}H", listed)) == [0x0003, 0x7777]
            assert server.counters.error_responses == 1
            assert server.counters.requests_answered == 0

    run(go)


def test_unknown_comprehension_optional_attribute_is_ignored():
    """Attributes at 0x8000 and above may be ignored: the request is answered normally."""

    async def go() -> None:
        async with await start_stun_server() as server:
            raw = bytes(binding_request())
            extra = struct.pack("!HH", 0x8777, 4) + b"abcd"
            raw = raw[:2] + struct.pack("!H", len(extra)) + raw[4:] + extra
            reply, me = await exchange((server.host, server.port), [raw])
            assert reply is not None
            resp = ref.parse_message(reply)
            assert resp.message_class == ref.Class.RESPONSE
            assert resp.attributes["XOR-MAPPED-ADDRESS"] == me

    run(go)


def test_ice_connectivity_check_attributes_are_understood():
    """ICE checks carry USERNAME, PRIORITY, MESSAGE-INTEGRITY: no 420 for them."""

    async def go() -> None:
        async with await start_stun_server() as server:
            req = binding_request(
                USERNAME="a:b", PRIORITY=1, **{"USE-CANDIDATE": None, "ICE-CONTROLLING": 5}
            )
            req.add_message_integrity(b"key")
            reply, me = await exchange((server.host, server.port), [bytes(req)])
            assert reply is not None
            assert ref.parse_message(reply).attributes["XOR-MAPPED-ADDRESS"] == me

    run(go)


def test_other_methods_get_400():
    """A TURN client pointed here by mistake must fail fast, not time out."""

    async def go() -> None:
        async with await start_stun_server() as server:
            req = ref.Message(ref.Method.ALLOCATE, ref.Class.REQUEST)
            reply, _ = await exchange((server.host, server.port), [bytes(req)])
            assert reply is not None
            resp = ref.parse_message(reply)
            assert resp.message_method == ref.Method.ALLOCATE
            assert resp.message_class == ref.Class.ERROR and resp.error_code == 400

    run(go)


def test_malformed_and_non_stun_datagrams_are_dropped_and_server_keeps_answering():
    """Junk gets no reply and does not stop the responder; each piece is counted."""

    async def go() -> None:
        async with await start_stun_server() as server:
            good = binding_request()
            fp = binding_request()
            fp.add_fingerprint()
            bad_fp = bytearray(bytes(fp))
            bad_fp[-1] ^= 0x01
            header_ok = bytes(binding_request())
            junk = [
                b"",
                b"hello",
                header_ok[:19],
                b"\x80\x60" + header_ok[2:],  # RTP-like: top bits set
                header_ok[:2] + b"\x00\x04" + header_ok[4:],  # length says 4, no body
                header_ok[:2] + b"\x00\x02" + header_ok[4:] + b"ab",  # not a multiple of 4
                header_ok[:2] + b"\x00\x04" + header_ok[4:] + b"\x00\x20\x00\x08",  # overrun
                bytes(bad_fp),
                os.urandom(1200),
            ]
            junk[-1] = b"\xff" + junk[-1][1:]
            reply, me = await exchange((server.host, server.port), junk + [bytes(good)])
            assert reply is not None
            resp = ref.parse_message(reply)
            assert resp.transaction_id == good.transaction_id  # first reply is to the good one
            assert resp.attributes["XOR-MAPPED-ADDRESS"] == me
            assert server.counters.malformed_dropped == len(junk)
            assert server.counters.requests_answered == 1

    run(go)


def test_indications_and_responses_get_no_reply():
    """Binding Indications are keep-alives; answering them would invite reflection loops."""

    async def go() -> None:
        async with await start_stun_server() as server:
            ind = ref.Message(ref.Method.BINDING, ref.Class.INDICATION)
            resp = ref.Message(ref.Method.BINDING, ref.Class.RESPONSE)
            reply, _ = await exchange((server.host, server.port), [bytes(ind), bytes(resp)])
            assert reply is None
            assert server.counters.ignored == 2

    run(go)


def test_rfc3489_client_gets_mapped_address_and_its_cookie_back():
    """Old clients have no magic cookie: echo their 16-byte id and send MAPPED-ADDRESS."""

    async def go() -> None:
        async with await start_stun_server() as server:
            txid16 = b"\x01\x02\x03\x04" + os.urandom(12)
            reply, me = await exchange((server.host, server.port), [b"\x00\x01\x00\x00" + txid16])
            assert reply is not None
            assert reply[:2] == b"\x01\x01" and reply[4:20] == txid16
            attrs = attributes_raw(reply)
            assert set(attrs) == {0x0001}
            _, family, port = struct.unpack_from("!BBH", attrs[0x0001])
            assert (family, socket.inet_ntoa(attrs[0x0001][4:]), port) == (1, me[0], me[1])

    run(go)


def test_aioice_connection_gathers_srflx_candidate():
    """The real consumer: aioice's ICE agent learns its reflexive address from us.

    aioice never offers 127.0.0.1 as a host address, so the test points its interface
    list at 127.0.0.1 to keep every packet on loopback; gathering itself is aioice's own.
    """

    async def go() -> None:
        async with await start_stun_server() as server:
            conn = aioice.Connection(
                ice_controlling=True, stun_server=(LOOP, server.port), use_ipv6=False
            )
            try:
                await conn.gather_candidates()
                host = [c for c in conn.local_candidates if c.type == "host"]
                srflx = [c for c in conn.local_candidates if c.type == "srflx"]
                assert len(host) == 1 and len(srflx) == 1
                assert (srflx[0].host, srflx[0].port) == (host[0].host, host[0].port)
                assert server.counters.requests_answered == 1
            finally:
                await conn.close()

    orig = aioice.ice.get_host_addresses
    aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: [LOOP]
    try:
        run(go)
    finally:
        aioice.ice.get_host_addresses = orig


def test_stun_binding_client_against_server():
    """The network checks' client: mapped address and a plausible loopback RTT."""

    async def go() -> None:
        async with await start_stun_server() as server:
            (addr, port), rtt = await stun_binding(LOOP, server.port)
            assert addr == LOOP and 0 < port < 65536 and port != server.port
            assert 0 < rtt < 0.5
            assert server.counters.requests_answered == 1

    run(go)


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((LOOP, 0))
        return s.getsockname()[1]


def test_stun_binding_times_out_cleanly_on_closed_port():
    """No server: a StunTimeout after the timeout, flagged unreachable from the ICMP error."""

    async def go() -> None:
        port = free_udp_port()
        t0 = time.perf_counter()
        with pytest.raises(StunTimeout) as info:
            await stun_binding(LOOP, port, timeout=0.6)
        elapsed = time.perf_counter() - t0
        assert 0.55 < elapsed < 1.2
        assert info.value.unreachable
        assert isinstance(info.value, TimeoutError)

    run(go)


def test_stun_binding_times_out_on_silent_server():
    """A port that swallows packets (firewall) times out without the unreachable flag."""

    async def go() -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sink:
            sink.bind((LOOP, 0))
            with pytest.raises(StunTimeout) as info:
                await stun_binding(LOOP, sink.getsockname()[1], timeout=0.4, rto=0.1)
            assert not info.value.unreachable
            assert sink.recv(2048)  # our request did arrive

    run(go)


def test_stun_binding_retransmits_with_fresh_transaction():
    """After a lost request the answer to the retry gives the retry's own RTT, not rto+RTT."""

    class DropFirst(StunServer):
        dropped = 0

        def datagram_received(self, data: bytes, addr: Any) -> None:
            if not self.dropped:
                self.dropped += 1
                return
            super().datagram_received(data, addr)

    async def go() -> None:
        loop = asyncio.get_running_loop()
        server = DropFirst()
        await loop.create_datagram_endpoint(lambda: server, local_addr=(LOOP, 0))
        try:
            (addr, _), rtt = await stun_binding(LOOP, server.port, timeout=2, rto=0.3)
            assert addr == LOOP
            assert server.dropped == 1 and server.counters.requests_answered == 1
            assert rtt < 0.2  # measured from the retry, not from the lost first request
        finally:
            await server.aclose()

    run(go)


def test_close_releases_the_port():
    """After close the socket is gone: the port answers ICMP unreachable, not STUN."""

    async def go() -> None:
        server = await start_stun_server()
        port = server.port
        await server.aclose()
        assert server.transport is not None and server.transport.is_closing()
        with pytest.raises(StunTimeout) as info:
            await stun_binding(LOOP, port, timeout=0.3)
        assert info.value.unreachable

    run(go)


def test_decoder_rejects_attribute_after_fingerprint():
    """FINGERPRINT must be last; anything after it means the datagram is not ours."""
    req = binding_request()
    req.add_fingerprint()
    raw = bytes(req) + struct.pack("!HH", 0x8022, 0)
    raw = raw[:2] + struct.pack("!H", len(raw) - 20) + raw[4:]
    with pytest.raises(ValueError):
        decode_message(raw)
    assert decode_message(bytes(req)).transaction_id == req.transaction_id


# --- hostile datagrams: bounded work and bounded answers -------------------------------

# An answer may be at most this much larger than the request it answers (amplification).
MAX_GROWTH = 40


def with_attributes(req: ref.Message, attrs: list[tuple[int, bytes]]) -> bytes:
    """``req`` serialised with extra raw attributes appended and the length fixed up."""
    raw = bytes(req)
    extra = b"".join(struct.pack("!HH", t, len(v)) + v + bytes(-len(v) % 4) for t, v in attrs)
    return raw[:2] + struct.pack("!H", len(raw) - 20 + len(extra)) + raw[4:] + extra


def test_flood_of_unknown_attributes_does_not_stall_the_responder():
    """12,000 distinct unknown attributes per datagram once cost ~1 s each (a quadratic
    search); the event loop, and so HTTP and all audio, stopped meanwhile."""

    async def go() -> None:
        async with await start_stun_server() as server:
            loop = asyncio.get_running_loop()
            hostile = with_attributes(binding_request(), [(0x4000 + i, b"") for i in range(12_000)])
            assert len(hostile) < 65_507  # one real UDP datagram
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.setblocking(False)
            sock.bind((LOOP, 0))
            try:
                for _ in range(5):
                    await loop.sock_sendto(sock, hostile, (LOOP, server.port))
                good = binding_request()
                t0 = time.perf_counter()
                await loop.sock_sendto(sock, bytes(good), (LOOP, server.port))
                replies = []
                async with asyncio.timeout(20):
                    while True:
                        data, _ = await loop.sock_recvfrom(sock, 65536)
                        replies.append(data)
                        if data[8:20] == good.transaction_id:
                            break
                elapsed = time.perf_counter() - t0
            finally:
                sock.close()
            assert elapsed < 0.3, f"a normal request waited {elapsed:.2f} s"
            for data in replies:  # whatever the floods got back stays small
                assert len(data) <= len(hostile)
                assert len(data) < 200

    run(go)


def test_answers_are_never_much_larger_than_requests():
    """A STUN server must not be a useful amplifier: 20 bytes in once gave 72-84 out."""
    unknown = [(0x7000 + i, b"") for i in range(40)]
    cases = {
        "bare binding request": bytes(binding_request()),
        "one unknown attribute": with_attributes(binding_request(), [(0x7777, b"")]),
        "two unknown attributes": with_attributes(binding_request(), unknown[:2]),
        "forty unknown attributes": with_attributes(binding_request(), unknown),
        "other method": bytes(ref.Message(ref.Method.ALLOCATE, ref.Class.REQUEST)),
        "RFC 3489 request": b"\x00\x01\x00\x00" + os.urandom(16),
        "RFC 3489 unknown attribute": b"\x00\x01\x00\x04"
        + os.urandom(16)
        + struct.pack("!HH", 0x7777, 0),
    }
    fingerprinted = binding_request()
    fingerprinted.add_fingerprint()
    cases["with fingerprint"] = bytes(fingerprinted)

    async def go() -> dict[str, tuple[int, int]]:
        sizes = {}
        async with await start_stun_server() as server:
            for name, request in cases.items():
                reply, _ = await exchange((server.host, server.port), [request])
                assert reply is not None, name
                decode_message(reply)  # still well-formed STUN
                sizes[name] = (len(request), len(reply))
            assert server.counters.malformed_dropped == 0
        return sizes

    for name, (asked, answered) in run(go).items():
        assert answered <= asked + MAX_GROWTH, f"{name}: {asked} bytes in, {answered} out"


def test_420_lists_a_bounded_number_of_unknown_attributes():
    """UNKNOWN-ATTRIBUTES names the first few distinct types, once each, in wire order."""
    attrs = [(0x7000 + i % 30, b"") for i in range(60)]  # 30 distinct types, each twice
    req = binding_request()
    raw = with_attributes(req, attrs)
    reply = StunServer().respond(raw, (LOOP, 5000))
    assert reply is not None
    resp = ref.parse_message(reply)
    assert resp.error_code == 420 and resp.transaction_id == req.transaction_id
    listed = attributes_raw(reply)[0x000A]
    types = struct.unpack(f"!{len(listed) // 2}H", listed)
    assert 1 <= len(types) <= 16
    assert list(types) == [0x7000 + i for i in range(len(types))]


def test_datagram_with_too_many_attributes_is_dropped():
    """Parsing stops at a sane attribute count: the rest is not even looked at."""
    server = StunServer()
    raw = with_attributes(binding_request(), [(0x8777, b"")] * 1000)
    assert server.respond(raw, (LOOP, 5000)) is None
    assert server.counters.malformed_dropped == 1
    with pytest.raises(ValueError, match="attributes"):
        decode_message(raw)


# --- fuzzing the codec and the responder ------------------------------------------------

_attr_lists = st.lists(
    st.tuples(
        st.one_of(
            st.integers(0, 0xFFFF),
            st.sampled_from([0x0001, 0x0006, 0x0008, 0x0020, 0x0024, 0x8022, 0x8028]),
        ),
        st.binary(max_size=24),
    ),
    max_size=80,
)


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=600))
def test_fuzz_random_datagrams_never_raise_and_answers_stay_small(data: bytes) -> None:
    server = StunServer()
    for candidate in (data, b"\x00\x01" + struct.pack("!H", max(len(data) - 4, 0)) + data[4:]):
        try:
            decode_message(candidate)
        except StunDecodeError:
            pass
        reply = server.respond(candidate, (LOOP, 40000))
        if reply is not None:
            assert len(reply) <= len(candidate) + MAX_GROWTH
            decode_message(reply)


@settings(max_examples=300, deadline=None)
@given(
    attrs=_attr_lists,
    method=st.sampled_from([0x001, 0x003, 0xABC]),
    cls=st.sampled_from(list(StunClass)),
    legacy=st.booleans(),
    fingerprint=st.booleans(),
    ipv6=st.booleans(),
)
def test_fuzz_structured_messages_never_raise_and_answers_stay_small(
    attrs: list[tuple[int, bytes]],
    method: int,
    cls: StunClass,
    legacy: bool,
    fingerprint: bool,
    ipv6: bool,
) -> None:
    cookie = 0x01020304 if legacy else MAGIC_COOKIE
    attrs = [(t, v) for t, v in attrs if t != 0x8028]  # FINGERPRINT only where it belongs
    raw = encode_message(method, cls, os.urandom(12), attrs, cookie=cookie, fingerprint=fingerprint)
    server = StunServer()
    peer = ("::1", 40000) if ipv6 else (LOOP, 40000)
    reply = server.respond(raw, peer)
    if reply is None:
        return
    assert len(reply) <= len(raw) + MAX_GROWTH
    answer = decode_message(reply)
    assert answer.transaction_id == raw[8:20]
    assert answer.cls in (StunClass.SUCCESS, StunClass.ERROR)
    if answer.cls == StunClass.ERROR and answer.get(0x000A) is not None:
        assert len(answer.get(0x000A)) <= 2 * 16
