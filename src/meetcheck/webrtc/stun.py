"""STUN (RFC 5389): the message codec and a Binding client.

:func:`stun_binding` asks any STUN server for our mapped address and measures the round
trip; the network checks use it against the meeting's servers, and the test meeting's own
responder (:mod:`meetcheck.server.stun`) is built on the same codec. :func:`decode_message`
refuses anything that is not well-formed STUN (header, lengths, FINGERPRINT, at most
:data:`MAX_ATTRIBUTES` attributes), so the work per datagram stays bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import os
import struct
import time
import zlib
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from meetcheck import __version__

MAGIC_COOKIE = 0x2112A442
FINGERPRINT_XOR = 0x5354554E
HEADER_LENGTH = 20
_HEADER = struct.Struct("!HHI12s")
_ATTR_HEADER = struct.Struct("!HH")

METHOD_BINDING = 0x001

ATTR_MAPPED_ADDRESS = 0x0001
ATTR_CHANGE_REQUEST = 0x0003
ATTR_USERNAME = 0x0006
ATTR_MESSAGE_INTEGRITY = 0x0008
ATTR_ERROR_CODE = 0x0009
ATTR_UNKNOWN_ATTRIBUTES = 0x000A
ATTR_REALM = 0x0014
ATTR_NONCE = 0x0015
ATTR_XOR_MAPPED_ADDRESS = 0x0020
ATTR_PRIORITY = 0x0024
ATTR_USE_CANDIDATE = 0x0025
ATTR_SOFTWARE = 0x8022
ATTR_FINGERPRINT = 0x8028

SOFTWARE = f"meetcheck {__version__}"

# A Binding Request of an ICE agent carries about ten attributes; a datagram with more
# than this is dropped before the rest of it is even looked at.
MAX_ATTRIBUTES = 64

FAMILY_IPV4 = 0x01
FAMILY_IPV6 = 0x02


class StunClass(IntEnum):
    """The two class bits of a STUN message type."""

    REQUEST = 0b00
    INDICATION = 0b01
    SUCCESS = 0b10
    ERROR = 0b11


class StunDecodeError(ValueError):
    """A datagram is not a well-formed STUN message."""


class StunError(Exception):
    """A STUN transaction failed (error response or no answer)."""


class StunErrorResponse(StunError):
    """The server answered with an error response."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"STUN error {code} {reason}".strip())
        self.code = code
        self.reason = reason


class StunTimeout(StunError, TimeoutError):
    """No answer within the timeout; ``unreachable`` is True if ICMP said the port is closed."""

    def __init__(self, message: str, unreachable: bool = False) -> None:
        super().__init__(message)
        self.unreachable = unreachable


@dataclass(frozen=True)
class StunMessage:
    """A decoded STUN message: raw attribute values in wire order."""

    method: int
    cls: StunClass
    transaction_id: bytes
    attributes: tuple[tuple[int, bytes], ...] = ()
    cookie: int = MAGIC_COOKIE

    @property
    def legacy(self) -> bool:
        """True for an RFC 3489 message (no magic cookie)."""
        return self.cookie != MAGIC_COOKIE

    def get(self, attr_type: int) -> bytes | None:
        """Value of the first attribute of ``attr_type``, or None."""
        for t, v in self.attributes:
            if t == attr_type:
                return v
        return None


# --- message type bits (RFC 5389 section 6: method and class bits are interleaved) -----


def message_type(method: int, cls: StunClass) -> int:
    """Pack a 12-bit method and a class into the 14-bit message type."""
    c = int(cls)
    return (
        (method & 0x000F)
        | ((method & 0x0070) << 1)
        | ((method & 0x0F80) << 2)
        | ((c & 0b01) << 4)
        | ((c & 0b10) << 7)
    )


def split_type(msg_type: int) -> tuple[int, StunClass]:
    """Inverse of :func:`message_type`."""
    method = (msg_type & 0x000F) | ((msg_type >> 1) & 0x0070) | ((msg_type >> 2) & 0x0F80)
    cls = ((msg_type >> 4) & 0b01) | ((msg_type >> 7) & 0b10)
    return method, StunClass(cls)


# --- codec -----------------------------------------------------------------------------


def _pad(length: int) -> int:
    return -length % 4


def attribute_size(value: bytes) -> int:
    """Bytes an attribute holding ``value`` takes in a message (header and padding)."""
    return 4 + len(value) + _pad(len(value))


def _fingerprint(data: bytes) -> int:
    return (zlib.crc32(data) & 0xFFFFFFFF) ^ FINGERPRINT_XOR


