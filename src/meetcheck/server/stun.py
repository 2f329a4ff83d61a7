"""The test meeting's STUN binding responder (RFC 5389), on the codec of
:mod:`meetcheck.webrtc.stun`.

A meeting started with ``meetcheck serve`` must work without a public STUN server, so the
server answers Binding Requests on UDP with the address it saw the request come from.

What the responder does with each datagram:

* not STUN (top two bits set, shorter than the 20-byte header, length field wrong or not
  a multiple of 4, attribute running past the end, bad FINGERPRINT, more than
  :data:`~meetcheck.webrtc.stun.MAX_ATTRIBUTES` attributes): dropped, counted in
  ``counters.malformed_dropped``; nothing is sent back, so junk never gets an answer;
* a STUN indication or response: ignored (``counters.ignored``); Binding Indications are
  keep-alives and get no answer by design;
* a Binding Request with the magic cookie: Binding Success Response with
  XOR-MAPPED-ADDRESS, MAPPED-ADDRESS (for clients that only read the old attribute),
  SOFTWARE and FINGERPRINT (``counters.requests_answered``);
* a Binding Request without the magic cookie (an RFC 3489 client): the cookie field is
  echoed and only MAPPED-ADDRESS is returned, as RFC 5389 section 12.2 asks;
* a request with comprehension-required attributes (type below 0x8000) the server does not
  understand: 420 Unknown Attribute with UNKNOWN-ATTRIBUTES listing the first
  :data:`MAX_UNKNOWN_LISTED` of them; a request of any
  other method (e.g. a TURN Allocate): 400, so the client fails fast instead of timing out
  (``counters.error_responses``).

The server does no authentication: USERNAME, MESSAGE-INTEGRITY and the ICE attributes
PRIORITY and USE-CANDIDATE are understood and ignored.

Amplification: a response is at most :data:`MAX_GROWTH` bytes larger than its request.
XOR-MAPPED-ADDRESS (or, for RFC 3489, MAPPED-ADDRESS), ERROR-CODE, UNKNOWN-ATTRIBUTES and
FINGERPRINT always go in; MAPPED-ADDRESS and SOFTWARE only while they fit, so a bare
20-byte request gets a bare answer, while a request that carries SOFTWARE (as
:func:`~meetcheck.webrtc.stun.stun_binding` sends) gets every attribute.  The work per
datagram is linear in its size and bounded by the codec's attribute limit.  The server
only answers well-formed STUN, and is meant to run next to the meeting's web server, not
as a public open reflector.
"""

from __future__ import annotations

import asyncio
import logging
import struct
from dataclasses import asdict, dataclass
from typing import Any, cast

from meetcheck.webrtc.stun import (
    ATTR_ERROR_CODE,
    ATTR_MAPPED_ADDRESS,
    ATTR_MESSAGE_INTEGRITY,
    ATTR_NONCE,
    ATTR_PRIORITY,
    ATTR_REALM,
    ATTR_SOFTWARE,
    ATTR_UNKNOWN_ATTRIBUTES,
    ATTR_USE_CANDIDATE,
    ATTR_USERNAME,
    ATTR_XOR_MAPPED_ADDRESS,
    HEADER_LENGTH,
    METHOD_BINDING,
    SOFTWARE,
    StunClass,
    StunDecodeError,
    StunMessage,
    attribute_size,
    decode_message,
    encode_address,
    encode_error_code,
    encode_message,
    encode_xor_address,
)

log = logging.getLogger("meetcheck.server.stun")

# Comprehension-required attributes a Binding Request may carry that this server
# understands (and, having no authentication, ignores).  Anything else below 0x8000,
# e.g. RFC 5780's CHANGE-REQUEST, gets a 420.
UNDERSTOOD_REQUIRED = frozenset(
    {
        ATTR_MAPPED_ADDRESS,
        ATTR_USERNAME,
        ATTR_MESSAGE_INTEGRITY,
        ATTR_ERROR_CODE,
        ATTR_UNKNOWN_ATTRIBUTES,
        ATTR_REALM,
        ATTR_NONCE,
        ATTR_XOR_MAPPED_ADDRESS,
        ATTR_PRIORITY,
        ATTR_USE_CANDIDATE,
    }
)

# UNKNOWN-ATTRIBUTES in a 420 names at most this many (distinct) types.
MAX_UNKNOWN_LISTED = 16
# An answer is at most this many bytes larger than the request it answers.
MAX_GROWTH = 40


@dataclass
class StunCounters:
    """What the responder did since it started; read by the health endpoint."""

    requests_answered: int = 0
    error_responses: int = 0
    malformed_dropped: int = 0
    ignored: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