def encode_message(
    method: int,
    cls: StunClass,
    transaction_id: bytes,
    attributes: list[tuple[int, bytes]] | tuple[tuple[int, bytes], ...] = (),
    *,
    cookie: int = MAGIC_COOKIE,
    fingerprint: bool = True,
) -> bytes:
    """Serialise a message; FINGERPRINT, if asked for, is computed and appended last."""
    if len(transaction_id) != 12:
        raise ValueError("transaction id must be 12 bytes")
    body = bytearray()
    for attr_type, value in attributes:
        if len(value) > 0xFFFF:
            raise ValueError(f"attribute 0x{attr_type:04x} too long")
        body += _ATTR_HEADER.pack(attr_type, len(value)) + value + bytes(_pad(len(value)))
    msg_type = message_type(method, cls)
    if not fingerprint:
        return _HEADER.pack(msg_type, len(body), cookie, transaction_id) + bytes(body)
    # The length in the header covers the FINGERPRINT attribute while its CRC is computed.
    head = _HEADER.pack(msg_type, len(body) + 8, cookie, transaction_id)
    crc = _fingerprint(head + body)
    return head + bytes(body) + _ATTR_HEADER.pack(ATTR_FINGERPRINT, 4) + struct.pack("!I", crc)


def decode_message(data: bytes) -> StunMessage:
    """Parse and validate a datagram; raise :class:`StunDecodeError` if it is not STUN.

    Checks the header, that every attribute fits, and FINGERPRINT (which must be last);
    refuses more than :data:`MAX_ATTRIBUTES` attributes, so the work stays bounded.
    Attributes after MESSAGE-INTEGRITY other than FINGERPRINT are dropped (RFC 5389
    section 15.4).
    """
    if len(data) < HEADER_LENGTH:
        raise StunDecodeError("shorter than a STUN header")
    msg_type, length, cookie, txid = _HEADER.unpack_from(data)
    if msg_type & 0xC000:
        raise StunDecodeError("top two bits are not zero")
    if length % 4:
        raise StunDecodeError("message length is not a multiple of 4")
    if len(data) != HEADER_LENGTH + length:
        raise StunDecodeError("message length does not match the datagram")
    attrs: list[tuple[int, bytes]] = []
    pos = HEADER_LENGTH
    after_integrity = False
    count = 0
    while pos < len(data):
        count += 1
        if count > MAX_ATTRIBUTES:
            raise StunDecodeError(f"more than {MAX_ATTRIBUTES} attributes")
        if pos + 4 > len(data):
            raise StunDecodeError("truncated attribute header")
        attr_type, attr_len = _ATTR_HEADER.unpack_from(data, pos)
        end = pos + 4 + attr_len
        if end > len(data):
            raise StunDecodeError(f"attribute 0x{attr_type:04x} runs past the end")
        value = bytes(data[pos + 4 : end])
        if attr_type == ATTR_FINGERPRINT:
            if attr_len != 4 or end != len(data):
                raise StunDecodeError("FINGERPRINT is not the last 4-byte attribute")
            if struct.unpack("!I", value)[0] != _fingerprint(bytes(data[:pos])):
                raise StunDecodeError("FINGERPRINT does not match")
        elif not after_integrity:
            attrs.append((attr_type, value))
        if attr_type == ATTR_MESSAGE_INTEGRITY:
            after_integrity = True
        pos = end + _pad(attr_len)
    if pos != len(data):
        raise StunDecodeError("attribute padding runs past the end")
    method, cls = split_type(msg_type)
    return StunMessage(method, cls, bytes(txid), tuple(attrs), cookie)


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    ip = ipaddress.ip_address(host.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped  # a dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d
    return ip


def encode_address(host: str, port: int) -> bytes:
    """MAPPED-ADDRESS value (RFC 5389 section 15.1)."""
    ip = _ip(host)
    family = FAMILY_IPV4 if ip.version == 4 else FAMILY_IPV6
    return struct.pack("!BBH", 0, family, port) + ip.packed


def encode_xor_address(
    host: str, port: int, transaction_id: bytes, cookie: int = MAGIC_COOKIE
) -> bytes:
    """XOR-MAPPED-ADDRESS value (RFC 5389 section 15.2)."""
    ip = _ip(host)
    family = FAMILY_IPV4 if ip.version == 4 else FAMILY_IPV6
    key = struct.pack("!I", cookie) + transaction_id
    xaddr = bytes(a ^ b for a, b in zip(ip.packed, key, strict=False))
    return struct.pack("!BBH", 0, family, port ^ (cookie >> 16)) + xaddr


def decode_address(value: bytes) -> tuple[str, int]:
    """Inverse of :func:`encode_address`."""
    if len(value) < 4:
        raise StunDecodeError("address attribute too short")
    _, family, port = struct.unpack_from("!BBH", value)
    raw = value[4:]
    if family == FAMILY_IPV4 and len(raw) == 4:
        return str(ipaddress.IPv4Address(raw)), port
    if family == FAMILY_IPV6 and len(raw) == 16:
        return str(ipaddress.IPv6Address(raw)), port
    raise StunDecodeError(f"bad address family {family} or length {len(raw)}")


def decode_xor_address(
    value: bytes, transaction_id: bytes, cookie: int = MAGIC_COOKIE
) -> tuple[str, int]:
    """Inverse of :func:`encode_xor_address`."""
    if len(value) < 4:
        raise StunDecodeError("address attribute too short")
    key = struct.pack("!I", cookie) + transaction_id
    head = value[:2] + struct.pack("!H", struct.unpack_from("!H", value, 2)[0] ^ (cookie >> 16))
    raw = bytes(a ^ b for a, b in zip(value[4:], key, strict=False))
    return decode_address(head + raw)


def encode_error_code(code: int, reason: str) -> bytes:
    """ERROR-CODE value (RFC 5389 section 15.6)."""
    return struct.pack("!HBB", 0, code // 100, code % 100) + reason.encode("utf-8")[:763]


def decode_error_code(value: bytes) -> tuple[int, str]:
    """Inverse of :func:`encode_error_code`."""
    if len(value) < 4:
        raise StunDecodeError("ERROR-CODE too short")
    code = (value[2] & 0x07) * 100 + value[3]
    return code, value[4:].decode("utf-8", "replace")


# --- client ----------------------------------------------------------------------------


class _ClientProtocol(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.sent: dict[bytes, float] = {}
        self.result: asyncio.Future[tuple[tuple[str, int], float]] = (
            asyncio.get_running_loop().create_future()
        )
        self.unreachable = False

    def datagram_received(self, data: bytes, addr: Any) -> None:
        now = time.perf_counter()
        try:
            msg = decode_message(data)
        except StunDecodeError:
            return
        sent_at = self.sent.get(msg.transaction_id)
        if sent_at is None or msg.legacy or self.result.done():
            return
        if msg.cls == StunClass.ERROR:
            raw = msg.get(ATTR_ERROR_CODE)
            code, reason = decode_error_code(raw) if raw else (0, "without ERROR-CODE")
            self.result.set_exception(StunErrorResponse(code, reason))
            return
        if msg.cls != StunClass.SUCCESS:
            return
        try:
            xor = msg.get(ATTR_XOR_MAPPED_ADDRESS)
            if xor is not None:
                mapped = decode_xor_address(xor, msg.transaction_id)
            else:
                plain = msg.get(ATTR_MAPPED_ADDRESS)
                if plain is None:
                    raise StunDecodeError("response without a mapped address")
                mapped = decode_address(plain)
        except StunDecodeError as exc:
            self.result.set_exception(StunError(f"bad STUN response: {exc}"))
            return
        self.result.set_result((mapped, now - sent_at))

    def error_received(self, exc: Exception) -> None:
        if isinstance(exc, ConnectionRefusedError):
            self.unreachable = True


async def stun_binding(
    host: str, port: int, timeout: float = 2.0, *, rto: float = 0.5
) -> tuple[tuple[str, int], float]:
    """Ask the STUN server at ``host:port`` for our mapped address.

    Returns ``((address, port), rtt_seconds)``.  Every retransmission (after ``rto``,
    then doubling, RFC 5389 section 7.2.1) is a fresh transaction with its own id, so the
    round-trip time of whichever answer arrives is unambiguous.  Raises
    :class:`StunTimeout` once ``timeout`` has passed without an answer,
    :class:`StunErrorResponse` on an error response, :class:`StunError` on a garbled one.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    try:
        transport, proto = await asyncio.wait_for(
            loop.create_datagram_endpoint(_ClientProtocol, remote_addr=(host, port)), timeout
        )
    except (OSError, TimeoutError) as exc:
        raise StunError(f"cannot reach STUN server {host} port {port}: {exc}") from None
    try:
        wait = rto
        while (left := deadline - loop.time()) > 0:
            txid = os.urandom(12)
            request = encode_message(
                METHOD_BINDING, StunClass.REQUEST, txid, [(ATTR_SOFTWARE, SOFTWARE.encode())]
            )
            proto.sent[txid] = time.perf_counter()
            with contextlib.suppress(OSError):  # ICMP from the previous try surfaces here
                transport.sendto(request)
            with contextlib.suppress(TimeoutError):
                return await asyncio.wait_for(asyncio.shield(proto.result), min(wait, left))
            wait *= 2
        if proto.result.done():
            return proto.result.result()
        why = " (port unreachable)" if proto.unreachable else ""
        raise StunTimeout(
            f"no STUN answer from {host} port {port} within {timeout:g} s{why}",
            unreachable=proto.unreachable,
        )
    finally:
        transport.close()
        if not proto.result.done():
            proto.result.cancel()


# --- a paced train of Binding requests -----------------------------------------------


@dataclass
class TrainResult:
    """What a Binding train saw: one entry per probe, ``None`` where it was lost.

    ``rtts`` are in seconds, in the order the probes were sent. ``unreachable`` is True if
    ICMP said the port is closed; ``errors`` counts error responses.
    """

    sent: int
    rtts: list[float | None]
    srflx: tuple[str, int] | None = None
    unreachable: bool = False
    errors: int = 0
    error: str = ""

    @property
    def received(self) -> list[float]:
        return [r for r in self.rtts if r is not None]

    @property
    def loss_pct(self) -> float:
        return 100.0 * (self.sent - len(self.received)) / self.sent if self.sent else 0.0


class _TrainProtocol(asyncio.DatagramProtocol):
    def __init__(self, result: TrainResult) -> None:
        self.result = result
        self.sent: dict[bytes, tuple[int, float]] = {}
        self.closed = False

    def datagram_received(self, data: bytes, addr: Any) -> None:
        now = time.perf_counter()
        if self.closed:
            return  # after the deadline: a late answer counts as lost
        try:
            msg = decode_message(data)
        except StunDecodeError:
            return
        entry = self.sent.get(msg.transaction_id)
        if entry is None or msg.legacy:
            return
        index, sent_at = entry
        if self.result.rtts[index] is not None:
            return  # a duplicate answer
        if msg.cls == StunClass.ERROR:
            self.result.errors += 1
            raw = msg.get(ATTR_ERROR_CODE)
            code, reason = decode_error_code(raw) if raw else (0, "")
            self.result.error = f"STUN error {code} {reason}".strip()
            return
        if msg.cls != StunClass.SUCCESS:
            return
        with contextlib.suppress(StunDecodeError):
            xor = msg.get(ATTR_XOR_MAPPED_ADDRESS)
            plain = msg.get(ATTR_MAPPED_ADDRESS)
            if xor is not None:
                self.result.srflx = decode_xor_address(xor, msg.transaction_id)
            elif plain is not None:
                self.result.srflx = decode_address(plain)
        self.result.rtts[index] = now - sent_at

    def error_received(self, exc: Exception) -> None:
        if isinstance(exc, ConnectionRefusedError):
            self.result.unreachable = True


async def binding_train(
    host: str, port: int, count: int = 50, interval: float = 0.02, wait: float = 1.0
) -> TrainResult:
    """Send ``count`` Binding requests ``interval`` seconds apart, each once, as an audio
    stream sends packets (no retransmission), and collect the answers.

    An answer that arrives more than ``wait`` seconds after the last request is lost, as a
    late audio packet is. The train stops waiting early once every probe is answered.
    Raises :class:`StunError` if no socket can be opened towards the server.
    """
    loop = asyncio.get_running_loop()
    result = TrainResult(sent=0, rtts=[None] * count)
    try:
        transport, proto = await asyncio.wait_for(
            loop.create_datagram_endpoint(lambda: _TrainProtocol(result), remote_addr=(host, port)),
            wait + 1,
        )
    except (OSError, TimeoutError) as exc:
        raise StunError(f"cannot reach STUN server {host} port {port}: {exc}") from None
    try:
        start = loop.time()
        for i in range(count):
            due = start + i * interval
            if (pause := due - loop.time()) > 0:
                await asyncio.sleep(pause)
            txid = os.urandom(12)
            request = encode_message(
                METHOD_BINDING, StunClass.REQUEST, txid, [(ATTR_SOFTWARE, SOFTWARE.encode())]
            )
            proto.sent[txid] = (i, time.perf_counter())
            result.sent += 1
            with contextlib.suppress(OSError):  # ICMP from an earlier probe surfaces here
                transport.sendto(request)
        deadline = loop.time() + wait
        while loop.time() < deadline and None in result.rtts:
            await asyncio.sleep(min(0.01, max(deadline - loop.time(), 0)))
    finally:
        proto.closed = True
        transport.close()
    return result