class StunServer(asyncio.DatagramProtocol):
    """The UDP binding responder; create it with :func:`start_stun_server`."""

    def __init__(self, software: str = SOFTWARE) -> None:
        self.software = software
        self.counters = StunCounters()
        self.transport: asyncio.DatagramTransport | None = None
        self._closed = asyncio.Event()

    # --- asyncio protocol ----------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: Any) -> None:
        try:
            reply = self.respond(data, addr)
        except Exception:  # never let one datagram stop the responder
            log.exception("STUN: failed on a datagram from %s", addr[0])
            self.counters.malformed_dropped += 1
            return
        if reply is not None and self.transport is not None:
            self.transport.sendto(reply, addr)

    def error_received(self, exc: Exception) -> None:
        # ICMP errors for earlier replies (client gone); nothing to do.
        log.debug("STUN: socket error %s", exc)

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed.set()

    # --- the responder -------------------------------------------------------------
    def respond(self, data: bytes, addr: Any) -> bytes | None:
        """The reply to one datagram from ``addr`` (host, port, ...), or None to stay silent."""
        try:
            msg = decode_message(data)
        except StunDecodeError as exc:
            self.counters.malformed_dropped += 1
            log.debug("STUN: dropped %d bytes from %s: %s", len(data), addr[0], exc)
            return None
        if msg.cls != StunClass.REQUEST:
            self.counters.ignored += 1
            return None
        host, port = addr[0], addr[1]
        legacy = msg.legacy
        budget = len(data) + MAX_GROWTH
        if msg.method != METHOD_BINDING:
            self.counters.error_responses += 1
            return self._error(msg, 400, "Binding only", [], budget)
        unknown: dict[int, None] = {}  # distinct, in wire order; a dict keeps this linear
        for t, _ in msg.attributes:
            if t < 0x8000 and t not in UNDERSTOOD_REQUIRED:
                unknown[t] = None
        if unknown:
            self.counters.error_responses += 1
            listed = list(unknown)[:MAX_UNKNOWN_LISTED]
            return self._error(msg, 420, "Unknown Attribute", listed, budget)
        if legacy:
            attrs = [(ATTR_MAPPED_ADDRESS, encode_address(host, port))]
            optional = []
        else:
            attrs = [(ATTR_XOR_MAPPED_ADDRESS, encode_xor_address(host, port, msg.transaction_id))]
            optional = [
                (ATTR_MAPPED_ADDRESS, encode_address(host, port)),
                (ATTR_SOFTWARE, self.software.encode("utf-8")[:127]),
            ]
        self.counters.requests_answered += 1
        return self._answer(msg, StunClass.SUCCESS, attrs, optional, budget)

    def _error(
        self, msg: StunMessage, code: int, reason: str, unknown: list[int], budget: int
    ) -> bytes:
        attrs = [(ATTR_ERROR_CODE, encode_error_code(code, reason))]
        if unknown:
            listed = list(unknown)
            if msg.legacy and len(listed) % 2:
                listed.append(listed[0])  # RFC 3489 wants an even count instead of padding
            attrs.append((ATTR_UNKNOWN_ATTRIBUTES, b"".join(struct.pack("!H", t) for t in listed)))
        optional = [] if msg.legacy else [(ATTR_SOFTWARE, self.software.encode("utf-8")[:127])]
        return self._answer(msg, StunClass.ERROR, attrs, optional, budget)

    @staticmethod
    def _answer(
        msg: StunMessage,
        cls: StunClass,
        attrs: list[tuple[int, bytes]],
        optional: list[tuple[int, bytes]],
        budget: int,
    ) -> bytes:
        """Encode ``attrs`` plus those of ``optional`` that keep it within ``budget`` bytes."""
        fingerprint = not msg.legacy
        size = HEADER_LENGTH + (8 if fingerprint else 0)
        size += sum(attribute_size(v) for _, v in attrs)
        chosen = list(attrs)
        for attr_type, value in optional:
            need = attribute_size(value)
            if size + need <= budget:
                chosen.append((attr_type, value))
                size += need
        return encode_message(
            msg.method,
            cls,
            msg.transaction_id,
            chosen,
            cookie=msg.cookie,
            fingerprint=fingerprint,
        )

    # --- lifecycle -----------------------------------------------------------------
    @property
    def address(self) -> tuple[str, int]:
        if self.transport is None:
            raise RuntimeError("STUN server not started")
        sockname = self.transport.get_extra_info("sockname")
        return sockname[0], sockname[1]

    @property
    def host(self) -> str:
        return self.address[0]

    @property
    def port(self) -> int:
        return self.address[1]

    def close(self) -> None:
        """Stop listening (idempotent); await :meth:`wait_closed` to be sure it is gone."""
        if self.transport is not None:
            self.transport.close()

    async def wait_closed(self) -> None:
        if self.transport is not None:
            await self._closed.wait()

    async def aclose(self) -> None:
        self.close()
        await self.wait_closed()

    async def __aenter__(self) -> StunServer:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


async def start_stun_server(
    host: str = "127.0.0.1", port: int = 0, *, software: str = SOFTWARE
) -> StunServer:
    """Listen for STUN on UDP ``host:port`` (0 picks a free port; read ``.port``).

    ``host`` may be an IPv4 or IPv6 literal; "::" on Linux also takes IPv4 peers,
    which are then reported as IPv4 addresses.
    """
    loop = asyncio.get_running_loop()
    server = StunServer(software=software)
    await loop.create_datagram_endpoint(lambda: server, local_addr=(host, port))
    log.info("STUN: listening on udp %s port %d", server.host, server.port)
    return server
